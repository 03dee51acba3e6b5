import asyncio, time, resource
import httpx
from bench.common import stack, OKTA_TOKEN
from tenantsim.connectors.http import ResilientClient
from tenantsim.connectors.okta.client import OktaProfile
from tenantsim.connectors.ratelimit import BudgetRegistry

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime

async def run(url, n, conc):
    budgets = BudgetRegistry()
    client = ResilientClient(url, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}, tenant="t", token_id="org", profile=OktaProfile(), budgets=budgets)
    async def worker(k):
        for i in range(n // conc):
            await client.request("GET", "/api/v1/groups", params={"limit": 1})
    t0 = time.monotonic(); c0 = cpu()
    await asyncio.gather(*(worker(k) for k in range(conc)))
    el = time.monotonic() - t0; c = cpu() - c0
    await client.aclose()
    return el, c

with stack("try") as st:
    okta = st.okta(rate_limit=1_000_000, window=60.0)
    for conc in (8, 32):
        el, c = asyncio.run(run(okta.url + "/o0", 4000, conc))
        print(conc, "calls/s", round(4000/el), "client cpu/call ms", round(c/4000*1000, 3))
    import uvloop
    el, c = uvloop.run(run(okta.url + "/o0", 4000, 32))
    print("uvloop calls/s", round(4000/el), "client cpu/call ms", round(c/4000*1000, 3))
