/**
 * A PostgreSQL schema as the server's catalog has it, for comparing two schemas (declared fresh
 * vs. re-declared from a description, or altered): per table its comment, columns (type as
 * format_type prints it, NOT NULL, default expression, comment with its marker), constraints
 * (pg_get_constraintdef), indexes (pg_get_indexdef); the schema's enum types with their labels;
 * the ~lineage rows. The schema's name is replaced by `S` everywhere, so two schemas compare.
 */
import type pg from "pg";

export interface CatalogOptions {
  /** Columns by name instead of by position (PostgreSQL appends added columns at the end). */
  ignoreColumnOrder?: boolean;
  /** Leave schema names as they are (the caller renames several schemas itself). */
  keepNames?: boolean;
}

export async function pgCatalog(client: pg.Client, schema: string, opts: CatalogOptions = {}): Promise<Record<string, unknown>> {
  const norm = (v: unknown) => (typeof v === "string" && !opts.keepNames ? v.split(schema).join("S") : v);
  const q = async (sql: string, params: unknown[] = [schema]) => (await client.query(sql, params)).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])));
  const tables = await q(
    `SELECT c.oid::int8 AS oid, c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname COLLATE "C"`,
  );
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    const oid = [t.oid];
    const columns = await q(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS "default", col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY ${opts.ignoreColumnOrder ? 'a.attname COLLATE "C"' : "a.attnum"}`,
      oid,
    );
    // Constraint definitions name columns, not positions, so they compare across column orders.
    const constraints = await q(`SELECT conname AS name, contype AS kind, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1 ORDER BY conname COLLATE "C"`, oid);
    const indexes = await q(`SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1 ORDER BY c.relname COLLATE "C"`, oid);
    out[`table ${t.name}`] = { comment: t.comment, columns, constraints, indexes };
  }
  out.enums = await q(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname COLLATE "C"`,
  );
  if (tables.some((t) => t.name === "~lineage")) {
    out.lineage = await q(`SELECT table_name, attribute_name, lineage FROM "${schema.replace(/"/g, '""')}"."~lineage" ORDER BY table_name COLLATE "C", attribute_name COLLATE "C"`, []);
  }
  return out;
}
