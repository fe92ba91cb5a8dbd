/**
 * The pure parts of the PostgreSQL dialect: placeholder numbering, DataJoint's enum type names
 * and type mapping, foreign-key support indexes, and defaults read back from the catalog.
 * Expected values come from DataJoint's fixtures and PostgreSQL's documented spellings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { indexName, pgIndexes, PostgresCompiler } from "../../src/db/postgres/compiler.js";
import { definitionDefault } from "../../src/db/postgres/introspector.js";
import { toNumberedPlaceholders } from "../../src/db/postgres/placeholders.js";
import { coreTypeFromPg, coreTypeToPg, enumTypeName, enumValues } from "../../src/db/postgres/types.js";
import type { Heading } from "../../src/schema/heading.js";
import { fixturesDir } from "../helpers/cli.js";

const q = (s: string) => `"${s}"`;

test("? becomes $n outside literals, quoted names and dollar-quoted bodies", () => {
  assert.equal(toNumberedPlaceholders('SELECT "a?" FROM t WHERE x = ? AND y = \'?\'\'?\' AND z IN (?, ?)'), 'SELECT "a?" FROM t WHERE x = $1 AND y = \'?\'\'?\' AND z IN ($2, $3)');
  assert.equal(toNumberedPlaceholders("DO $dj$ BEGIN PERFORM '?'; END $dj$; SELECT ?"), "DO $dj$ BEGIN PERFORM '?'; END $dj$; SELECT $1");
  assert.equal(toNumberedPlaceholders("SELECT 1"), "SELECT 1");
});

test("enum type names are DataJoint's (the fixture's enum_e54fc739 for enum('F','M','U'))", () => {
  const catalog = JSON.parse(readFileSync(join(fixturesDir, "datajoint/catalog-postgresql.json"), "utf8"));
  assert.equal(enumTypeName("enum('F','M','U')"), catalog.enums[0].typname);
  assert.equal(enumTypeName("enum('U', 'M', 'F')"), catalog.enums[0].typname, "the values are sorted first");
  assert.deepEqual(enumValues("enum('a','it''s', \"b\")"), ["a", "it's", "b"]);
});

test("core types map as DataJoint's CORE_TYPE_MAP, and back", () => {
  const cases: Array<[string, string]> = [
    ["int8", "smallint"], ["int16", "smallint"], ["int32", "integer"], ["int64", "bigint"], ["float32", "real"], ["float64", "double precision"],
    ["bool", "boolean"], ["uuid", "uuid"], ["json", "jsonb"], ["bytes", "bytea"], ["date", "date"], ["datetime", "timestamp"], ["datetime(3)", "timestamp(3)"],
    ["varchar(32)", "varchar(32)"], ["char(4)", "char(4)"], ["decimal(8,3)", "numeric(8,3)"],
  ];
  for (const [dj, pg] of cases) assert.equal(coreTypeToPg(dj, "s", q), pg, dj);
  assert.equal(coreTypeToPg("enum('F','M','U')", "lab", q), '"lab"."enum_e54fc739"');
  assert.equal(coreTypeToPg("int unsigned", "s", q), null, "native types are not core types");
  for (const [dj, pg] of cases.filter(([d]) => d !== "int8")) assert.equal(coreTypeFromPg(pg, null), dj === "json" ? "json" : dj, pg);
  assert.equal(coreTypeFromPg("integer", ["F", "M"]), "enum('F','M')");
});

const heading = (over: Partial<Heading>): Heading => ({
  schema: "s", table: "t", className: "T", tier: "manual", master: null, comment: "", attributes: [], foreignKeys: [], indexes: [], lineage: {}, ...over,
});
const attr = (name: string, inKey: boolean) => ({ name, sqlType: "int", type: "int32", codec: null, marker: true, nullable: false, default: null, comment: "", inKey, hidden: false });
const fk = (columns: string[], unique = false) => ({ parentSchema: "s", parentTable: "p", columns, refColumns: columns, nullable: false, unique });

test("foreign-key support indexes: only where the primary key or another index does not cover them", () => {
  const attributes = ["a", "b", "c", "d"].map((n, i) => attr(n, i < 2));
  // (a) is a prefix of the key (a, b): no index. (c) is not: idx_t_c. (c, d) covers (c) when longer first.
  assert.deepEqual(pgIndexes(heading({ attributes, foreignKeys: [fk(["a"]), fk(["c"])] })), [{ unique: false, columns: ["c"] }]);
  assert.deepEqual(pgIndexes(heading({ attributes, foreignKeys: [fk(["c"]), fk(["c", "d"])] })), [{ unique: false, columns: ["c", "d"] }]);
  assert.deepEqual(pgIndexes(heading({ attributes, foreignKeys: [fk(["b"])] })), [{ unique: false, columns: ["b"] }], "b is in the key, but not its prefix");
  assert.deepEqual(pgIndexes(heading({ attributes, foreignKeys: [fk(["c"], true)], indexes: [{ unique: true, columns: ["c"] }] })), [{ unique: true, columns: ["c"] }]);
  assert.equal(indexName("subject", ["species"]), "idx_subject_species", "the fixture's index name");
  assert.equal(indexName("t", ["a_very_long_column_name", "another_long_one"]), "idx_t_a_very_long_column_name_anothe", "the first 30 characters of the joined names");
});

test("defaults read back without PostgreSQL's casts, in dj's neutral form", () => {
  assert.equal(definitionDefault("''::character varying"), "''");
  assert.equal(definitionDefault("'it''s'::character varying"), "'it''s'");
  assert.equal(definitionDefault("NULL::character varying"), null);
  assert.equal(definitionDefault("7"), "7");
  assert.equal(definitionDefault("'-1'::integer"), "-1");
  assert.equal(definitionDefault("true"), "TRUE");
  assert.equal(definitionDefault("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
  assert.equal(definitionDefault("'a\\b'::text"), "'a\\\\b'");
  assert.equal(definitionDefault(null), null);
});

test("names PostgreSQL would cut to 63 bytes are refused, as DataJoint refuses them", () => {
  const c = new PostgresCompiler();
  assert.throws(() => c.createTable(heading({ table: "x".repeat(64), attributes: [attr("a", true)] })), /table name x+ is longer than 63 bytes/);
  assert.throws(() => c.createSchema("s".repeat(64)), /schema name s+ is longer than 63 bytes/);
  assert.match(c.createTable(heading({ table: "x".repeat(63), attributes: [attr("a", true)] }))[0]!, /^CREATE TABLE IF NOT EXISTS "s"."x{63}"/);
});

test("an enum value holding the dollar-quote tag cannot end the DO block early", async () => {
  const { createEnumTypes } = await import("../../src/db/postgres/compiler.js");
  const attr = { name: "k", sqlType: "", type: "enum('a$dj$b','$dj0$')", codec: null, marker: true, nullable: false, default: null, comment: "", inKey: false, hidden: false };
  const [sql] = createEnumTypes("s", [attr]);
  const tag = /^DO (\$\w*\$) /.exec(sql!)![1]!;
  assert.equal(tag, "$dj1$");
  // The body between the tags is exactly one CREATE TYPE holding both values as literals.
  const body = sql!.slice(`DO ${tag} `.length, sql!.lastIndexOf(` END ${tag}`));
  assert.ok(!body.includes(tag));
  assert.match(body, /^BEGIN CREATE TYPE "s"\."enum_[0-9a-f]{8}" AS ENUM \('\$dj0\$', 'a\$dj\$b'\)|^BEGIN CREATE TYPE "s"\."enum_[0-9a-f]{8}" AS ENUM \('a\$dj\$b', '\$dj0\$'\)/);
});

test("an index name PostgreSQL would cut is refused before anything runs", async () => {
  const { PostgresCompiler } = await import("../../src/db/postgres/compiler.js");
  const long = "t".repeat(40);
  const a = (name: string, inKey: boolean) => ({ name, sqlType: "int", type: "int32", codec: null, marker: true, nullable: false, default: null, comment: "", inKey, hidden: false });
  const h = { schema: "s", table: long, className: "T", tier: "manual" as const, master: null, comment: "", attributes: [a("id", true), a("value_with_a_long_name", false)], foreignKeys: [], indexes: [{ unique: false, columns: ["value_with_a_long_name"] }], lineage: {} };
  assert.throws(() => new PostgresCompiler().createTable(h as never), (e: unknown) => /index name idx_t{40}_value_with_a_long_name is longer than 63 bytes/.test((e as Error).message));
});
