import time, httpx, json
from bench.common import stack, api, start_job, okta_job, wait_for, windows, job
with stack("try") as st:
    okta = st.okta(rate_limit=1_000_000, window=60.0)
    server = st.server(window=60.0, env={"TENANTSIM_BENCH_PROFILE": "/tmp/server.prof"})
    with api(server.url) as c:
        t0 = time.monotonic(); cpu0 = server.cpu_seconds(); ecpu0 = okta.cpu_seconds()
        jid = start_job(c, okta_job(okta.url + "/o0", 2000))
        j = wait_for(c, jid, seeded=True, timeout=600)
        el = time.monotonic() - t0
        calls = j["rate_limits"]["calls"]
        print("elapsed", round(el,1), "calls", calls, "calls/s", round(calls/el,1), "server cpu/call ms", round((server.cpu_seconds()-cpu0)/calls*1000, 3), "emu cpu/call ms", round((okta.cpu_seconds()-ecpu0)/calls*1000,3))
