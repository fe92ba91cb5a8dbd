#!/usr/bin/env node
// bench/gc: `dj gc --dry-run` on a store with N objects and N references (half content-addressed
// <blob@> rows, half schema-addressed <object@> rows, 1% orphans of each kind), against a plain
// listing of the same store (a node process walking it with dj's FileStore, which stats every
// file as gc's listing does), alternating, same run. Prints the ratio gc / listing at 20k and at
// 200k objects: a linear gc keeps it flat (the old every-object × every-reference loop made it
// grow with N). Usage: node bench/gc.mjs [rounds] [sizes, comma-separated]
if (process.argv[2] === "--list") {
  const { FileStore } = await import("../dist/src/stores/file.js");
  const store = new FileStore("bench", process.argv[3]);
  let n = 0;
  for (const prefix of ["_hash/lab/", "_schema/lab/"]) for await (const _ of store.list(prefix)) n++;
  console.log(n);
  process.exit(0);
}
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { dj, measure, median, project, root } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 3);
const sizes = (process.argv[3] ?? "20000,200000").split(",").map(Number);
const Database = createRequire(join(root, "package.json"))("better-sqlite3");
const B32 = "abcdefghijklmnopqrstuvwxyz234567";
const hashName = (i) => {
  let s = "";
  for (let n = i, k = 0; k < 26; k++, n = Math.floor(n / 32)) s += B32[n % 32];
  return s;
};

function build(n) {
  const dir = project({ schema: "lab", stores: { default: "main", main: { protocol: "file", location: "./store" } } }, {
    "p.dj": "schema lab\n\nT (manual)\n    id : int32\n    ---\n    b = null : <blob@>\n    o = null : <object@>\n",
  });
  const d = spawnSync(process.execPath, [dj, "declare", "p.dj"], { cwd: dir, encoding: "utf8" });
  if (d.status !== 0) throw new Error(d.stderr);
  const half = n / 2;
  const orphans = Math.floor(half / 100);
  const db = new Database(join(dir, ".dj/lab.sqlite"));
  const insert = db.prepare(`INSERT INTO "t" ("id", "b", "o") VALUES (?, ?, ?)`);
  const old = new Date(Date.now() - 3 * 3600_000);
  mkdirSync(join(dir, "store/_hash/lab"), { recursive: true });
  db.transaction(() => {
    for (let i = 0; i < half; i++) {
      const h = hashName(i);
      writeFileSync(join(dir, "store/_hash/lab", h), "x");
      const folder = `_schema/lab/t/id=${i}`;
      mkdirSync(join(dir, "store", folder), { recursive: true });
      const obj = `${folder}/o_${String(i).padStart(8, "0")}`;
      writeFileSync(join(dir, "store", obj), "y");
      if (i < half - orphans) {
        insert.run(i, JSON.stringify({ hash: h, path: `_hash/lab/${h}`, schema: "lab", store: "main", size: 1 }),
          JSON.stringify({ path: obj, store: "main", size: 1, ext: null, is_dir: false, item_count: null, timestamp: old.toISOString() }));
      }
    }
  })();
  db.close();
  return { dir, orphans: orphans * 2 };
}

const results = [];
for (const n of sizes) {
  const t0 = performance.now();
  const { dir, orphans } = build(n);
  const built = ((performance.now() - t0) / 1000).toFixed(1);
  const gcTimes = [];
  const lsTimes = [];
  let report;
  for (let r = 0; r < rounds; r++) {
    lsTimes.push(measure(process.execPath, [join(root, "bench/gc.mjs"), "--list", join(dir, "store")], { cwd: dir }).seconds);
    const g = measure(process.execPath, [dj, "gc", "--dry-run", "--min-age", "0", "--json"], { cwd: dir });
    gcTimes.push(g.seconds);
  }
  const check = spawnSync(process.execPath, [dj, "gc", "--dry-run", "--min-age", "0", "--json"], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 30 });
  report = JSON.parse(check.stdout);
  if (report.hash_paths_orphaned + report.schema_paths_orphaned !== orphans) throw new Error(`expected ${orphans} orphans, got ${report.hash_paths_orphaned + report.schema_paths_orphaned}`);
  const gc = median(gcTimes);
  const ls = median(lsTimes);
  results.push({ n, gc, ls, ratio: gc / ls });
  console.log(`${n} objects, ${n - orphans} references (built in ${built} s): gc ${gc.toFixed(2)} s, listing ${ls.toFixed(2)} s, ratio gc/listing ${(gc / ls).toFixed(2)}`);
  rmSync(dir, { recursive: true, force: true });
}
if (results.length >= 2) {
  const [a, b] = [results[0], results[results.length - 1]];
  console.log(`${b.n / a.n}× the objects: gc time ×${(b.gc / a.gc).toFixed(1)}, listing time ×${(b.ls / a.ls).toFixed(1)}; ratio ${a.ratio.toFixed(2)} → ${b.ratio.toFixed(2)}`);
}
