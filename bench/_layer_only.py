import asyncio, time
import httpx
from bench.common import stack, windows, api, start_job, wait_for
from bench.pacing import asana_layer_run, utilisation
from tenantsim.connectors.asana.client import AsanaClient, tenant_for
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.http import HttpStats

async def lat(base, tokens):
    budgets = BudgetRegistry(window_seconds=6.0)
    budgets.set_limit(tenant_for(base), 30)
    for t in tokens:
        stats = HttpStats()
        c = AsanaClient(t, name="x", budgets=budgets, base_url=base, stats=stats)
        t0 = time.perf_counter()
        for _ in range(5): await c.me()
        print("latency", round((time.perf_counter()-t0)/5*1000, 1), "ms", stats.as_dict()["waited_seconds"])
        await c.aclose()

with stack("layer") as st:
    asana = st.asana(users=3, rate_limit=30, window=6.0)
    d = httpx.get(asana.url + "/_bench/describe").json()["asana"]
    server = st.server(window=6.0, limits={f"asana:127.0.0.1:{asana.port}": 30})
    people = d["users"][:3]
    body = {"connection_type": "asana", "industry": "technology", "workspace_gid": d["workspaces"][0]["gid"], "base_url": d["base_url"],
            "user_tokens": [{"name": u["name"], "token": u["token"]} for u in people], "content_provider": "offline", "initial_projects": 12, "seed": 3}
    with api(server.url) as c:
        jid = start_job(c, body)
        wait_for(c, jid, seeded=True)
        c.post(f"/api/jobs/{jid}/stop")
    n0 = {k: len(v) for k, v in windows(asana)["keys"].items()}
    asyncio.run(lat(d["base_url"], [u["token"] for u in people]))
    async def layer(base, tokens):
        budgets = BudgetRegistry(window_seconds=6.0)
        budgets.set_limit(tenant_for(base), 30)
        stats = HttpStats()
        clients = [AsanaClient(t, name=f"t{i}", budgets=budgets, base_url=base, stats=stats) for i, t in enumerate(tokens)]
        deadline = asyncio.get_running_loop().time() + 42
        async def caller(c):
            while asyncio.get_running_loop().time() < deadline:
                await c.me()
        await asyncio.gather(*(caller(c) for c in clients for _ in range(4)))
        for (ten, b, tok), bud in budgets._budgets.items():
            print(tok, bud.limit, bud._cut_at, bud.throttled_until)
        print(stats.as_dict())
    asyncio.run(layer(d["base_url"], [u["token"] for u in people]))
    print(httpx.get(asana.url + "/_sandbox/stats").json())
    w = windows(asana)
    for k, rows in w["keys"].items():
        print(k, [r[1] for r in rows[n0[k]:]])
