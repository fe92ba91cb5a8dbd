/** `dj count TABLE`: how many rows match the restriction (`--key`, `--where`), counted by the database. */
import { openTable, type SessionOptions } from "./session.js";
import { restrictionOf, type RestrictionInput } from "./restriction.js";

export interface CountResult {
  /** `schema.table` (SQL name). */
  table: string;
  className: string;
  schema: string;
  rows: number;
}

export async function countRows(opts: SessionOptions, target: { ref: string; schema?: string }, input: RestrictionInput): Promise<CountResult> {
  const { session, heading } = await openTable(opts, target.ref, target.schema);
  const { compiler, driver } = session.dialect;
  const where = compiler.where(restrictionOf(heading, input));
  const { rows } = await driver.query<{ n: number | string | bigint }>(compiler.count(heading.schema, heading.table, where.clauses), where.params);
  return { table: `${heading.schema}.${heading.table}`, className: heading.className, schema: heading.schema, rows: Number(rows[0]?.n ?? 0) };
}
