/**
 * `dj alter` on the embedded database. SQLite cannot modify a column, so a change to the stored
 * columns (an attribute added, dropped, or changed in type, nullability or default) rebuilds
 * the table as SQLite documents it: foreign-key enforcement off, then in one transaction create
 * the new table, copy the rows, drop the old one, rename the new one into its place and store
 * the new heading. Child tables keep referencing it by name. The new table is exactly what
 * `dj declare` creates from the file (columns in the file's order). A change of comments only
 * rewrites the stored heading (`~dj_heading`), where SQLite keeps them.
 */
import type { Heading } from "../../schema/heading.js";
import { changesColumns, type HeadingDiff } from "../../schema/heading-diff.js";
import type { AlterStatements } from "../types.js";
import { quoteIdent } from "./compiler.js";

const literal = (s: string) => "'" + s.replace(/'/g, "''") + "'";

/** `create` is the dialect's CREATE TABLE for a heading (the compiler's createTable). */
export function sqliteAlter(existing: Heading, wanted: Heading, diff: HeadingDiff, create: (h: Heading) => string[]): AlterStatements {
  const schema = quoteIdent(wanted.schema);
  const saveHeading = `INSERT OR REPLACE INTO ${schema}."~dj_heading" (table_name, heading) VALUES (${literal(wanted.table)}, ${literal(JSON.stringify({ ...wanted, lineage: {} }))})`;
  if (!changesColumns(diff)) return { before: [], statements: [saveHeading], after: [] };
  const temp = `${wanted.table}~alter`;
  // createTable gives [heading table, CREATE TABLE, heading row]: only the CREATE TABLE is wanted.
  const createTemp = create({ ...wanted, table: temp }).find((s) => s.startsWith("CREATE TABLE IF NOT EXISTS") && !s.includes('"~dj_heading"'))!;
  const kept = wanted.attributes.filter((a) => existing.attributes.some((b) => b.name === a.name)).map((a) => quoteIdent(a.name)).join(", ");
  // Rows copied into the new table have nothing to put in such a column.
  const unfillable = diff.added.filter((a) => !a.attribute.nullable && a.attribute.default === null).map((a) => a.attribute.name);
  return {
    ...(unfillable.length
      ? { onlyWhenEmpty: `the embedded database cannot fill the new non-null attribute${unfillable.length === 1 ? "" : "s"} ${unfillable.join(", ")} (no default) for existing rows` }
      : {}),
    // Legacy renaming: no re-parse of the whole schema (which rejects the double-quoted enum
    // values of CHECK constraints) and no rewriting of other tables' references, which must
    // keep naming the table.
    before: ["PRAGMA foreign_keys = OFF", "PRAGMA legacy_alter_table = ON"],
    statements: [
      createTemp,
      `INSERT INTO ${schema}.${quoteIdent(temp)} (${kept}) SELECT ${kept} FROM ${schema}.${quoteIdent(wanted.table)}`,
      `DROP TABLE ${schema}.${quoteIdent(wanted.table)}`,
      `ALTER TABLE ${schema}.${quoteIdent(temp)} RENAME TO ${quoteIdent(wanted.table)}`,
      saveHeading,
    ],
    after: ["PRAGMA legacy_alter_table = OFF", "PRAGMA foreign_keys = ON"],
  };
}
