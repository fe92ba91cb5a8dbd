#!/usr/bin/env node
// bench/pg-insert: PostgreSQL insert costs, each side by side with its baseline in the same run.
//  1. `dj insert --rows` of a 10k-row CSV vs the raw driver (`pg`, and `mysql2` on MariaDB) doing
//     the same inserts in one transaction, in its own node process that connects first: one INSERT
//     per row, and 500-row VALUES.
//     Goal: ratio <= 2.
//  2. The fixed cost of a small `dj insert` (one row) on PostgreSQL vs the same on MariaDB.
//     Goal: ratio <= 1.
// Usage: [DJ_BIN=other/dist/bin/dj.js] node bench/pg-insert.mjs [rounds]   (needs PostgreSQL at 127.0.0.1:5432 and MariaDB, like the tests; npm run build first)
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
// The raw drivers: connect, then the same rows in one transaction, as a script in its own node
// process. "row" sends one parameterised INSERT per row (what dj did before batching); "batch"
// sends multi-row VALUES of 500 rows (what dj sends now), the fairer baseline.
const raw = join(pgDir, "raw.mjs");
writeFileSync(raw, `const [which, mode, from, n] = [process.argv[2], process.argv[3], ...process.argv.slice(4).map(Number)];
const rows = Array.from({ length: n }, (_, k) => [from + k, "p" + (from + k), (from + k) / 3]);
let q, end;
if (which === "pg") {
  const pg = (await import(${JSON.stringify(join(root, "node_modules/pg/lib/index.js"))})).default;
  const c = new pg.Client(${JSON.stringify({ host: pgDb.host, port: pgDb.port, user: pgDb.user, database: "postgres" })});
  await c.connect();
  q = (sql, p) => c.query(sql.replace(/\\?/g, ((i) => () => "$" + ++i)(0)), p);
  end = () => c.end();
} else {
  const mysql = await import(${JSON.stringify(join(root, "node_modules/mysql2/promise.js"))});
  const c = await mysql.createConnection(${JSON.stringify({ host: database.host, port: database.port, user: database.user, password: database.password ?? "" })});
  q = (sql, p) => c.query(sql, p);
  end = () => c.end();
}
const t = which === "pg" ? '"${schema}"."point"' : "\`${schema}\`.\`point\`";
await q(which === "pg" ? "BEGIN" : "START TRANSACTION");
const size = mode === "row" ? 1 : 500;
for (let at = 0; at < n; at += size) {
  const part = rows.slice(at, at + size);
  await q("INSERT INTO " + t + " (point_id, name, x) VALUES " + part.map(() => "(?, ?, ?)").join(", "), part.flat());
}
await q("COMMIT");
await end();
`);

for (const [which, dir] of [["pg", pgDir], ["mysql", myDir]]) {
  const times = { dj: [], row: [], batch: [] };
  let next = 0;
  for (let r = 0; r < rounds; r++) {
    for (const tool of r % 2 ? ["row", "batch", "dj"] : ["dj", "batch", "row"]) {
      const from = next;
      next += N;
      if (tool === "dj") {
        writeFileSync(join(dir, "rows.csv"), csv(from));
        times.dj.push(measure("node", [dj, "insert", "Point", "--rows", "rows.csv"], { cwd: dir }).seconds);
      } else {
        times[tool].push(measure("node", [raw, which, tool, String(from), String(N)], { cwd: dir }).seconds);
      }
    }
  }
  const m = (k) => median(times[k]);
  console.log(`${N}-row insert on ${which === "pg" ? "PostgreSQL" : "MariaDB"}, ${rounds} rounds each (median)`);
  console.log(`  dj insert --rows ${m("dj").toFixed(2)} s; raw driver, one INSERT per row ${m("row").toFixed(2)} s (ratio ${(m("dj") / m("row")).toFixed(2)}); raw driver, 500-row VALUES ${m("batch").toFixed(2)} s (ratio ${(m("dj") / m("batch")).toFixed(2)}) (goal <= 2)`);
}

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
