import time, httpx, json, signal
from bench.common import stack, api, start_job, okta_job, wait_for, windows, job
with stack("try") as st:
    okta = st.okta(rate_limit=1_000_000, window=60.0)
    server = st.server(window=60.0, env={"TENANTSIM_BENCH_PROFILE": "/tmp/server.prof"})
    with api(server.url) as c:
        jid = start_job(c, okta_job(okta.url + "/o0", 2000))
        j = wait_for(c, jid, seeded=True, timeout=600)
    t0 = time.monotonic()
    server.popen.send_signal(signal.SIGINT)
    server.popen.wait(60)
    print("exit took", time.monotonic() - t0)
    print(server.log.read_text()[-2000:])
