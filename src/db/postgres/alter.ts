/**
 * `dj alter` on PostgreSQL. DataJoint for Python's `alter()` writes MySQL clauses (`MODIFY`,
 * `AFTER`, `COMMENT="…"`) on every backend, so it cannot alter a PostgreSQL table; dj writes the
 * PostgreSQL statements that give the table DataJoint's PostgreSQL layout, the one `CREATE TABLE`
 * gives a fresh declaration of the new file (compiler.ts):
 *
 * - added: `ADD COLUMN` with the column text CREATE TABLE uses, then `COMMENT ON COLUMN` (markers);
 * - dropped: `DROP COLUMN`;
 * - changed: `ALTER COLUMN … TYPE`, `SET/DROP DEFAULT`, `SET/DROP NOT NULL`, `COMMENT ON COLUMN`;
 * - enum values changed: the new `enum_<md5>` type is created (DataJoint's naming) and the column
 *   converted through text; the old type is dropped when no column uses it any more;
 * - the table comment: `COMMENT ON TABLE`.
 *
 * New columns go last: PostgreSQL cannot place or move a column, and order is not a difference
 * (heading-diff.ts). PostgreSQL DDL is transactional, so the service runs the whole alter in one
 * transaction (`transactionalDdl`): a failure anywhere leaves every table as it was.
 */
import type { Attribute, Heading } from "../../schema/heading.js";
import type { AttributeChange, HeadingDiff } from "../../schema/heading-diff.js";
import type { AlterStatements } from "../types.js";
import { checkNativeType, columnSql, createEnumTypes, isOwnEnum, literal, pgColumnComment, pgDefault, quoteIdent } from "./compiler.js";
import { enumTypeName } from "./types.js";
import { pgColumnType } from "./types.js";

const commentOn = (table: string, a: Attribute) => {
  const c = pgColumnComment(a);
  return `COMMENT ON COLUMN ${table}.${quoteIdent(a.name)} IS ${c ? literal(c) : "NULL"}`;
};

/** The statements for one changed attribute, in an order the server accepts. */
function changeStatements(table: string, schema: string, c: AttributeChange): string[] {
  const col = `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(c.name)}`;
  const f = c.file;
  const out: string[] = [];
  const type = c.fields.includes("type");
  if (type) {
    // An old default may not cast to the new type (an enum literal of the old type): dropped first.
    if (c.database.default !== null && !c.database.nullable) out.push(`${col} DROP DEFAULT`);
    const pgType = pgColumnType(f, schema, quoteIdent);
    // Only between enum types (or into one) is there no implicit cast: convert through text, and
    // a value the new type lacks fails the alter. Other types convert as the server casts them.
    const using = isOwnEnum(f) ? ` USING ${quoteIdent(c.name)}::text::${pgType}` : "";
    out.push(`${col} TYPE ${pgType}${using}`);
  }
  if (type || c.fields.includes("nullable") || c.fields.includes("default")) {
    if (f.nullable || f.default === null) out.push(`${col} DROP DEFAULT`);
    else out.push(`${col} SET DEFAULT ${pgDefault(f.default)}`);
  }
  if (c.fields.includes("nullable")) out.push(`${col} ${f.nullable ? "DROP" : "SET"} NOT NULL`);
  // The marker carries the type, so a type change rewrites the comment too.
  if (type || c.fields.includes("comment")) out.push(commentOn(table, f));
  return out;
}

/** Enum types of `existing` that no attribute of `wanted` uses: dropped unless another table does. */
function unusedEnumTypes(schema: string, existing: Heading, wanted: Heading): string[] {
  const kept = new Set(wanted.attributes.filter(isOwnEnum).map((a) => enumTypeName(a.type)));
  const old = new Set(existing.attributes.filter(isOwnEnum).map((a) => enumTypeName(a.type)));
  return [...old]
    .filter((n) => !kept.has(n))
    .map((n) => `DO $dj$ BEGIN DROP TYPE ${quoteIdent(schema)}.${quoteIdent(n)}; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $dj$`);
}

export function postgresAlter(table: string, existing: Heading, wanted: Heading, diff: HeadingDiff): AlterStatements {
  const schema = wanted.schema;
  const statements: string[] = [];
  const touched = [...diff.added.map((a) => a.attribute), ...diff.changed.filter((c) => c.fields.includes("type")).map((c) => c.file)];
  for (const a of touched) checkNativeType(wanted, a);
  statements.push(...createEnumTypes(schema, touched));
  for (const a of diff.dropped) statements.push(`ALTER TABLE ${table} DROP COLUMN ${quoteIdent(a.name)}`);
  for (const { attribute: a } of diff.added) {
    statements.push(`ALTER TABLE ${table} ADD COLUMN ${columnSql(a, schema)}`);
    if (pgColumnComment(a)) statements.push(commentOn(table, a));
  }
  for (const c of diff.changed) statements.push(...changeStatements(table, schema, c));
  if (diff.comment) statements.push(`COMMENT ON TABLE ${table} IS ${diff.comment.file ? literal(diff.comment.file) : "NULL"}`);
  statements.push(...unusedEnumTypes(schema, existing, wanted));
  // Existing rows have nothing to put in a new non-null column without a default.
  const unfillable = diff.added.filter((a) => !a.attribute.nullable && a.attribute.default === null).map((a) => a.attribute.name);
  return {
    before: [],
    statements,
    after: [],
    ...(unfillable.length
      ? { onlyWhenEmpty: `PostgreSQL cannot fill the new non-null attribute${unfillable.length === 1 ? "" : "s"} ${unfillable.join(", ")} (no default) for existing rows` }
      : {}),
  };
}
