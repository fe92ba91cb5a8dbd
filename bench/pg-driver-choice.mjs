#!/usr/bin/env node
// Which PostgreSQL client dj uses: `pg` (node-postgres) or `postgres` (porsager), measured side by
// side on the same server: module load + connect, then 1000 single-row parameterised INSERTs in one
// transaction (what `dj insert --rows` sends), then a 16-byte Buffer bound to a uuid column (dj
// sends uuids as 16 raw bytes). Run: `node bench/pg-driver-choice.mjs` (PostgreSQL at
// 127.0.0.1:5432, user postgres). The package not installed is skipped; to compare both,
// `npm install --no-save postgres` first. Prints times and the ratio postgres/pg.
const N = Number(process.env.N ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const conn = { host: process.env.PGHOST ?? "127.0.0.1", port: 5432, user: process.env.PGUSER ?? "postgres", database: "postgres" };
const schema = `djbench_choice_${process.pid}`;
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function withPg() {
  const t0 = now();
  const { default: pg } = await import("pg");
  const client = new pg.Client(conn);
  await client.connect();
  await client.query("SELECT 1");
  const connectMs = now() - t0;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(`CREATE TABLE ${schema}.t_pg (id integer PRIMARY KEY, name varchar(32) NOT NULL, x double precision NOT NULL, uid uuid)`);
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    await client.query(`TRUNCATE ${schema}.t_pg`);
    const t1 = now();
    await client.query("BEGIN");
    for (let i = 0; i < N; i++) await client.query(`INSERT INTO ${schema}.t_pg (id, name, x) VALUES ($1, $2, $3)`, [i, `row${i}`, i / 3]);
    await client.query("COMMIT");
    times.push(now() - t1);
  }
  let uuid = "ok";
  try {
    await client.query(`INSERT INTO ${schema}.t_pg (id, name, x, uid) VALUES ($1, $2, $3, $4)`, [-1, "u", 0, Buffer.from("12345678123456789abcdef012345678", "hex")]);
    const { rows } = await client.query(`SELECT uid FROM ${schema}.t_pg WHERE id = -1`);
    uuid = `ok (${rows[0].uid})`;
  } catch (err) {
    uuid = `error: ${err.message}`;
  }
  await client.end();
  return { connectMs, insertMs: Math.min(...times), uuid };
}

async function withPostgres() {
  const t0 = now();
  const { default: postgres } = await import("postgres");
  const sql = postgres({ ...conn, max: 1, onnotice: () => {} });
  await sql`SELECT 1`;
  const connectMs = now() - t0;
  await sql.unsafe(`CREATE TABLE ${schema}.t_porsager (id integer PRIMARY KEY, name varchar(32) NOT NULL, x double precision NOT NULL, uid uuid)`);
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    await sql.unsafe(`TRUNCATE ${schema}.t_porsager`);
    const t1 = now();
    await sql.begin(async (tx) => {
      for (let i = 0; i < N; i++) await tx.unsafe(`INSERT INTO ${schema}.t_porsager (id, name, x) VALUES ($1, $2, $3)`, [i, `row${i}`, i / 3]);
    });
    times.push(now() - t1);
  }
  let uuid = "ok";
  try {
    await sql.unsafe(`INSERT INTO ${schema}.t_porsager (id, name, x, uid) VALUES ($1, $2, $3, $4)`, [-1, "u", 0, Buffer.from("12345678123456789abcdef012345678", "hex")]);
    const rows = await sql.unsafe(`SELECT uid FROM ${schema}.t_porsager WHERE id = -1`);
    uuid = `ok (${rows[0].uid})`;
  } catch (err) {
    uuid = `error: ${err.message}`;
  }
  await sql.end();
  return { connectMs, insertMs: Math.min(...times), uuid };
}

async function tryRun(name, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err.code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
}

const results = { pg: await tryRun("pg", withPg), postgres: await tryRun("postgres", withPostgres) };
const { default: pg } = await import("pg").catch(() => ({ default: null }));
if (pg) {
  const c = new pg.Client(conn);
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}
for (const [name, r] of Object.entries(results)) {
  if (!r) console.log(`${name.padEnd(9)} not installed`);
  else console.log(`${name.padEnd(9)} load+connect ${r.connectMs.toFixed(1)} ms   ${N} inserts (best of ${ROUNDS}) ${r.insertMs.toFixed(1)} ms   16-byte Buffer into uuid: ${r.uuid}`);
}
if (results.pg && results.postgres) {
  console.log(`ratio postgres/pg: load+connect ${(results.postgres.connectMs / results.pg.connectMs).toFixed(2)}, inserts ${(results.postgres.insertMs / results.pg.insertMs).toFixed(2)}`);
}
