import asyncio, time, resource
import httpx
from bench.common import stack, OKTA_TOKEN

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime

async def run(url, n, conc, limits):
    kw = {"limits": limits} if limits else {}
    async with httpx.AsyncClient(headers={"Authorization": f"SSWS {OKTA_TOKEN}"}, **kw) as client:
        async def worker(k):
            for i in range(n // conc):
                await client.get(url + "/api/v1/groups", params={"limit": 1})
        t0 = time.monotonic(); c0 = cpu()
        await asyncio.gather(*(worker(k) for k in range(conc)))
        return time.monotonic() - t0, cpu() - c0

with stack("try") as st:
    okta = st.okta(rate_limit=1_000_000, window=60.0)
    for rep in range(2):
        for conc in (8, 32, 64):
            for name, lim in (("default", None), ("pool=75", httpx.Limits(max_connections=75, max_keepalive_connections=75))):
                el, c = asyncio.run(run(okta.url + "/o0", 3000, conc, lim))
                print(rep, conc, name, "calls/s", round(3000/el), "cpu/call ms", round(c/3000*1000, 3))
