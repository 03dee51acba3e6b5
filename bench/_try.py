import time, httpx
from bench.common import stack, api, start_job, okta_job, wait_for, windows
with stack("try") as st:
    okta = st.okta(rate_limit=150, window=6.0)
    server = st.server(window=6.0)
    print("up", okta.url, server.url)
    with api(server.url) as c:
        t0 = time.monotonic()
        jid = start_job(c, okta_job(okta.url + "/o0", 300))
        j = wait_for(c, jid, seeded=True, timeout=300)
        print("seeded in", time.monotonic() - t0)
        print(j.get("stats") or j.keys())
    w = windows(okta)
    for k, rows in w["keys"].items():
        print(k, rows)
    print(server.cpu_seconds(), server.rss_bytes()/2**20)
