#!/usr/bin/env node
// bench/pg-insert: PostgreSQL insert costs, each side by side with its baseline in the same run.
//  1. `dj insert --rows` of a 10k-row CSV vs the raw driver (`pg`) doing the same inserts (one
//     INSERT per row, in one transaction, in its own node process that connects first).
//     Goal: ratio <= 2.
//  2. The fixed cost of a small `dj insert` (one row) on PostgreSQL vs the same on MariaDB.
//     Goal: ratio <= 1.
// Usage: node bench/pg-insert.mjs [rounds]   (needs PostgreSQL at 127.0.0.1:5432 and MariaDB, like the tests; npm run build first)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { database, dj, dropSchema, measure, median, project, root } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 3);
const N = Number(process.env.N ?? 10_000);
const pgDb = { backend: "postgresql", host: process.env.DJ_TEST_PG_HOST ?? "127.0.0.1", port: 5432, user: process.env.DJ_TEST_PG_USER ?? "postgres" };
const schema = `djbench_pg_${process.pid}`;
const definition = (s) => `schema ${s}\n\nPoint (manual)\n    point_id : int32\n    ---\n    name : varchar(32)\n    x : float64\n`;
const pgDir = project({ database: pgDb, schema }, { "p.dj": definition(schema) });
const myDir = project({ database, schema }, { "p.dj": definition(schema) });
for (const dir of [pgDir, myDir]) measure("node", [dj, "declare", "p.dj"], { cwd: dir });

const csv = (from) => "point_id,name,x\n" + Array.from({ length: N }, (_, i) => `${from + i},p${from + i},${(from + i) / 3}`).join("\n") + "\n";
// The raw driver: connect, then the same INSERTs dj sends (one per row, parameterised), in one transaction.
const raw = join(pgDir, "raw.mjs");
writeFileSync(raw, `import pg from ${JSON.stringify(join(root, "node_modules/pg/lib/index.js"))};
const [from, n] = process.argv.slice(2).map(Number);
const c = new pg.Client(${JSON.stringify({ host: pgDb.host, port: pgDb.port, user: pgDb.user, database: "postgres" })});
await c.connect();
await c.query("BEGIN");
for (let i = from; i < from + n; i++) await c.query('INSERT INTO "${schema}"."point" ("point_id", "name", "x") VALUES ($1, $2, $3)', [i, "p" + i, i / 3]);
await c.query("COMMIT");
await c.end();
`);

const times = { dj: [], raw: [] };
let next = 0;
for (let r = 0; r < rounds; r++) {
  for (const tool of r % 2 ? ["raw", "dj"] : ["dj", "raw"]) {
    const from = next;
    next += N;
    if (tool === "dj") {
      writeFileSync(join(pgDir, "rows.csv"), csv(from));
      times.dj.push(measure("node", [dj, "insert", "Point", "--rows", "rows.csv"], { cwd: pgDir }).seconds);
    } else {
      times.raw.push(measure("node", [raw, String(from), String(N)], { cwd: pgDir }).seconds);
    }
  }
}
console.log(`${N}-row insert on PostgreSQL, ${rounds} rounds each (median)`);
console.log(`  dj insert --rows ${median(times.dj).toFixed(2)} s, raw pg driver ${median(times.raw).toFixed(2)} s, ratio ${(median(times.dj) / median(times.raw)).toFixed(2)} (goal <= 2)`);

const small = { pg: [], mysql: [] };
const smallRounds = rounds * 4;
for (let r = 0; r < smallRounds; r++) {
  const id = 10_000_000 + r;
  for (const which of r % 2 ? ["mysql", "pg"] : ["pg", "mysql"]) {
    const dir = which === "pg" ? pgDir : myDir;
    small[which].push(measure("node", [dj, "insert", "Point", "--key", `point_id=${id}`, "--set", "name=one", "--set", "x=1.5"], { cwd: dir }).seconds);
  }
}
console.log(`small dj insert (one row), ${smallRounds} rounds each (median)`);
console.log(`  PostgreSQL ${(median(small.pg) * 1000).toFixed(0)} ms, MariaDB ${(median(small.mysql) * 1000).toFixed(0)} ms, ratio ${(median(small.pg) / median(small.mysql)).toFixed(2)} (goal <= 1)`);

measure("node", [dj, "schema", "drop", schema, "--force"], { cwd: pgDir });
dropSchema(schema);
