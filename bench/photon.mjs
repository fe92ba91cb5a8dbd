#!/usr/bin/env node
// bench/photon: a Poisson photon-count movie (uint16, time x 512 x 512) inserted as <photon@local>
// in DataJoint's float64 layout (the default) and in the quantised mode (codecs.photon.quantize),
// side by side with zarr-python 2.13 writing the raw counts with the same compressor (blosc zstd
// 5, bit-shuffle). Prints stored bytes (and compression vs the raw .npy data) and insert times.
// Usage: node bench/photon.mjs [frames] [rate]   (needs MariaDB and /usr/bin/python3 with zarr)
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { database, dj, dropSchema, measure, project, root } from "./lib.mjs";

const frames = Number(process.argv[2] ?? 200);
const rate = Number(process.argv[3] ?? 10);
const schema = `djbench_photon_${process.pid}`;
const stores = { default: "local", local: { protocol: "file", location: "./store" } };
const dir = project({ database, schema, stores }, {
  "p.dj": `schema ${schema}\n\nScan (manual)\n    id : int32\n    ---\n    movie : <photon@local>\n`,
  "raw_zarr.py": `import sys, numpy as np, zarr, numcodecs
a = np.load(sys.argv[1], mmap_mode="r")
z = zarr.open(sys.argv[2], mode="w", shape=a.shape, chunks=(min(100, a.shape[0]),) + a.shape[1:], dtype=a.dtype,
              compressor=numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE))
z[...] = a
`,
});
mkdirSync(join(dir, "node_modules"));
for (const p of ["dj-zarr-codecs", "dj-photon-codecs"]) symlinkSync(join(root, "packages", p), join(dir, "node_modules", p));
measure("node", [dj, "declare", "p.dj"], { cwd: dir });
const movie = join(dir, "movie.npy");
// A static scene (per-pixel rates around `rate`) with Poisson noise, 2.5 units per photon over a
// zero level of 100 — what a camera records.
execFileSync("python3", ["-c", `
import numpy as np
rng = np.random.default_rng(2)
lam = rng.gamma(4, ${rate} / 4, size=(512, 512))
a = np.lib.format.open_memmap("${movie}", mode="w+", dtype="<u2", shape=(${frames}, 512, 512))
for t in range(${frames}):
    a[t] = np.clip(np.round(100 + 2.5 * rng.poisson(lam)), 0, 65535)
a.flush()
`]);
const rawBytes = statSync(movie).size - 128;
const du = (p) => {
  let n = 0;
  for (const e of readdirSync(p, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return n;
};
const config = (photon) => writeFileSync(join(dir, "dj.config.json"), JSON.stringify({ database, schema, stores, codecs: { photon } }));
const results = [];
let id = 0;
for (const [name, photon] of [["float64 (DataJoint's layout)", {}], ["quantised (anscombe-v1 uint8)", { quantize: true }]]) {
  config(photon);
  const m = measure("node", [dj, "insert", "Scan", "--key", `id=${++id}`, "--from", movie], { cwd: dir });
  const bytes = du(join(dir, "store/_schema"));
  rmSync(join(dir, "store/_schema"), { recursive: true, force: true });
  results.push([name, m.seconds, bytes, m.peak_rss_mib]);
}
const py = measure("/usr/bin/python3", [join(dir, "raw_zarr.py"), movie, join(dir, "raw.zarr")], { cwd: dir });
results.push(["zarr-python: raw counts, blosc zstd", py.seconds, du(join(dir, "raw.zarr")), py.peak_rss_mib]);
console.log(`${frames} x 512 x 512 uint16 Poisson movie (rates ~${rate} photons), ${(rawBytes / 2 ** 20).toFixed(0)} MiB of counts`);
for (const [name, s, bytes, rss] of results) {
  console.log(`  ${name.padEnd(36)} ${s.toFixed(2)} s, stored ${(bytes / 2 ** 20).toFixed(1)} MiB = ${(rawBytes / bytes).toFixed(2)}x smaller than the counts, peak RSS ${rss} MiB`);
}
console.log(`  quantised vs float64 layout: ${(results[0][2] / results[1][2]).toFixed(1)}x fewer bytes, time ratio ${(results[1][1] / results[0][1]).toFixed(2)}`);
dropSchema(schema);
rmSync(dir, { recursive: true, force: true });
