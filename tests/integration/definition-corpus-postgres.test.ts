/**
 * The definition corpus on PostgreSQL (tests/fixtures/definitions): types-postgres.dj (the core
 * types and codecs of types.dj, native types as PostgreSQL has them), projected.dj and
 * projected-cross.dj declare; types.dj, whose native types are MySQL's, is refused before
 * anything is created; and `dj describe` → `dj declare` into fresh schemas gives the same
 * catalog (columns with types, NOT NULL, defaults and marker comments, constraints, indexes,
 * enum types, ~lineage rows; tests/helpers/pg-catalog.ts) and the same description.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { pgConnect, pgDatabaseSection, pgDropSchemas, pgSchemaName } from "../helpers/pg.js";
import { pgCatalog } from "../helpers/pg-catalog.js";

const corpusDir = join(repoRoot, "tests/fixtures/definitions");
const FILES = ["types-postgres.dj", "projected.dj", "projected-cross.dj"];
const PLACEHOLDERS = ["corpus_types", "corpus_a", "corpus_b"];

type Names = Record<string, string>;
const freshNames = (label: string): Names => Object.fromEntries(PLACEHOLDERS.map((p) => [p, pgSchemaName(`${label}${p.slice(7)}`)]));
/** Replace whole schema names (`from` → `to`) in a text. */
function rename(text: string, from: Names, to: Names): string {
  let out = text;
  for (const p of Object.keys(from)) out = out.replace(new RegExp(`\\b${from[p]}\\b`, "g"), `\u0000${p}\u0000`);
  for (const p of Object.keys(from)) out = out.replaceAll(`\u0000${p}\u0000`, to[p]!);
  return out;
}
const identity: Names = Object.fromEntries(PLACEHOLDERS.map((p) => [p, p]));
const corpusFile = (f: string, names: Names) => rename(readFileSync(join(corpusDir, f), "utf8"), identity, names);

describe("the definition corpus on PostgreSQL", () => {
  const names = freshNames("pc");
  let client: pg.Client;
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
  /** The catalog of each schema, every schema name of `n` replaced by its placeholder. */
  const catalogs = async (n: Names) => {
    const out: Record<string, unknown> = {};
    for (const p of PLACEHOLDERS) out[p] = JSON.parse(rename(JSON.stringify(await pgCatalog(client, n[p]!, { keepNames: true })), n, identity));
    return out;
  };

  before(async () => {
    client = await pgConnect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: pgDatabaseSection, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
    }));
    for (const f of [...FILES, "types.dj"]) writeFile(dir, f, corpusFile(f, names));
  });
  after(async () => {
    await pgDropSchemas(client, ...Object.values(names).reverse());
    await client.end();
    cleanup();
  });

  test("types.dj is refused (exit 7) at its first MySQL-only native type; nothing is created", async () => {
    const r = await dj("declare", "types.dj");
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stderr.split("\n")[0], `dj: ${names.corpus_types}.Kinds: attribute n_tinyint has the native type tinyint, and PostgreSQL has no tinyint or mediumint`);
    assert.match(r.stderr, /\n\s+hint: use a DataJoint core type/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [names.corpus_types]);
    assert.equal(rows.length, 0);
    // Each MySQL-only form alone, in a table of its own.
    for (const type of ["int unsigned", "smallint unsigned", "mediumint", "int(5)", "double", "year", "year(4)", "tinyblob", "longblob", "mediumtext", "int auto_increment"]) {
      writeFile(dir, "one.dj", `schema ${names.corpus_types}\n\nOne (manual)\n    one : int32\n    ---\n    x : ${type}\n`);
      const one = await dj("declare", "one.dj");
      assert.equal(one.code, 7, `${type}: ${one.stderr}`);
      assert.match(one.stderr, new RegExp(`attribute x has the native type ${type.replace(/[()]/g, "\\$&")}, and PostgreSQL has no `));
    }
  });

  test("the corpus declares; declaring it again changes nothing", async () => {
    const r = await dj("declare", ...FILES);
    assert.equal(r.code, 0, r.stderr);
    const before = await catalogs(names);
    const again = await dj("declare", ...FILES, "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([...new Set(JSON.parse(again.stdout).tables.map((t: any) => t.status))], ["exists"]);
    assert.deepEqual(await catalogs(names), before);
  });

  test("markers on core-type and codec columns, none on native or inherited ones; DataJoint's enum type", async () => {
    const { rows } = await client.query(
      "SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum",
      [`"${names.corpus_types}"."kinds"`],
    );
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    assert.equal(by.c_int8.comment, ":int8:");
    assert.equal(by.c_int8.type, "smallint");
    assert.equal(by.c_json.type, "jsonb");
    assert.equal(by.c_varchar.comment, ":varchar(64):with a default");
    assert.equal(by.x_blob.comment, ":<blob>:");
    assert.equal(by.x_blob.type, "bytea");
    // md5("high_low_mid")[:8]: the name DataJoint gives enum('low','mid','high')
    assert.equal(by.c_enum.type, `${names.corpus_types}.enum_7027a361`);
    for (const r of rows.filter((x) => x.name.startsWith("n_"))) assert.equal(r.comment, null, `${r.name} has no marker`);
    const d = (await describeAll(names)).corpus_types!;
    for (const line of ["n_int : integer", "n_real : real", "n_float : float", "n_numeric : numeric(8,2)", "n_numeric_bare = null : numeric", "n_time6 = null : time(6)", "n_timestamp = CURRENT_TIMESTAMP : timestamp", "counter_id : serial", "c_jsonb = null : jsonb"]) {
      assert.ok(d.includes(`\n    ${line}\n`), line);
    }
  });

  test("describe → declare into new schemas gives the identical catalog, lineage and description", async () => {
    const copy = freshNames("pcc");
    const described = await describeAll(names);
    const files = PLACEHOLDERS.map((p) => writeFile(dir, `described-${p}.dj`, rename(described[p]!, names, copy)));
    try {
      const r = await dj("declare", ...files);
      assert.equal(r.code, 0, r.stderr);
      const a = await catalogs(names);
      const b = await catalogs(copy);
      for (const p of PLACEHOLDERS) {
        const ta = a[p] as Record<string, unknown>;
        const tb = b[p] as Record<string, unknown>;
        assert.deepEqual(Object.keys(tb).sort(), Object.keys(ta).sort(), p);
        for (const k of Object.keys(ta)) assert.deepEqual(tb[k], ta[k], `${p} ${k}`);
      }
      const again = await describeAll(copy);
      for (const p of PLACEHOLDERS) assert.equal(rename(again[p]!, copy, names), described[p], p);
    } finally {
      await pgDropSchemas(client, ...Object.values(copy).reverse());
    }
  });
});
