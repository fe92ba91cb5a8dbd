#!/usr/bin/env node
// bench/insert: `dj insert` of a float32 .npy into <npy@local> on a file store, side by side
// with `cp` of the same file, at 256 MiB and 1 GiB. Prints the time ratio and peak RSS.
// Targets: ratio <= 1.5, dj's peak RSS under 200 MB and not growing with the file.
// Usage: node bench/insert.mjs [rounds]   (needs MariaDB, like the tests)
import { rmSync } from "node:fs";
import { join } from "node:path";
import { database, dj, dropSchema, makeWaveforms, measure, median, project } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 3);
const schema = `djbench_insert_${process.pid}`;
const dir = project(
  { database, schema, stores: { default: "local", local: { protocol: "file", location: "./store" } } },
  { "p.dj": `schema ${schema}\n\nArray (manual)\n    id : int32\n    ---\n    data : <npy@local>\n` },
);
measure("node", [dj, "declare", "p.dj"], { cwd: dir });
let id = 0;
console.log(`dj insert <npy@local> vs cp, ${rounds} rounds each (median)`);
for (const mib of [256, 1024]) {
  const file = join(dir, `w${mib}.npy`);
  makeWaveforms(file, mib);
  const times = { dj: [], cp: [] };
  const rss = { dj: 0, cp: 0 };
  for (let r = 0; r < rounds; r++) {
    for (const tool of r % 2 ? ["cp", "dj"] : ["dj", "cp"]) {
      const m = tool === "dj"
        ? measure("node", [dj, "insert", "Array", "--key", `id=${++id}`, "--from", file], { cwd: dir })
        : measure("cp", [file, join(dir, `copy-${r}.npy`)], { cwd: dir });
      times[tool].push(m.seconds);
      rss[tool] = Math.max(rss[tool], m.peak_rss_mib);
    }
    rmSync(join(dir, `copy-${r}.npy`), { force: true });
  }
  const ratio = median(times.dj) / median(times.cp);
  console.log(`  ${String(mib).padStart(5)} MiB: dj ${median(times.dj).toFixed(2)} s, cp ${median(times.cp).toFixed(2)} s, ratio ${ratio.toFixed(2)}; peak RSS dj ${rss.dj} MiB, cp ${rss.cp} MiB`);
  rmSync(file, { force: true });
}
dropSchema(schema);
rmSync(dir, { recursive: true, force: true });
