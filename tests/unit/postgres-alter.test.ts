/**
 * The pure parts of `dj alter` on PostgreSQL (src/db/postgres/alter.ts) and of the PostgreSQL
 * corpus fixes: the statements for each kind of change, MySQL-only native types refused, and
 * columns read back as declared (serial, float, enum defaults). Expected SQL is written out by
 * hand from PostgreSQL's ALTER TABLE / COMMENT ON syntax.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { postgresAlter } from "../../src/db/postgres/alter.js";
import { PostgresCompiler } from "../../src/db/postgres/compiler.js";
import { attributeFromPgColumn, definitionDefault } from "../../src/db/postgres/introspector.js";
import { mysqlOnlyType } from "../../src/db/postgres/types.js";
import { compileTable, type CompileContext } from "../../src/schema/compile.js";
import { parseDefinition } from "../../src/schema/definition.js";
import type { Heading } from "../../src/schema/heading.js";
import { diffHeadings, isIdentical } from "../../src/schema/heading-diff.js";
import { parsePipelineFile } from "../../src/schema/pipeline-file.js";

const ctx: CompileContext = { parent: async () => null as unknown as Heading, codecDtype: async () => "bytes" };
async function heading(body: string): Promise<Heading> {
  const [decl] = parsePipelineFile("p.dj", `T (manual)\n${body}`, "lab");
  return compileTable(decl!, parseDefinition("p.dj", decl!.lines), ctx, null);
}
// Enum type names: md5 of the sorted values joined by "_", first 8 hex digits (computed with Python's hashlib).
const T = '"lab"."t"';

test("added, dropped and changed attributes, the table comment: PostgreSQL statements in order", async () => {
  const a = await heading("    # one\n    id : int32\n    ---\n    x : int32\n    gone : float32\n    e = 'a' : enum('a','b')\n");
  const b = await heading("    # two\n    id : int32\n    ---\n    x = null : int64  # now\n    new = 'q' : varchar(4)\n    e = 'b' : enum('a','b','c')\n");
  const d = diffHeadings(a, b);
  const s = postgresAlter(T, a, b, d);
  assert.deepEqual(s.before, []);
  assert.deepEqual(s.after, []);
  assert.equal(s.onlyWhenEmpty, undefined);
  assert.deepEqual(s.statements, [
    `DO $dj$ BEGIN CREATE TYPE "lab"."enum_8d28cddc" AS ENUM ('a', 'b', 'c'); EXCEPTION WHEN duplicate_object THEN NULL; END $dj$`,
    `ALTER TABLE ${T} DROP COLUMN "gone"`,
    `ALTER TABLE ${T} ADD COLUMN "new" varchar(4) NOT NULL DEFAULT 'q'`,
    `COMMENT ON COLUMN ${T}."new" IS ':varchar(4):'`,
    `ALTER TABLE ${T} ALTER COLUMN "x" TYPE bigint`,
    `ALTER TABLE ${T} ALTER COLUMN "x" DROP DEFAULT`,
    `ALTER TABLE ${T} ALTER COLUMN "x" DROP NOT NULL`,
    `COMMENT ON COLUMN ${T}."x" IS ':int64:now'`,
    `ALTER TABLE ${T} ALTER COLUMN "e" DROP DEFAULT`,
    `ALTER TABLE ${T} ALTER COLUMN "e" TYPE "lab"."enum_8d28cddc" USING "e"::text::"lab"."enum_8d28cddc"`,
    `ALTER TABLE ${T} ALTER COLUMN "e" SET DEFAULT 'b'`,
    `COMMENT ON COLUMN ${T}."e" IS ':enum(''a'',''b'',''c''):'`,
    `COMMENT ON TABLE ${T} IS 'two'`,
    `DO $dj$ BEGIN DROP TYPE "lab"."enum_dbf08e00"; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $dj$`,
  ]);
});

test("a comment-only change and a removed comment; a new non-null column without default needs an empty table", async () => {
  const a = await heading("    # one\n    id : int32\n    ---\n    x : int32  # old\n");
  const b = await heading("    id : int32\n    ---\n    x : int32\n    y : float64\n");
  const s = postgresAlter(T, a, b, diffHeadings(a, b));
  assert.deepEqual(s.statements, [
    `ALTER TABLE ${T} ADD COLUMN "y" double precision NOT NULL`,
    `COMMENT ON COLUMN ${T}."y" IS ':float64:'`,
    `COMMENT ON COLUMN ${T}."x" IS ':int32:'`,
    `COMMENT ON TABLE ${T} IS NULL`,
  ]);
  assert.match(s.onlyWhenEmpty ?? "", /PostgreSQL cannot fill the new non-null attribute y/);
});

test("MySQL-only native types are refused by name, at declare and at alter; PostgreSQL's pass", async () => {
  for (const t of ["int unsigned", "tinyint", "mediumint", "int(11)", "double", "year", "year(4)", "longblob", "blob", "mediumtext", "varbinary(8)", "int auto_increment", "set('a')"]) assert.ok(mysqlOnlyType(t), t);
  for (const t of ["int", "integer", "smallint", "bigint", "serial", "real", "float", "numeric(8,2)", "text", "time", "timestamp(3)", "double precision"]) assert.equal(mysqlOnlyType(t), null, t);
  const bad = await heading("    id : int32\n    ---\n    n : tinyint\n");
  assert.throws(() => new PostgresCompiler().createTable(bad), /lab\.T: attribute n has the native type tinyint, and PostgreSQL has no tinyint or mediumint/);
  const ok = await heading("    id : int32\n");
  assert.throws(() => postgresAlter(T, ok, bad, diffHeadings(ok, bad)), /attribute n has the native type tinyint/);
});

test("read back as declared: an enum default without its schema-qualified cast, serial, float; bool defaults compare by value", async () => {
  assert.equal(definitionDefault("'low'::lab.enum_7027a361"), "'low'");
  assert.equal(definitionDefault(`'low'::"my lab".enum_7027a361`), "'low'");
  const col = { notnull: true, comment: null, typtype: "b", type_schema: "pg_catalog", labels: null };
  const serial = attributeFromPgColumn({ ...col, name: "id", formatted: "integer", dflt: "nextval('lab.t_id_seq'::regclass)", typname: "int4" } as never, true, false);
  assert.equal(serial.type, "serial");
  assert.equal(serial.default, null);
  const float = attributeFromPgColumn({ ...col, name: "f", formatted: "double precision", dflt: null, typname: "float8" } as never, false, false);
  assert.equal(float.type, "float");
  const inherited = attributeFromPgColumn({ ...col, name: "f", formatted: "double precision", dflt: null, typname: "float8" } as never, false, true);
  assert.equal(inherited.type, "float64", "an inherited column is typed by its core type");
  const a = await heading("    id : int32\n    ---\n    b = 0 : bool\n");
  const b = await heading("    id : int32\n    ---\n    b = false : bool\n");
  assert.ok(isIdentical(diffHeadings(a, b)));
  const c = await heading("    id : int32\n    ---\n    b = true : bool\n");
  assert.deepEqual(diffHeadings(a, c).changed.map((x) => x.fields), [["default"]]);
});
