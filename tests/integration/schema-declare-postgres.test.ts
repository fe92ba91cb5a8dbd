/**
 * The reference pipeline declared by dj on the real PostgreSQL, compared with what DataJoint for
 * Python produced on PostgreSQL 15 (fixtures/datajoint: catalog-postgresql.json,
 * columns-postgresql.json, lineage-postgresql.json, ddl-postgres.sql). Only the schema name is
 * normalised.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { fixturesDir, repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { pgConfig, pgConnect, pgDatabaseSection, pgDropSchemas, pgSchemaName } from "../helpers/pg.js";

const fixture = (f: string) => readFileSync(join(fixturesDir, "datajoint", f), "utf8");

/** Every occurrence of the schema name, as the fixtures spell it. */
const normalise = (v: unknown, schema: string): unknown => JSON.parse(JSON.stringify(v).split(schema).join("djgold"));

/** The catalog facts the fixture records: enum labels and constraint definitions. */
async function catalog(client: pg.Client, schema: string) {
  const enums = await client.query(
    `SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 ORDER BY t.typname, e.enumsortorder`,
    [schema],
  );
  const constraints = await client.query(
    `SELECT con.conrelid::regclass::text AS table_name, con.conname, pg_get_constraintdef(con.oid) AS def FROM pg_constraint con
       JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = $1 ORDER BY con.conrelid::regclass::text COLLATE "C", con.conname::text COLLATE "C"`,
    [schema],
  );
  return { enums: enums.rows, constraints: constraints.rows };
}

async function columns(client: pg.Client, schema: string) {
  const tables = await client.query(
    `SELECT table_name, obj_description(format('%I.%I', table_schema, table_name)::regclass, 'pg_class') AS table_comment
       FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name COLLATE "C"`,
    [schema],
  );
  const out: Record<string, unknown[]> = {};
  for (const t of tables.rows) {
    const { rows } = await client.query(
      `SELECT c.column_name, c.ordinal_position, format_type(a.atttypid, a.atttypmod) AS column_type, c.data_type, c.udt_name, c.is_nullable, c.column_default,
              col_description(a.attrelid, a.attnum) AS column_comment
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
        WHERE c.table_schema = $1 AND c.table_name = $2 ORDER BY c.ordinal_position`,
      [schema, t.table_name],
    );
    out[t.table_name] = rows;
  }
  return { tables: tables.rows, columns: out };
}

const pgDumpPresent = spawnSync("pg_dump", ["--version"], { stdio: "ignore" }).status === 0;

/** `pg_dump --schema-only` of a schema, without the lines that differ between runs and servers. */
function dump(schema: string): string {
  const r = spawnSync("pg_dump", ["-h", pgConfig.host, "-p", String(pgConfig.port), "-U", pgConfig.user, "--schema-only", "--no-owner", "--no-privileges", "-n", schema, pgConfig.database], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split(schema).join("djgold");
}
const stable = (sql: string) => sql.split("\n").filter((l) => !/^\\(un)?restrict |^-- Dumped (from|by)/.test(l)).join("\n").trim();

describe("dj declare on PostgreSQL: the reference pipeline", () => {
  const schema = pgSchemaName("pggold");
  let client: pg.Client;
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  before(async () => {
    client = await pgConnect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: pgDatabaseSection, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
    }));
    const r = await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created\s+\S+\.Recording \(recording\)/);
  });
  after(async () => {
    await pgDropSchemas(client, schema);
    await client.end();
    cleanup();
  });

  test("catalog (enum types, constraints) matches DataJoint's", async () => {
    assert.deepEqual(normalise(await catalog(client, schema), schema), JSON.parse(fixture("catalog-postgresql.json")));
  });

  test("columns (types, nullability, defaults, comments) and table comments match", async () => {
    const expected = JSON.parse(fixture("columns-postgresql.json"));
    const got = normalise(await columns(client, schema), schema) as { tables: unknown; columns: unknown };
    assert.deepEqual(got.tables, expected.tables);
    assert.deepEqual(got.columns, expected.columns);
  });

  test("~lineage rows match", async () => {
    const expected = JSON.parse(fixture("lineage-postgresql.json"));
    const { rows } = await client.query(`SELECT table_name, attribute_name, lineage FROM "${schema}"."~lineage" ORDER BY table_name COLLATE "C", attribute_name COLLATE "C"`);
    assert.deepEqual(normalise(rows, schema), expected.rows);
  });

  test("pg_dump of the schema equals DataJoint's, line for line", { skip: pgDumpPresent ? false : "pg_dump is not installed" }, () => {
    const theirs = fixture("ddl-postgres.sql").split("\n");
    const from = theirs.findIndex((l) => l === "-- PostgreSQL database dump");
    assert.equal(stable(dump(schema)), stable(theirs.slice(from - 1).join("\n")));
  });

  test("re-declaring is idempotent: every table `exists`, nothing changes", async () => {
    const before = await catalog(client, schema);
    const r = await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema, "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Set(JSON.parse(r.stdout).tables.map((t: any) => t.status)), new Set(["exists"]));
    assert.deepEqual(await catalog(client, schema), before);
  });

  test("describe round-trips: describe → declare into a new schema gives the same catalog and columns", async () => {
    const d = await dj("describe", "--schema", schema);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Subject \(manual\)\n    # experimental subject\n    subject_id : int32\n    ---\n    -> Species\n    date_of_birth : date\n    sex : enum\('F','M','U'\)\n    notes = "" : varchar\(255\)  # free text$/m);
    assert.match(d.stdout, /^Recording\.Channel \(part\)\n    -> master\n    channel : int16/m);
    const copy = pgSchemaName("pgcopy");
    const file = writeFile(dir, "described.dj", d.stdout.replace(`schema ${schema}`, `schema ${copy}`));
    try {
      const r = await dj("declare", file);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(normalise(await catalog(client, copy), copy), normalise(await catalog(client, schema), schema));
      assert.deepEqual(normalise(await columns(client, copy), copy), normalise(await columns(client, schema), schema));
      const again = await dj("describe", "--schema", copy);
      assert.equal(again.stdout.replace(copy, schema), d.stdout);
    } finally {
      await pgDropSchemas(client, copy);
    }
  });

  test("a different definition is a conflict (exit 8) that shows the difference and changes nothing", async () => {
    const before = await columns(client, schema);
    const file = writeFile(dir, "changed.dj", `schema ${schema}\n\nSpecies (lookup)\n    species : varchar(40)\n`);
    const r = await dj("declare", file);
    assert.equal(r.code, 8);
    assert.match(r.stderr, /Species .* exists with a different definition/);
    assert.match(r.stderr, /- species : varchar\(32\)\n\s+\+ species : varchar\(40\)/);
    assert.deepEqual(await columns(client, schema), before);
  });

  test("tables lists tiers, class names, row counts and codecs; drop refuses while children exist", async () => {
    const t = await dj("tables", schema, "--json");
    assert.equal(t.code, 0, t.stderr);
    const rec = JSON.parse(t.stdout).tables.find((x: any) => x.table === "recording");
    assert.deepEqual([rec.className, rec.tier, rec.rows], ["Recording", "manual", 0]);
    assert.deepEqual(rec.codecs.sort(), ["<attach@main>", "<blob>", "<blob@main>", "<hash@main>", "<npy@main>", "<object@main>"]);
    const d = await dj("drop", `${schema}.Session`, "--force");
    assert.equal(d.code, 8);
    assert.match(d.stderr, new RegExp(`${schema}\\.recording depends on it`));
  });
});
