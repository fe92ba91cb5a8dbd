/**
 * Which parent row is missing, when the database refused a row for a foreign key. The drivers
 * only say that some constraint failed (MariaDB in its own words, SQLite not even which one);
 * this asks each parent table for the referenced key, so the message names the parent table and
 * the key in dj's words on every database.
 */
import { DatabaseError, isDjError } from "../errors.js";
import { parseSqlName } from "../schema/naming.js";
import type { Heading } from "../schema/heading.js";
import { parseAttributeValue } from "./values.js";
import type { Session } from "./session.js";
import { keyCondition } from "../db/condition.js";

/** `schema.ClassName` (parts as `schema.Master.Part`) for a SQL table name. */
function displayName(schema: string, table: string): string {
  const parsed = parseSqlName(table);
  if (!parsed) return `${schema}.${table}`;
  return `${schema}.${parsed.master ? `${parsed.master.className}.` : ""}${parsed.className}`;
}

/** The first foreign key whose referenced row is absent, as "Parent (k=v, ...)"; null if none. */
export async function missingParent(session: Session, heading: Heading, values: Record<string, string>): Promise<{ parent: string; key: string } | null> {
  const { dialect } = session;
  for (const fk of heading.foreignKeys) {
    const given = fk.columns.map((c) => values[c]);
    if (given.some((v) => v === undefined)) continue; // a nullable reference left empty
    const parent = await dialect.introspector.heading(fk.parentSchema, fk.parentTable);
    const restriction: Record<string, import("../db/types.js").Param> = {};
    fk.refColumns.forEach((col, i) => {
      const type = parent?.attributes.find((a) => a.name === col)?.type ?? "varchar(255)";
      restriction[col] = parseAttributeValue(col, type, given[i]!).sql;
    });
    const where = dialect.compiler.where(keyCondition(restriction));
    const { rows } = await dialect.driver.query<{ n: number | string }>(dialect.compiler.count(fk.parentSchema, fk.parentTable, where.clauses), where.params);
    if (Number(rows[0]?.n ?? 0) === 0) {
      return { parent: displayName(fk.parentSchema, fk.parentTable), key: fk.refColumns.map((c, i) => `${c}=${given[i]}`).join(", ") };
    }
  }
  return null;
}

/**
 * Rewrites a foreign-key refusal into "Parent has no row with k=v", keeping the original as the
 * cause; any other error, or one whose parent cannot be found, is returned as it was.
 */
export async function explainForeignKeyError(err: unknown, session: Session, heading: Heading, rows: Array<Record<string, string>>): Promise<unknown> {
  if (!isDjError(err, "database") || err.code !== "db.foreign_key") return err;
  try {
    for (const values of rows) {
      const missing = await missingParent(session, heading, values);
      if (missing) {
        return new DatabaseError(`the referenced parent row does not exist: ${missing.parent} has no row with ${missing.key} (referenced by ${displayName(heading.schema, heading.table)})`, {
          hint: `insert that row into ${missing.parent} first`,
          code: "db.foreign_key",
          cause: err,
        });
      }
    }
  } catch {
    // Explaining is best effort: the database's own refusal is still true.
  }
  return err;
}
