#!/usr/bin/env python3
"""Run a command; print one JSON line with its wall time (s) and peak RSS (MiB) of the child.
Used by the benchmarks so dj and the baselines are measured the same way."""
import json, resource, subprocess, sys, time

start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if proc.returncode != 0:
    sys.stderr.write(proc.stderr.decode(errors="replace"))
print(json.dumps({"seconds": round(elapsed, 3), "peak_rss_mib": round(peak_kib / 1024, 1), "rc": proc.returncode}))
