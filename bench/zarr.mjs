#!/usr/bin/env node
// bench/zarr: `dj insert` of a 1 GiB float32 .npy (about 4 MiB chunks) into <zarr@local>, with
// no compression, zstd (level 1) and blosc-lz4 (clevel 5, byte shuffle), side by side with
// Debian's python3 zarr 2.13 writing the same array from the same file with the same chunks and
// compressor (np.load(mmap_mode="r"), then assignment into zarr.open(...)), in the same run.
// Prints the time ratio dj / zarr-python per compressor, the peak RSS and CPU time of both (CPU
// time shows the work done when other processes load the machine); then the same
// for fetching the array back to a .npy (dj fetch --out vs zarr-python's read + np.save).
// Usage: node bench/zarr.mjs [MiB] [rounds]   (needs MariaDB and /usr/bin/python3 with zarr)
// DJ_ZARR_NATIVE=0 node bench/zarr.mjs … measures dj's portable encoders instead of the native ones
// (zstd through zstd-napi; add DJ_ZSTD_NAPI=0 for numcodecs' WASM build). DJ_BENCH_COMPRESSORS=blosc-lz4
// (a comma list) measures only the compressors named.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { database, dj, dropSchema, makeWaveforms, measure, median, project, root } from "./lib.mjs";

const mib = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 2);
const ROWS_PER_CHUNK = 16384; // 16384 x 64 x 4 B = 4 MiB
const compressors = {
  none: { dj: "none", py: "None" },
  zstd: { dj: { id: "zstd", level: 1 }, py: "numcodecs.Zstd(level=1)" },
  "blosc-lz4": { dj: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 }, py: "numcodecs.Blosc(cname='lz4', clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)" },
};

const schema = `djbench_zarr_${process.pid}`;
const dir = project({ database, schema, stores: { default: "local", local: { protocol: "file", location: "./store" } } }, {
  "p.dj": `schema ${schema}\n\nWaves (manual)\n    id : int32\n    ---\n    data : <zarr@local>\n`,
  "write_zarr.py": `import sys, numpy as np, zarr, numcodecs
a = np.load(sys.argv[1], mmap_mode="r")
z = zarr.open(sys.argv[2], mode="w", shape=a.shape, chunks=(${ROWS_PER_CHUNK}, a.shape[1]), dtype=a.dtype, compressor=eval(sys.argv[3]))
z[...] = a
`,
  "read_zarr.py": `import sys, numpy as np, zarr
np.save(sys.argv[2], zarr.open(sys.argv[1], mode="r")[...])
`,
});
mkdirSync(join(dir, "node_modules"));
symlinkSync(join(root, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
measure("node", [dj, "declare", "p.dj"], { cwd: dir });
const file = join(dir, "waves.npy");
makeWaveforms(file, mib);

const configFor = (c) =>
  JSON.stringify({ database, schema, stores: { default: "local", local: { protocol: "file", location: "./store" } }, codecs: { zarr: { format: 2, compressor: c, chunks: [ROWS_PER_CHUNK, 64] } } });

const encoders = spawnSync("node", [dj, "codecs", "list", "--verify", "--json"], { cwd: dir, encoding: "utf8" });
const zarrRuntime = JSON.parse(encoders.stdout).codecs.find((c) => c.name === "zarr")?.runtime;
console.log(`${mib} MiB float32 (rows x 64), chunks ${ROWS_PER_CHUNK} x 64 (4 MiB), ${rounds} rounds (median); dj encoders: ${zarrRuntime}`);
// Each measured run starts with no dirty pages and no pending deletes: without this, whoever runs
// after a 1 GiB write or delete pays for its writeback (and, on a disk mounted with discard, TRIM).
const settle = () => {
  spawnSync("sync");
  spawnSync("sleep", ["0.5"]);
};
let id = 0;
// DJ_BENCH_COMPRESSORS=zstd,blosc-lz4 measures only those.
const only = process.env.DJ_BENCH_COMPRESSORS?.split(",");
for (const [name, c] of Object.entries(compressors).filter(([n]) => !only || only.includes(n))) {
  writeFileSync(join(dir, "dj.config.json"), configFor(c.dj));
  const t = { dj: [], py: [] };
  const cpu = { dj: [], py: [] };
  const rss = { dj: 0, py: 0 };
  // Fetching back to a .npy: `dj fetch --out` vs zarr-python reading the array and np.save.
  const f = { dj: [], py: [] };
  const fCpu = { dj: [], py: [] };
  for (let r = 0; r < rounds; r++) {
    const pyZarr = join(dir, `py-${name}-${r}.zarr`);
    const djId = ++id;
    for (const tool of r % 2 ? ["py", "dj"] : ["dj", "py"]) {
      settle();
      const m = tool === "dj"
        ? measure("node", [dj, "insert", "Waves", "--key", `id=${djId}`, "--from", file], { cwd: dir })
        : measure("/usr/bin/python3", [join(dir, "write_zarr.py"), file, pyZarr, c.py], { cwd: dir });
      t[tool].push(m.seconds);
      cpu[tool].push(m.cpu_seconds);
      rss[tool] = Math.max(rss[tool], m.peak_rss_mib);
    }
    for (const tool of r % 2 ? ["py", "dj"] : ["dj", "py"]) {
      const out = join(dir, `back-${tool}.npy`);
      settle();
      const m = tool === "dj"
        ? measure("node", [dj, "fetch", "Waves", "--key", `id=${djId}`, "--out", out], { cwd: dir })
        : measure("/usr/bin/python3", [join(dir, "read_zarr.py"), pyZarr, out], { cwd: dir });
      f[tool].push(m.seconds);
      fCpu[tool].push(m.cpu_seconds);
      rmSync(out, { force: true });
    }
    rmSync(pyZarr, { recursive: true, force: true });
    rmSync(join(dir, "store/_schema"), { recursive: true, force: true });
  }
  console.log(`  ${name.padEnd(10)} insert: dj ${median(t.dj).toFixed(2)} s, zarr-python ${median(t.py).toFixed(2)} s, ratio ${(median(t.dj) / median(t.py)).toFixed(2)} (best of each: ${(Math.min(...t.dj) / Math.min(...t.py)).toFixed(2)}); peak RSS dj ${rss.dj} MiB, zarr-python ${rss.py} MiB; CPU s dj ${median(cpu.dj).toFixed(2)}, zarr-python ${median(cpu.py).toFixed(2)}`);
  console.log(`  ${"".padEnd(10)} fetch to .npy: dj ${median(f.dj).toFixed(2)} s, zarr-python ${median(f.py).toFixed(2)} s, ratio ${(median(f.dj) / median(f.py)).toFixed(2)} (best of each: ${(Math.min(...f.dj) / Math.min(...f.py)).toFixed(2)}); CPU s dj ${median(fCpu.dj).toFixed(2)}, zarr-python ${median(fCpu.py).toFixed(2)}`);
}
dropSchema(schema);
rmSync(dir, { recursive: true, force: true });
