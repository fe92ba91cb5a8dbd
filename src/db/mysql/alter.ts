/**
 * DataJoint's `Table.alter()` on MySQL: one `ALTER TABLE` with the drops first, then each added
 * or changed attribute in the file's order (`ADD … AFTER <predecessor>`, `MODIFY …`), then
 * `COMMENT="…"`, clauses joined by ",\n\t" as DataJoint prints them. Column definitions are
 * exactly what CREATE TABLE writes (markers in comments), so an altered table and one declared
 * fresh from the new file read back alike. Existing columns are not moved (order is not a
 * difference: heading-diff.ts).
 */
import type { Heading } from "../../schema/heading.js";
import type { HeadingDiff } from "../../schema/heading-diff.js";
import type { AlterStatements } from "../types.js";
import { columnSql, commentLiteral, quoteIdent } from "./compiler.js";

export function mysqlAlter(table: string, wanted: Heading, diff: HeadingDiff): AlterStatements {
  const clauses = diff.dropped.map((a) => `DROP ${quoteIdent(a.name)}`);
  const changes = [
    ...diff.added.map((a) => ({ name: a.attribute.name, sql: `ADD ${columnSql(a.attribute)}${a.after ? ` AFTER ${quoteIdent(a.after)}` : " FIRST"}` })),
    ...diff.changed.map((c) => ({ name: c.name, sql: `MODIFY ${columnSql(c.file)}` })),
  ];
  // In the file's order, as DataJoint walks the new definition: a column is added after its
  // predecessor once that predecessor exists.
  const place = (name: string) => wanted.attributes.findIndex((a) => a.name === name);
  clauses.push(...changes.sort((x, y) => place(x.name) - place(y.name)).map((c) => c.sql));
  if (diff.comment) clauses.push(`COMMENT=${commentLiteral(diff.comment.file)}`);
  if (clauses.length === 0) return { before: [], statements: [], after: [] };
  return { before: [], statements: [`ALTER TABLE ${table}\n\t${clauses.join(",\n\t")}`], after: [] };
}
