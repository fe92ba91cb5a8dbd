/**
 * dj on PostgreSQL end to end with the built binary: schema create/list/drop, declare (the DDL
 * printed by --dry-run), describe, tables, drop; every core type inserted and fetched back;
 * skip-duplicates, batches, delete with cascade, gc; and the typed errors (exit codes) a wrong
 * user, a missing database, a closed port, a duplicate key and a missing parent give.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { pgConnect, pgDatabaseSection, pgDropSchemas, pgSchemaName } from "../helpers/pg.js";

describe("dj on PostgreSQL", () => {
  const schema = pgSchemaName("pgcli");
  let client: pg.Client;
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const rows = async (table: string, ...keys: string[]) => {
    const r = await dj("fetch", table, ...keys.flatMap((k) => ["--key", k]), "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).rows as any[];
  };
  before(async () => {
    client = await pgConnect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: pgDatabaseSection, schema, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
      "p.dj": `schema ${schema}\n\nAnimal (manual)\n    # an animal's "name" and 'kind'\n    animal_id : int32\n    ---\n    name = "" : varchar(32)  # what we call it\n\nVisit (manual)\n    -> Animal\n    visit : int16\n`,
      "types.dj": `schema ${schema}

Typed (manual)
    k8 : int8
    k64 : int64
    ---
    i16 = 7 : int16
    i32 = null : int32
    f32 = null : float32
    f64 = null : float64
    flag = null : bool
    uid = null : uuid
    doc = null : json
    day = null : date
    at = null : datetime
    at3 = null : datetime(3)
    code = null : char(4)
    label = "it's" : varchar(16)
    amount = null : decimal(8,3)
    kind = null : enum('a','b','c d')
    native = null : int
    blob = null : <blob>
    stored = null : <blob@>

Tagged (manual)
    -> Typed
    tag : enum('a','b','c d')
`,
    }));
    mkdirSync(join(dir, "store"));
  });
  after(async () => {
    await pgDropSchemas(client, schema);
    await client.end();
    cleanup();
  });

  test("schema create, list; declare --dry-run prints DataJoint's PostgreSQL DDL and changes nothing; describe; drop", async () => {
    assert.equal((await dj("schema", "create", schema)).code, 0);
    const again = await dj("schema", "create", schema);
    assert.equal(again.code, 8, again.stderr);
    assert.ok(JSON.parse((await dj("schema", "list", "--json")).stdout).schemas.includes(schema));
    const dry = await dj("declare", "p.dj", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /CREATE TABLE IF NOT EXISTS "[^"]+"\."animal" \(\n"animal_id" integer NOT NULL,\n"name" varchar\(32\) NOT NULL DEFAULT '',\nPRIMARY KEY \("animal_id"\)\n\)/);
    assert.match(dry.stdout, /COMMENT ON TABLE "[^"]+"\."animal" IS 'an animal''s "name" and ''kind'''/);
    assert.match(dry.stdout, /COMMENT ON COLUMN "[^"]+"\."animal"\."name" IS ':varchar\(32\):what we call it'/);
    assert.equal(JSON.parse((await dj("tables", "--json")).stdout).tables.length, 0, "dry run declared nothing");
    assert.equal((await dj("declare", "p.dj")).code, 0);
    const d = await dj("describe", "Animal");
    assert.equal(d.stdout.trim(), 'Animal (manual)\n    # an animal\'s "name" and \'kind\'\n    animal_id : int32\n    ---\n    name = "" : varchar(32)  # what we call it');
    const missing = await dj("describe", "Nope");
    assert.equal(missing.code, 4);
    const refused = await dj("drop", "Animal", "--force");
    assert.equal(refused.code, 8);
    assert.match(refused.stderr, /\.visit depends on it/);
    assert.equal((await dj("drop", "Visit", "--force")).code, 0);
    assert.equal((await dj("drop", "Animal", "--force")).code, 0);
    const t = await dj("tables", schema, "--json");
    assert.deepEqual(JSON.parse(t.stdout).tables, []);
  });

  test("every core type goes in from the shell and comes back with its value", async () => {
    const decl = await dj("declare", "types.dj");
    assert.equal(decl.code, 0, decl.stderr);
    const ins = await dj(
      "insert", "Typed", "--key", "k8=-128", "--key", "k64=9007199254740993",
      "--set", "i32=-2147483648", "--set", "f32=0.5", "--set", "f64=-1.25e300", "--set", "flag=true",
      "--set", "uid=12345678-1234-5678-9abc-def012345678", "--set", 'doc={"b": [1, 2.5, null], "a": "é"}',
      "--set", "day=2024-02-29", "--set", "at=2024-06-01 09:30:00", "--set", "at3=2024-06-01 09:30:00.125",
      "--set", "code=ab", "--set", "amount=-12.345", "--set", "kind=c d", "--set", "native=42", "--set", 'blob={"x": [1, 2]}', "--set", 'stored=[1, 2, 3]',
    );
    assert.equal(ins.code, 0, ins.stderr);
    assert.equal((await dj("insert", "Typed", "--key", "k8=0", "--key", "k64=1")).code, 0, "defaults and nulls");
    const [a, b] = (await rows("Typed")).sort((x, y) => x.k8 - y.k8);
    assert.equal(a.k8, -128);
    assert.equal(String(a.k64), "9007199254740993", "int64 beyond 2^53 stays exact");
    assert.deepEqual(
      [a.i16, a.i32, a.f32, a.f64, a.flag, a.uid, a.day, a.at, a.at3, a.code, a.label, a.amount, a.kind, a.native],
      [7, -2147483648, 0.5, -1.25e300, true, "12345678-1234-5678-9abc-def012345678", "2024-02-29", "2024-06-01 09:30:00", "2024-06-01 09:30:00.125", "ab  ", "it's", "-12.345", "c d", 42],
    );
    assert.deepEqual(typeof a.doc === "string" ? JSON.parse(a.doc) : a.doc, { b: [1, 2.5, null], a: "é" }, "jsonb re-serialises: compared parsed");
    assert.deepEqual([b.i16, b.label, b.uid, b.doc, b.flag], [7, "it's", null, null, null]);
    const out = join(dir, "typed-out");
    mkdirSync(out);
    const f = await dj("fetch", "Typed", "--key", "k8=-128", "--out", out);
    assert.equal(f.code, 0, f.stderr);
    // Restrictions by a uuid, a bool and a timestamp find the row.
    assert.equal((await rows("Typed", "uid=12345678-1234-5678-9abc-def012345678")).length, 1);
    assert.equal((await rows("Typed", "at=2024-06-01 09:30:00")).length, 1);
    // An enum type shared by two tables of one schema is created once.
    const { rows: types } = await client.query("SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e'", [schema]);
    assert.equal(types.length, 1);
    assert.equal((await dj("insert", "Tagged", "--key", "k8=0", "--key", "k64=1", "--key", "tag=c d")).code, 0);
    const bad = await dj("insert", "Typed", "--key", "k8=200", "--key", "k64=1");
    assert.equal(bad.code, 7);
    const again = await dj("declare", "types.dj", "--json");
    assert.deepEqual([...new Set(JSON.parse(again.stdout).tables.map((t: any) => t.status))], ["exists"], "re-declaring matches what was read back");
    const d = await dj("describe", "Typed");
    assert.match(d.stdout, /kind = null : enum\('a','b','c d'\)/);
    assert.match(d.stdout, /native = null : integer/);
    assert.match(d.stdout, /label = "it's" : varchar\(16\)/);
  });

  test("duplicates (exit 8), --skip-duplicates, batches with --rows, a missing parent (exit 4), delete with --cascade", async () => {
    assert.equal((await dj("declare", "p.dj")).code, 0);
    assert.equal((await dj("insert", "Animal", "--key", "animal_id=1", "--set", "name=rex")).code, 0);
    const dup = await dj("insert", "Animal", "--key", "animal_id=1");
    assert.equal(dup.code, 8);
    assert.match(dup.stderr, /duplicate entry/);
    const skip = await dj("insert", "Animal", "--key", "animal_id=1", "--skip-duplicates");
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /^skipped/);
    writeFile(dir, "animals.csv", "animal_id,name\n1,rex\n2,\"fido, the second\"\n3,max\n");
    const batch = await dj("insert", "Animal", "--rows", "animals.csv", "--skip-duplicates", "--json");
    assert.equal(batch.code, 0, batch.stderr);
    assert.deepEqual([JSON.parse(batch.stdout).inserted, JSON.parse(batch.stdout).skipped], [2, 1]);
    const orphan = await dj("insert", "Visit", "--key", "animal_id=99", "--key", "visit=1");
    assert.equal(orphan.code, 4);
    assert.match(orphan.stderr, /^dj: the referenced parent row does not exist/m);
    writeFile(dir, "visits.jsonl", '{"animal_id": 2, "visit": 1}\n{"animal_id": 2, "visit": 2}\n{"animal_id": 3, "visit": 1}\n');
    assert.equal((await dj("insert", "Visit", "--rows", "visits.jsonl")).code, 0);
    const refused = await dj("delete", "Animal", "--key", "animal_id=2", "--force");
    assert.equal(refused.code, 8);
    const cascade = await dj("delete", "Animal", "--key", "animal_id=2", "--force", "--cascade", "--json");
    assert.equal(cascade.code, 0, cascade.stderr);
    assert.deepEqual(JSON.parse(cascade.stdout).deleted.map((d: any) => [d.table, d.rows]).sort(), [["animal", 1], ["visit", 2]]);
    assert.deepEqual((await rows("Animal")).map((r) => r.animal_id).sort(), [1, 3]);
  });

  test("gc finds what a deleted row left in the store and removes it; live objects still decode", async () => {
    writeFile(dir, "gc.dj", `schema ${schema}\n\nThing (manual)\n    thing_id : int32\n    ---\n    data : <blob@>\n`);
    assert.equal((await dj("declare", "gc.dj")).code, 0);
    assert.equal((await dj("insert", "Thing", "--key", "thing_id=1", "--set", "data=[1, 2, 3]")).code, 0);
    assert.equal((await dj("insert", "Thing", "--key", "thing_id=2", "--set", "data=[4, 5, 6]")).code, 0);
    assert.equal((await dj("delete", "Thing", "--key", "thing_id=2", "--force")).code, 0);
    const dry = await dj("gc", "--schema", schema, "--dry-run", "--min-age", "0", "--json");
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.equal(report.hash_paths_orphaned, 1);
    const run = await dj("gc", "--schema", schema, "--min-age", "0", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).deleted, 1);
    const [thing] = await rows("Thing");
    assert.equal(thing.thing_id, 1);
    const f = await dj("fetch", "Thing", "--out", join(dir, "thing.json"));
    assert.equal(f.code, 0, f.stderr);
  });

  test("schema drop removes the schema with its tables and enum types", async () => {
    const copy = pgSchemaName("pgdrop");
    writeFile(dir, "e.dj", `schema ${copy}\n\nE (manual)\n    e : enum('x','y')\n`);
    assert.equal((await dj("declare", "e.dj")).code, 0);
    const noForce = await dj("schema", "drop", copy);
    assert.equal(noForce.code, 2);
    assert.equal((await dj("schema", "drop", copy, "--force")).code, 0);
    const { rows: left } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [copy]);
    assert.equal(left.length, 0);
    assert.ok(!JSON.parse((await dj("schema", "list", "--json")).stdout).schemas.includes(copy));
  });

  test("literals stay literal even where the server is set to standard_conforming_strings=off", async () => {
    const s = pgSchemaName("pgscs");
    // With the setting off, a backslash before a quote would escape it and end the literal late.
    writeFile(dir, "scs.dj", `schema ${s}\n\nC (manual)\n    # a back\\' slash\n    c : int32\n`);
    try {
      const r = await runDj(["declare", "scs.dj"], { cwd: dir, env: { PGOPTIONS: "-c standard_conforming_strings=off" } });
      assert.equal(r.code, 0, r.stderr);
      const { rows } = await client.query("SELECT obj_description(c.oid, 'pg_class') AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'c'", [s]);
      assert.equal(rows[0].d, "a back\\' slash");
    } finally {
      await pgDropSchemas(client, s);
    }
  });

  test("an enum value holding a dollar-quote tag declares and round-trips", async () => {
    const s = pgSchemaName("pgdollar");
    writeFile(dir, "dollar.dj", `schema ${s}\n\nD (manual)\n    d : enum('a$dj$b','c')\n`);
    try {
      const r = await dj("declare", "dollar.dj");
      assert.equal(r.code, 0, r.stderr);
      const { rows } = await client.query("SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 ORDER BY e.enumsortorder", [s]);
      assert.deepEqual(rows.map((x) => x.enumlabel), ["a$dj$b", "c"]);
      assert.equal((await dj("insert", `${s}.D`, "--key", "d=a$dj$b")).code, 0);
      assert.equal((await dj("count", `${s}.D`, "--where", "d = 'a$dj$b'")).stdout.trim(), "1");
    } finally {
      await pgDropSchemas(client, s);
    }
  });

  // DROP SCHEMA … CASCADE would also drop other schemas' foreign keys into it and their columns
  // typed by its enums (a child inherits the parent's enum type): refused, as MySQL refuses.
  test("schema drop refuses while another schema's tables depend on it (exit 8, nothing dropped)", async () => {
    const parent = pgSchemaName("pgpar");
    const child = pgSchemaName("pgchild");
    writeFile(dir, "par.dj", `schema ${parent}\n\nKind (lookup)\n    kind : enum('x','y')\n`);
    writeFile(dir, "child.dj", `schema ${child}\n\nUse (manual)\n    -> ${parent}.Kind\n    n : int16\n`);
    try {
      assert.equal((await dj("declare", "par.dj")).code, 0);
      const c = await dj("declare", "child.dj");
      assert.equal(c.code, 0, c.stderr);
      const r = await dj("schema", "drop", parent, "--force");
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot drop schema ${parent}: tables of other schemas depend on it: ${child}\\.use \\(foreign key [^)]+\\), ${child}\\.use \\(column kind has a type of ${parent}\\)`));
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
      // Nothing changed: the constraint and the column are still there.
      const { rows: fk } = await client.query("SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.contype = 'f'", [child]);
      assert.equal(fk.length, 1);
      const { rows: col } = await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'use' AND column_name = 'kind'", [child]);
      assert.equal(col.length, 1);
      assert.equal((await dj("schema", "drop", child, "--force")).code, 0);
      assert.equal((await dj("schema", "drop", parent, "--force")).code, 0, "with the child gone, the parent drops");
    } finally {
      await pgDropSchemas(client, child, parent);
    }
  });

  // PostgreSQL has no unsigned integers, and a native type passes through as declared (as in
  // DataJoint), so the server refuses table B. Its DDL is transactional, so declare creates all
  // of the files' tables or none, and says which table the server refused.
  test("a table the server refuses stops declare with nothing of that file created, naming the table", async () => {
    const half = pgSchemaName("pghalf");
    // dj cannot know this limit of the server's (varchar at most 10485760 characters): the server refuses B after A was created, in the same transaction.
    writeFile(dir, "half.dj", `schema ${half}\n\nA (manual)\n    id : int32\n\nB (manual)\n    id : int32\n    ---\n    v : varchar(20000000)\n`);
    // A MySQL-only native type dj refuses itself, before anything runs (exit 7).
    writeFile(dir, "mysql.dj", `schema ${half}\n\nA (manual)\n    id : int32\n\nB (manual)\n    id : int32\n    ---\n    v : smallint unsigned\n`);
    try {
      const r = await dj("declare", "half.dj");
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`^dj: ${half}\\.B \\(b\\): .*10485760.*; nothing of this declare was created`, "m"), "the message names the table the server refused");
      const m = await dj("declare", "mysql.dj");
      assert.equal(m.code, 7, m.stderr);
      assert.match(m.stderr, new RegExp(`^dj: ${half}\\.B: attribute v has the native type smallint unsigned, and PostgreSQL has no unsigned integers`, "m"));
      const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [half]);
      assert.deepEqual(rows, [], "neither run left the schema or table A behind");
    } finally {
      await pgDropSchemas(client, half);
    }
  });

  test("connection errors are typed: unknown user, unknown database, closed port (exit 4); DJ_BACKEND picks the backend", async () => {
    const p = tempProject({ "dj.config.json": { database: { ...pgDatabaseSection, user: "nobody_here", password: "s3cret-pw-123" } } });
    try {
      const r = await runDj(["schema", "list"], { cwd: p.dir });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /^dj: access denied for user 'nobody_here'/m);
      assert.doesNotMatch(r.stdout + r.stderr, /s3cret-pw-123|\n\s+at /);
      const db = await runDj(["schema", "list"], { cwd: p.dir, env: { DJ_USER: String(pgDatabaseSection.user), DJ_DATABASE_NAME: "no_such_db_here" } });
      assert.equal(db.code, 4, db.stderr);
      assert.match(db.stderr, /^dj: unknown database at .*no_such_db_here/m);
      assert.match(db.stderr, /hint: database\.name \(or DJ_DATABASE_NAME\)/);
      const port = await runDj(["schema", "list"], { cwd: p.dir, env: { DJ_PORT: "1", DJ_RETRIES: "0" } });
      assert.equal(port.code, 4, port.stderr);
      assert.match(port.stderr, /^dj: cannot connect to the database at \S+:1 \(ECONNREFUSED\)/m);
    } finally {
      p.cleanup();
    }
    // This server has no TLS (ssl = off): required TLS is refused with a clear error; unset falls back (sslmode=prefer).
    const { rows: ssl } = await client.query("SHOW ssl");
    if (ssl[0].ssl === "off") {
      const tls = tempProject({ "dj.config.json": { database: { ...pgDatabaseSection, use_tls: true } } });
      try {
        const r = await runDj(["schema", "list"], { cwd: tls.dir });
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, /^dj: the database at \S+ does not offer TLS, but database\.use_tls requires it/m);
      } finally {
        tls.cleanup();
      }
    }
    const viaEnv = tempProject({ "dj.config.json": { database: { host: String(pgDatabaseSection.host), user: String(pgDatabaseSection.user) } } });
    try {
      const r = await runDj(["schema", "list", "--json"], { cwd: viaEnv.dir, env: { DJ_BACKEND: "postgres" } });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout).schemas.includes(schema), "port 5432 is the default for postgresql");
    } finally {
      viaEnv.cleanup();
    }
  });
});
