#!/usr/bin/env node
// bench/export: peak RSS of `dj fetch --format jsonl` (streamed through Driver.each) for N rows
// against a baseline of 1k rows of the same table (and N/10 rows, to see that it levels off), side
// by side, on each dialect asked for; and
// the old path (`dj fetch --json`, every row in memory) at N rows for contrast.
// Goal: < 200 MB peak RSS at 100k rows, and close to the 1k-row baseline (constant memory).
// Usage: node bench/export.mjs [rows=100000] [dialects=embedded,mariadb,postgresql]
//   (MariaDB and PostgreSQL as the tests use them; npm run build first)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { database, dj, dropSchema, measure, project, root } from "./lib.mjs";

const N = Number(process.argv[2] ?? 100_000);
const wanted = (process.argv[3] ?? "embedded,mariadb,postgresql").split(",");
const pgDb = { backend: "postgresql", host: process.env.DJ_TEST_PG_HOST ?? "127.0.0.1", port: 5432, user: process.env.DJ_TEST_PG_USER ?? "postgres" };
const schema = `djbench_export_${process.pid}`;
const definition = `schema ${schema}\n\nReading (manual)\n    reading_id : int32\n    ---\n    sensor : varchar(32)\n    taken : datetime\n    value : float64\n    counter : int64\n    note = null : varchar(200)\n`;
const configs = { embedded: { schema }, mariadb: { database, schema }, postgresql: { database: pgDb, schema } };

const rows = (from, n) =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return JSON.stringify({ reading_id: i, sensor: `s${i % 17}`, taken: `2024-01-${String(1 + (i % 28)).padStart(2, "0")} 12:00:00`, value: i / 7, counter: 2 ** 40 + i, note: i % 3 ? `note ${i}, with a comma and "quotes"` : null });
  }).join("\n") + "\n";

const mib = (r) => `${r.peak_rss_mib.toFixed(1).padStart(7)} MiB ${r.seconds.toFixed(2).padStart(7)} s`;
console.log(`dj fetch --format jsonl, peak RSS of the dj process (bench/run-measured.py), ${N} and ${N / 10} rows vs 1000`);
for (const name of wanted) {
  const dir = project(configs[name], { "p.dj": definition });
  try {
    measure("node", [dj, "declare", "p.dj"], { cwd: dir });
    // Inserted in files of 20k rows, so the insert's own memory is not what is measured later.
    for (let from = 1; from <= N; from += 20_000) {
      writeFileSync(join(dir, "rows.jsonl"), rows(from, Math.min(20_000, N - from + 1)));
      measure("node", [dj, "insert", "Reading", "--rows", "rows.jsonl"], { cwd: dir });
    }
    const base = measure("node", [dj, "fetch", "Reading", "--format", "jsonl", "--limit", "1000", "--out", "base.jsonl"], { cwd: dir });
    const tenth = measure("node", [dj, "fetch", "Reading", "--format", "jsonl", "--limit", String(N / 10), "--out", "tenth.jsonl"], { cwd: dir });
    const all = measure("node", [dj, "fetch", "Reading", "--format", "jsonl", "--out", "all.jsonl"], { cwd: dir });
    const old = measure("node", [dj, "fetch", "Reading", "--json"], { cwd: dir });
    console.log(`${name.padEnd(11)} 1k rows (baseline)   ${mib(base)}`);
    console.log(`${name.padEnd(11)} ${String(N / 10).padStart(6)} rows jsonl  ${mib(tenth)}   RSS ratio ${(tenth.peak_rss_mib / base.peak_rss_mib).toFixed(2)}`);
    console.log(`${name.padEnd(11)} ${String(N).padStart(6)} rows jsonl  ${mib(all)}   RSS ratio ${(all.peak_rss_mib / base.peak_rss_mib).toFixed(2)}  ${all.peak_rss_mib < 200 ? "< 200 MB: ok" : ">= 200 MB: MISSED"}`);
    console.log(`${name.padEnd(11)} ${String(N).padStart(6)} rows --json ${mib(old)}   RSS ratio ${(old.peak_rss_mib / base.peak_rss_mib).toFixed(2)}  (in memory, for contrast)`);
  } finally {
    if (name === "mariadb") dropSchema(schema);
    if (name === "postgresql") {
      // Its own connection: psql may be absent, the pg package is not.
      measure("node", ["-e", `const pg=require(${JSON.stringify(join(root, "node_modules/pg"))});const c=new pg.Client(${JSON.stringify({ ...pgDb, database: "postgres", backend: undefined })});c.connect().then(()=>c.query('DROP SCHEMA IF EXISTS "${schema}" CASCADE')).then(()=>c.end())`]);
    }
  }
}
