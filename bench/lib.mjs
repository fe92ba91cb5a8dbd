// Shared helpers for the benchmarks: temp projects, measured runs (wall time + peak RSS of the
// child, via bench/run-measured.py), throwaway schemas, and .npy files made with NumPy.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// DJ_BIN points a bench at another build (e.g. the main checkout's) for a before/after run.
export const dj = process.env.DJ_BIN ?? join(root, "dist/bin/dj.js");

export function measure(cmd, args, opts = {}) {
  const r = spawnSync("python3", [join(root, "bench/run-measured.py"), cmd, ...args], { encoding: "utf8", ...opts });
  const line = r.stdout.trim().split("\n").pop();
  const out = JSON.parse(line);
  if (out.rc !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return out;
}

export function project(config, files = {}) {
  const dir = mkdtempSync(join(process.env.DJ_BENCH_DIR ?? tmpdir(), "dj-bench-"));
  mkdirSync(join(dir, ".git"));
  mkdirSync(join(dir, "store"));
  writeFileSync(join(dir, "dj.config.json"), JSON.stringify(config, null, 2));
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), v);
  return dir;
}

export const database = { host: process.env.DJ_TEST_DB_HOST ?? "127.0.0.1", user: process.env.DJ_TEST_DB_USER ?? "root", password: process.env.DJ_TEST_DB_PASS ?? "" };

/** A float32 waveform array of `mib` MiB as (rows, 64), written by NumPy without holding it in memory. */
export function makeWaveforms(path, mib) {
  execFileSync("python3", ["-c", `
import numpy as np
rows = ${mib} * 1024 * 1024 // (64 * 4)
a = np.lib.format.open_memmap("${path}", mode="w+", dtype="<f4", shape=(rows, 64))
t = np.arange(64, dtype="f4")
step = 65536
rng = np.random.default_rng(1)
for r0 in range(0, rows, step):
    n = min(step, rows - r0)
    a[r0:r0 + n] = np.sin((np.arange(r0, r0 + n, dtype="f4")[:, None] + t) / 50) + rng.standard_normal((n, 64), dtype="f4") * 0.05
a.flush()
`]);
}

export function dropSchema(name) {
  spawnSync("mariadb", ["-h", database.host, "-u", database.user, ...(database.password ? [`-p${database.password}`] : []), "-e", `DROP DATABASE IF EXISTS \`${name}\``]);
}

export const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
