/**
 * The definition corpus (tests/fixtures/definitions/*.dj: every attribute type DataJoint for
 * Python accepts, projected foreign keys with and without options, within and across schemas):
 * declared by dj it gives DataJoint for Python's own DDL (SHOW CREATE TABLE and ~lineage made
 * by DataJoint, fixtures/definitions/datajoint), and describe → declare gives identical DDL again,
 * on MariaDB and on the embedded database.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Connection } from "mysql2/promise";
import { repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName, showCreateTables } from "../helpers/db.js";

const corpusDir = join(repoRoot, "tests/fixtures/definitions");
const FILES = ["types.dj", "projected.dj", "projected-cross.dj"];
const PLACEHOLDERS = ["corpus_types", "corpus_a", "corpus_b"];
const expected = JSON.parse(readFileSync(join(corpusDir, "datajoint/corpus-mariadb.json"), "utf8"));

type Names = Record<string, string>;
const freshNames = (label: string): Names => Object.fromEntries(PLACEHOLDERS.map((p) => [p, schemaName(`${label}${p.slice(7)}`)]));
/** Replace whole schema names (`from` → `to`) in a text. */
function rename(text: string, from: Names, to: Names): string {
  let out = text;
  for (const p of Object.keys(from)) out = out.replace(new RegExp(`\\b${from[p]}\\b`, "g"), `\u0000${p}\u0000`);
  for (const p of Object.keys(from)) out = out.replaceAll(`\u0000${p}\u0000`, to[p]!);
  return out;
}
const identity: Names = Object.fromEntries(PLACEHOLDERS.map((p) => [p, p]));
const corpusFile = (f: string, names: Names) => rename(readFileSync(join(corpusDir, f), "utf8"), identity, names);

/** `-> [options] Parent.proj(...)` lines reduced to options and renames, in order. */
const fkShapes = (definition: string) =>
  definition.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("->")).map((l) => {
    const m = /^->\s*(\[[^\]]*\])?\s*\S+?(\.proj\(.*\))?$/.exec(l);
    return `${m?.[1] ?? ""}${m?.[2] ?? ""}`;
  });

/** `dj describe --schema` output split into its table blocks, by `Class` or `Master.Part`. */
const tableBlocks = (text: string) =>
  Object.fromEntries(text.split("\n\n").filter((b) => /^[A-Z]/.test(b)).map((b) => [/^(\S+) \(/.exec(b)![1]!, b]));

describe("the definition corpus on MariaDB", () => {
  const names = freshNames("c");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const describeAll = async (n: Names) => {
    const out: Record<string, string> = {};
    for (const p of PLACEHOLDERS) {
      const d = await dj("describe", "--schema", n[p]!);
      assert.equal(d.code, 0, d.stderr);
      out[p] = d.stdout;
    }
    return out;
  };

  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: databaseSection, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
    }));
    for (const f of FILES) writeFile(dir, f, corpusFile(f, names));
    const r = await dj("declare", ...FILES);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await dropSchemas(conn, ...Object.values(names).reverse());
    await conn.end();
    cleanup();
  });

  test("SHOW CREATE TABLE and ~lineage are DataJoint for Python's, table by table", async () => {
    for (const p of PLACEHOLDERS) {
      const theirs = expected.schemas[p];
      const ours = await showCreateTables(conn, names[p]!);
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs.show_create_table).sort(), p);
      for (const [table, sql] of Object.entries(theirs.show_create_table as Record<string, string>)) {
        assert.equal(rename(ours[table]!, names, identity), sql, `${p}.${table}`);
      }
      const [rows] = await conn.query<any[]>(`SELECT table_name, attribute_name, lineage FROM \`${names[p]}\`.\`~lineage\` ORDER BY table_name, attribute_name`);
      assert.deepEqual(rows.map((r) => ({ ...r, lineage: rename(r.lineage, names, identity) })), theirs.lineage, `${p} lineage`);
    }
  });

  test("the CREATE TABLE text dj sends is the text DataJoint for Python sends, byte for byte", async () => {
    const fresh = freshNames("d");
    for (const f of FILES) writeFile(dir, `dry-${f}`, corpusFile(f, fresh));
    const r = await dj("declare", ...FILES.map((f) => `dry-${f}`), "--dry-run", "--json");
    assert.equal(r.code, 0, r.stderr);
    const sent: Record<string, Record<string, string>> = {};
    for (const t of JSON.parse(r.stdout).tables) {
      const create = t.sql.find((q: string) => q.startsWith("CREATE TABLE IF NOT EXISTS") && !q.includes("`~lineage`"));
      const placeholder = PLACEHOLDERS.find((p) => fresh[p] === t.schema)!;
      (sent[placeholder] ??= {})[t.table] = rename(create, fresh, identity);
    }
    for (const p of PLACEHOLDERS) assert.deepEqual(sent[p], expected.schemas[p].create_table_sql, p);
    const [left] = await conn.query<any[]>("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)", [Object.values(fresh)]);
    assert.equal(left.length, 0, "a dry run creates nothing");
  });

  test("describe writes projected foreign keys as DataJoint's describe does (options, renames, order)", async () => {
    const ours = await describeAll(names);
    for (const p of PLACEHOLDERS) {
      const blocks = tableBlocks(ours[p]!);
      for (const [cls, theirs] of Object.entries(expected.schemas[p].describe as Record<string, string>)) {
        assert.ok(blocks[cls], `${p}.${cls} described`);
        assert.deepEqual(fkShapes(blocks[cls]!), fkShapes(theirs), `${p}.${cls}`);
      }
    }
    assert.match(ours.corpus_a!, /^Pair \(manual\)\n    # a directed connection between two cells\n    -> Cell\.proj\(pre="cell"\)\n    -> Cell\.proj\(post="cell"\)\n    ---\n    strength : float64\n    -> \[nullable, unique\] User\.proj\(first="username"\)/m);
    assert.match(ours.corpus_b!, new RegExp(`-> ${names.corpus_a}\\.Cell\\.proj\\(source="cell"\\)`));
  });

  test("native types are described as written, without a marker; year and auto_increment included", async () => {
    const d = (await describeAll(names)).corpus_types!;
    for (const line of ["n_int : int", "n_integer : int", "n_smallint_u : smallint unsigned", "n_int_width : int(5)", "n_numeric : numeric(8,2)", "n_year = null : year", "n_year4 : year", "n_timestamp = CURRENT_TIMESTAMP : timestamp", "counter_id : int unsigned auto_increment", "c_int8 : int8"]) {
      assert.ok(d.includes(`\n    ${line}\n`), line);
    }
    const [cols] = await conn.query<any[]>("SELECT COLUMN_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'kinds' AND COLUMN_NAME LIKE 'n\\_%'", [names.corpus_types]);
    assert.ok(cols.length > 20);
    assert.deepEqual(cols.filter((c) => c.COLUMN_COMMENT !== ""), [], "no marker on native columns");
  });

  test("re-declaring the corpus changes nothing: every table `exists`", async () => {
    const before = await showCreateTables(conn, names.corpus_types!);
    const r = await dj("declare", ...FILES, "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(JSON.parse(r.stdout).tables.map((t: any) => t.status))], ["exists"]);
    assert.deepEqual(await showCreateTables(conn, names.corpus_types!), before);
  });

  test("describe → declare into new schemas gives identical DDL, lineage and description", async () => {
    const copy = freshNames("cc");
    const described = await describeAll(names);
    const files = PLACEHOLDERS.map((p) => writeFile(dir, `described-${p}.dj`, rename(described[p]!, names, copy)));
    try {
      const r = await dj("declare", ...files);
      assert.equal(r.code, 0, r.stderr);
      for (const p of PLACEHOLDERS) {
        const a = await showCreateTables(conn, names[p]!);
        const b = await showCreateTables(conn, copy[p]!);
        assert.deepEqual(Object.fromEntries(Object.entries(b).map(([t, sql]) => [t, rename(sql, copy, names)])), a, p);
      }
      const again = await describeAll(copy);
      for (const p of PLACEHOLDERS) assert.equal(rename(again[p]!, copy, names), described[p], p);
    } finally {
      await dropSchemas(conn, ...Object.values(copy).reverse());
    }
  });

  test("bad projections are input errors (exit 7) naming the line; nothing is declared", async () => {
    const s = names.corpus_a!;
    const cases: Array<[string, RegExp]> = [
      [`-> Cell.proj(pre="nope")`, /"nope" is not a primary-key attribute of Cell \(its key: cell\)/],
      [`-> Cell.proj(pre=cell)`, /expected new_name="parent_attribute" in \.proj\(\.\.\.\), got "pre=cell"/],
      [`-> Cell.proj(a="cell", b="cell")`, /"cell" is renamed twice/],
      [`-> Cell.proj(Pre="cell")`, /expected new_name="parent_attribute"/],
    ];
    for (const [line, re] of cases) {
      writeFile(dir, "bad.dj", `schema ${s}\n\nBroken (manual)\n    ${line}\n    x : int32\n`);
      const r = await dj("declare", "bad.dj");
      assert.equal(r.code, 7, `${line}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /^dj: bad\.dj:4: /);
      assert.match(r.stderr, /\n\s+hint: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    const [t] = await conn.query<any[]>("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'broken'", [s]);
    assert.equal(t.length, 0);
  });
});

describe("the definition corpus on the embedded database", () => {
  const names = freshNames("e");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const local = ["types.dj", "projected.dj"];
  const localSchemas = ["corpus_types", "corpus_a"];
  /** SQLite's own record of each table's DDL, by table name. */
  const sqliteDdl = (schema: string) => {
    const db = new Database(join(dir, ".dj", `${schema}.sqlite`), { readonly: true });
    try {
      const rows = db.prepare("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL ORDER BY name").all() as Array<{ name: string; sql: string }>;
      return Object.fromEntries(rows.map((r) => [r.name, r.sql]));
    } finally {
      db.close();
    }
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": { stores: { default: "main", main: { protocol: "file", location: "./store" } } } }));
    for (const f of FILES) writeFile(dir, f, corpusFile(f, names));
    const r = await dj("declare", ...local);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => cleanup());

  test("describe → declare gives identical DDL and description", async () => {
    const copy = freshNames("ec");
    const described: Record<string, string> = {};
    for (const p of localSchemas) described[p] = (await dj("describe", "--schema", names[p]!)).stdout;
    assert.match(described.corpus_a!, /-> \[nullable, unique\] User\.proj\(first="username"\)/);
    assert.match(described.corpus_types!, /\n    n_year4 : year\(4\)\n/, "the embedded database keeps the type as written");
    const files = localSchemas.map((p) => writeFile(dir, `d-${p}.dj`, rename(described[p]!, names, copy)));
    const r = await dj("declare", ...files);
    assert.equal(r.code, 0, r.stderr);
    for (const p of localSchemas) {
      const a = sqliteDdl(names[p]!);
      const b = sqliteDdl(copy[p]!);
      assert.ok(a.pair ?? a.kinds, p);
      assert.deepEqual(b, a, p);
      assert.equal(rename((await dj("describe", "--schema", copy[p]!)).stdout, copy, names), described[p], p);
    }
  });

  test("projected foreign keys reference the parent's columns", () => {
    const ddl = sqliteDdl(names.corpus_a!);
    assert.match(ddl.pair!, /FOREIGN KEY \("pre"\) REFERENCES "cell" \("cell"\)/);
    assert.match(ddl.probe!, /FOREIGN KEY \("animal", "location"\) REFERENCES "site" \("subject", "site"\)/);
  });

  test("cross-schema projected keys cannot be expressed there: refused (exit 3) before anything is created", async () => {
    const r = await dj("declare", "projected-cross.dj");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^dj: \S+\.culture references \S+\.cell: the embedded database cannot reference tables of another schema\n\s+hint: /);
    assert.equal(existsSync(join(dir, ".dj", `${names.corpus_b}.sqlite`)), false);
  });
});
