/**
 * The reference pipeline declared by dj on the real MariaDB, compared with what DataJoint for
 * Python produced (fixtures/datajoint: SHOW CREATE TABLE text, information_schema columns,
 * ~lineage rows).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { fixturesDir, repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName, showCreateTables } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";

const fixture = (f: string) => readFileSync(join(fixturesDir, "datajoint", f), "utf8");

/** Fixture DDL blocks by table name. */
function fixtureDdl(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const block of fixture("ddl-mysql.sql").split(/^-- table: /m).slice(1)) {
    const name = block.slice(0, block.indexOf("\n"));
    const sql = block.slice(block.indexOf("CREATE TABLE")).trim().replace(/;$/, "");
    out[name] = sql;
  }
  return out;
}

describe("dj declare: the reference pipeline", () => {
  const schema = schemaName("gold");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: databaseSection, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
    }));
    const r = await runDj(["declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created\s+\S+\.Recording \(recording\)/);
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  test("SHOW CREATE TABLE matches DataJoint's, table by table", async () => {
    const ours = await showCreateTables(conn, schema);
    const theirs = fixtureDdl();
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
    for (const [table, sql] of Object.entries(theirs)) assert.equal(ours[table], sql, table);
  });

  test("information_schema columns match", async () => {
    const expected = JSON.parse(fixture("columns.json"));
    const [rows] = await conn.query<any[]>(
      "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
      [schema],
    );
    for (const [table, cols] of Object.entries(expected.columns as Record<string, any[]>)) {
      const got = rows.filter((r) => r.TABLE_NAME === table).map(({ TABLE_NAME, ...rest }) => ({ ...rest, ORDINAL_POSITION: Number(rest.ORDINAL_POSITION) }));
      assert.deepEqual(got, cols.map((c) => ({ ...c, ORDINAL_POSITION: Number(c.ORDINAL_POSITION) })), table);
    }
    const [tables] = await conn.query<any[]>("SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [schema]);
    assert.deepEqual(
      [...tables].sort((a, b) => a.TABLE_NAME.localeCompare(b.TABLE_NAME)),
      [...expected.tables].sort((a: any, b: any) => a.TABLE_NAME.localeCompare(b.TABLE_NAME)),
    );
  });

  test("~lineage rows match (schema name substituted)", async () => {
    const expected = JSON.parse(fixture("lineage.json")).rows.map((r: any) => ({ ...r, lineage: r.lineage.replace(/^djgold\./, `${schema}.`) }));
    const [rows] = await conn.query<any[]>(`SELECT table_name, attribute_name, lineage FROM \`${schema}\`.\`~lineage\``);
    const key = (r: any) => `${r.table_name}.${r.attribute_name}`;
    assert.deepEqual([...rows].map((r) => ({ ...r })).sort((a, b) => key(a).localeCompare(key(b))), [...expected].sort((a, b) => key(a).localeCompare(key(b))));
  });

  test("re-declaring is idempotent: every table `exists`, nothing changes", async () => {
    const before = await showCreateTables(conn, schema);
    const r = await runDj(["declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema, "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Set(JSON.parse(r.stdout).tables.map((t: any) => t.status)), new Set(["exists"]));
    assert.deepEqual(await showCreateTables(conn, schema), before);
  });

  test("describe round-trips: describe → declare into a new schema gives identical DDL", async () => {
    const d = await runDj(["describe", "--schema", schema], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Recording\.Channel \(part\)\n    -> master\n    channel : int16/m);
    const copy = schemaName("copy");
    const file = writeFile(dir, "described.dj", d.stdout.replace(`schema ${schema}`, `schema ${copy}`));
    try {
      const r = await runDj(["declare", file], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const a = await showCreateTables(conn, schema);
      const b = await showCreateTables(conn, copy);
      assert.deepEqual(b, a);
      const again = await runDj(["describe", "--schema", copy], { cwd: dir });
      assert.equal(again.stdout.replace(copy, schema), d.stdout);
    } finally {
      await dropSchemas(conn, copy);
    }
  });

  test("a different definition is a conflict (exit 8) that shows the difference and changes nothing", async () => {
    const before = await showCreateTables(conn, schema);
    const file = writeFile(dir, "changed.dj", `schema ${schema}\n\nSpecies (lookup)\n    species : varchar(40)\n`);
    const r = await runDj(["declare", file], { cwd: dir });
    assert.equal(r.code, 8);
    assert.match(r.stderr, /Species .* exists with a different definition/);
    assert.match(r.stderr, /- species : varchar\(32\)\n\s+\+ species : varchar\(40\)/);
    assert.deepEqual(await showCreateTables(conn, schema), before);
  });

  test("tables lists tiers, class names, row counts and codecs; drop refuses while children exist", async () => {
    const t = await runDj(["tables", schema, "--json"], { cwd: dir });
    assert.equal(t.code, 0, t.stderr);
    const rec = JSON.parse(t.stdout).tables.find((x: any) => x.table === "recording");
    assert.deepEqual([rec.className, rec.tier, rec.rows], ["Recording", "manual", 0]);
    assert.deepEqual(rec.codecs.sort(), ["<attach@main>", "<blob>", "<blob@main>", "<hash@main>", "<npy@main>", "<object@main>"]);
    const d = await runDj(["drop", `${schema}.Session`, "--force"], { cwd: dir });
    assert.equal(d.code, 8);
    assert.match(d.stderr, new RegExp(`${schema}\\.recording depends on it`));
  });
});

/**
 * The dialect-neutral behaviours of declare, on all three dialects: the state is compared through
 * `dj describe --schema` (the DDL text comparisons above are MariaDB's own; PostgreSQL's are in
 * schema-declare-postgres.test.ts).
 */
for (const dialect of dialects)
describe(`dj declare behaviours (${dialect.name})`, () => {
  const schema = schemaName("beh");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const snapshot = async () => (await dj("describe", "--schema", schema)).stdout;
  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, { stores: { default: "main", main: { protocol: "file", location: "./store" } } }),
    }));
    const r = await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("idempotent re-declare; describe round-trips", async () => {
    const before = await snapshot();
    assert.match(before, /^RigConfig \(lookup\)\n    # singleton table: no primary-key attributes\n    ---\n    rig_name : varchar\(32\)/m);
    const again = await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema, "--json");
    assert.deepEqual([...new Set(JSON.parse(again.stdout).tables.map((t: any) => t.status))], ["exists"]);
    assert.equal(await snapshot(), before);
    const copy = schemaName("behcopy");
    writeFile(dir, "d.dj", before.replace(`schema ${schema}`, `schema ${copy}`));
    try {
      assert.equal((await dj("declare", "d.dj")).code, 0);
      assert.equal((await dj("describe", "--schema", copy)).stdout.replace(copy, schema), before);
    } finally {
      await dialect.dropSchemas(copy);
    }
  });

  test("a conflicting definition is exit 8 with the difference; nothing changes", async () => {
    const before = await snapshot();
    writeFile(dir, "c.dj", `schema ${schema}\n\nSubject (manual)\n    # experimental subject\n    subject_id : int64\n`);
    const r = await dj("declare", "c.dj");
    assert.equal(r.code, 8);
    assert.match(r.stderr, /- subject_id : int32/);
    assert.match(r.stderr, /\+ subject_id : int64/);
    assert.equal(await snapshot(), before);
  });

  test("drop refuses while children exist, naming them", async () => {
    const r = await dj("drop", `${schema}.Recording`, "--force");
    assert.equal(r.code, 8);
    assert.match(r.stderr, /recording__channel/);
    assert.match(r.stderr, /__spectrum/);
  });
});
