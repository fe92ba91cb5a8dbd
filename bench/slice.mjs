#!/usr/bin/env node
// bench/slice: `dj fetch --slice` of a 1% row range of a large float32 array (rows x 64) on
// s3rver, against a full `dj fetch` of the same value, for <zarr@> (zstd-1, 4 MiB chunks) and
// <npy@>. Bytes transferred are counted by an HTTP proxy between dj and s3rver (response bodies
// and headers as they cross the wire); stored bytes come from `dj show --json`. Baseline, side by
// side: zarr-python 2.13 reading the same slice of the same Zarr array copied to a local folder.
// Goals (issue 18): slice bytes <= 3% of stored bytes, slice time <= 1/20 of the full fetch.
// Usage: [DJ_BENCH_TRACE=1] node bench/slice.mjs [MiB=256] [rounds=3]   (embedded database; no MariaDB needed)
import { createServer, request } from "node:http";
import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { dj, makeWaveforms, median, project, root } from "./lib.mjs";

const mib = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 3);
const ROWS_PER_CHUNK = 16384; // 16384 x 64 x 4 B = 4 MiB
const rows = (mib * 1024 * 1024) / (64 * 4);
const from = Math.floor(rows * 0.37);
const slice = `${from}:${from + Math.floor(rows / 100)}`; // 1% of the rows, not chunk-aligned

// --- s3rver behind a counting proxy --------------------------------------------------------
const { default: S3rver } = await import(createRequire(join(root, "package.json")).resolve("s3rver"));
const s3dir = mkdtempSync(join(tmpdir(), "dj-bench-s3-"));
const s3 = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3dir, configureBuckets: [{ name: "bench" }] });
const { port: s3port } = await s3.run();
const counted = { bytes: 0, requests: 0 };
const proxy = createServer((req, res) => {
  counted.requests++;
  const t0 = performance.now();
  // DJ_BENCH_TRACE=1: each request on stderr (method, path, ms to the last byte, body bytes).
  if (process.env.DJ_BENCH_TRACE) res.on("finish", () => console.error(`  ${req.method} ${req.url} ${(performance.now() - t0).toFixed(0)} ms ${res.getHeader("content-length") ?? ""}`));
  const up = request({ host: "127.0.0.1", port: s3port, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    counted.bytes += JSON.stringify(r.headers).length;
    r.on("data", (d) => (counted.bytes += d.length));
    r.pipe(res);
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
});
await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
const endpoint = `127.0.0.1:${proxy.address().port}`;

const store = { protocol: "s3", endpoint, bucket: "bench", location: "dj", access_key: "S3RVER", secret_key: "S3RVER", secure: false };
const dir = project(
  { schema: "bench", stores: { default: "s3", s3: store }, codecs: { zarr: { format: 2, compressor: { id: "zstd", level: 1 }, chunks: [ROWS_PER_CHUNK, 64] } } },
  { "p.dj": "schema bench\n\nWaves (manual)\n    id : int32\n    ---\n    z : <zarr@>\n    n : <npy@>\n" },
);
mkdirSync(join(dir, "node_modules"));
symlinkSync(join(root, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
// Asynchronous: s3rver and the proxy run in this process, so it must not block while dj runs.
const run = (...args) =>
  new Promise((ok, fail) => {
    const child = spawn("node", [dj, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? ok(out) : fail(new Error(`dj ${args.join(" ")}: ${err}`))));
  });
const file = join(dir, "waves.npy");
makeWaveforms(file, mib);
await run("declare", "p.dj");
await run("insert", "Waves", "--key", "id=1", "--from", "z=waves.npy", "--from", "n=waves.npy");
const stored = Object.fromEntries(JSON.parse(await run("show", "Waves", "--key", "id=1", "--json")).values.map((v) => [v.attr, v.storedBytes]));

/** Median wall time and the bytes/requests of the last round of one dj command. */
async function timed(args) {
  const t = [];
  let last;
  for (let i = 0; i < rounds; i++) {
    counted.bytes = 0;
    counted.requests = 0;
    const t0 = process.hrtime.bigint();
    if (process.env.DJ_BENCH_TRACE) console.error(`dj ${args.join(" ")}`);
    await run(...args);
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
    last = { ...counted };
  }
  return { s: median(t), ...last };
}

// zarr-python's read of the same slice from a local copy of the array (the baseline the issue names).
await run("fetch", "Waves", "--key", "id=1", "--attr", "z", "--format", "zarr", "--out", "local.zarr");
const py = spawnSync("/usr/bin/python3", ["-c", `
import time, zarr, numpy as np
z = zarr.open("${join(dir, "local.zarr")}", mode="r")
ts = []
for _ in range(${rounds}):
    t = time.perf_counter(); a = z[${slice}]; np.save("${join(dir, "py-slice.npy")}", a); ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2])`], { encoding: "utf8" });
const pyTime = py.status === 0 ? Number(py.stdout.trim()) : null;

console.log(`${mib} MiB float32 (${rows} x 64) on s3rver, slice [${slice}] (1% of rows), median of ${rounds}; embedded database`);
console.log("codec   what         time s   bytes over the wire   requests   bytes / stored   time / full");
for (const attr of ["z", "n"]) {
  const full = await timed(["fetch", "Waves", "--key", "id=1", "--attr", attr, "--out", `full-${attr}.npy`]);
  const part = await timed(["fetch", "Waves", "--key", "id=1", "--attr", attr, "--slice", slice, "--out", `slice-${attr}.npy`]);
  const name = attr === "z" ? "<zarr@>" : "<npy@> ";
  const row = (what, m) => `${name} ${what.padEnd(12)} ${m.s.toFixed(3).padStart(7)}   ${String(m.bytes).padStart(19)}   ${String(m.requests).padStart(8)}   ${((100 * m.bytes) / stored[attr]).toFixed(2).padStart(13)}%   ${(m.s / full.s).toFixed(3).padStart(10)}`;
  console.log(row("full fetch", full));
  console.log(row("1% slice", part));
}
console.log(`stored bytes: <zarr@> ${stored.z}, <npy@> ${stored.n}`);
if (process.env.NODE_EXTRA_CA_CERTS) console.log(`NODE_EXTRA_CA_CERTS is set: every dj process first parses ${process.env.NODE_EXTRA_CA_CERTS} (~90 ms here), counted in each time above`);
console.log(pyTime === null ? `zarr-python baseline not run (/usr/bin/python3 with zarr needed): ${py.stderr.trim().split("\n").pop()}` : `zarr-python 2.13, same slice from a local copy: ${pyTime.toFixed(3)} s (process start and imports not included)`);
const same = spawnSync("python3", ["-c", `import numpy as np; a = np.load("${file}", mmap_mode="r")[${slice}]; print(all(np.array_equal(np.load(f"${dir}/slice-{x}.npy"), a) for x in "zn"))`], { encoding: "utf8" });
console.log(`slices equal to NumPy's: ${same.stdout.trim()}`);

proxy.close();
await s3.close();
rmSync(s3dir, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
