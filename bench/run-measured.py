#!/usr/bin/env python3
"""Run a command; print one JSON line with its wall time (s), CPU time (user + system, s) and
peak RSS (MiB) of the child. Used by the benchmarks so dj and the baselines are measured the same
way. CPU time says how much work a run did when other processes load the machine."""
import json, resource, subprocess, sys, time

start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kib = usage.ru_maxrss
if proc.returncode != 0:
    sys.stderr.write(proc.stderr.decode(errors="replace"))
print(json.dumps({"seconds": round(elapsed, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3), "peak_rss_mib": round(peak_kib / 1024, 1), "rc": proc.returncode}))
