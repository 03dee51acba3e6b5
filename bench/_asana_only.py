import sys
from bench.utilisation import asana_job
r = asana_job()
print(sys.argv[1], "job", r["job"]["utilisation"], r["job"]["elapsed_seconds"], r["job"]["emulator_429"], "layer", r["http_layer"]["utilisation"], r["http_layer"]["refused_429"])
for k, v in r["http_layer"]["per_token"].items(): print(k, v["calls_per_window"], v["served"])
