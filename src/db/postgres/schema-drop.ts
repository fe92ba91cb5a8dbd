/**
 * Dropping a PostgreSQL schema. `DROP SCHEMA … CASCADE` takes the schema's tables and enum types
 * with it, as DataJoint does — but CASCADE also reaches outside: it silently drops the foreign
 * keys of other schemas' tables that point into this one, and the columns of other schemas'
 * tables typed by its enums (a child inherits its parent's enum type). MySQL refuses to drop a
 * database other tables depend on, so dj refuses here too, and checks inside the transaction
 * that drops (PostgreSQL DDL is transactional), so nothing can start depending in between.
 */
import { ConflictError } from "../../errors.js";
import type { Connection, Driver } from "../types.js";
import { quoteIdent } from "./compiler.js";

/** Tables outside `schema` that depend on it, as `schema.table (why)`. */
async function dependents(conn: Connection, schema: string): Promise<string[]> {
  const { rows: fks } = await conn.query<{ s: string; t: string; c: string }>(
    `SELECT cn.nspname AS s, cr.relname AS t, con.conname AS c
       FROM pg_constraint con
       JOIN pg_class cr ON cr.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cr.relnamespace
       JOIN pg_class pr ON pr.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pr.relnamespace
      WHERE con.contype = 'f' AND pn.nspname = ? AND cn.nspname <> ?
      ORDER BY 1, 2, 3`,
    [schema, schema],
  );
  const { rows: typed } = await conn.query<{ s: string; t: string; c: string }>(
    `SELECT cn.nspname AS s, c.relname AS t, a.attname AS c
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_type ty ON ty.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = ty.typnamespace
      WHERE tn.nspname = ? AND cn.nspname <> ? AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
      ORDER BY 1, 2, 3`,
    [schema, schema],
  );
  return [
    ...fks.map((r) => `${r.s}.${r.t} (foreign key ${r.c})`),
    ...typed.map((r) => `${r.s}.${r.t} (column ${r.c} has a type of ${schema})`),
  ];
}

export async function dropPostgresSchema(driver: Driver, schema: string): Promise<void> {
  await driver.transaction(async (conn) => {
    const found = await dependents(conn, schema);
    if (found.length) {
      const shown = found.slice(0, 10).join(", ") + (found.length > 10 ? `, and ${found.length - 10} more` : "");
      throw new ConflictError(`cannot drop schema ${schema}: tables of other schemas depend on it: ${shown}`, {
        hint: "drop those tables (or their schemas) first",
        code: "drop.children",
      });
    }
    await conn.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  });
}
