/**
 * `dj tables`, `dj describe` and `dj drop`: the tables of a schema as plain rows, definitions
 * rebuilt from the database, and dropping a table — refused while other tables depend on it;
 * its `~lineage` rows go with it.
 */
import { ConflictError, UsageError } from "../errors.js";
import type { Dialect } from "../db/types.js";
import type { Heading } from "../schema/heading.js";
import { openSession, openTable, type SessionOptions } from "./session.js";
import { assertSchemaExists, schemaTables } from "./schema-tables.js";
import { keyCondition } from "../db/condition.js";

export interface TableRow {
  table: string;
  className: string;
  tier: string;
  rows: number;
  codecs: string[];
  comment: string;
}

/** The tables of a schema (the argument, else the config's). */
export async function listTables(opts: SessionOptions, schemaArg: string | undefined): Promise<{ schema: string; tables: TableRow[] }> {
  const { config, dialect } = await openSession(opts);
  const schema = schemaArg ?? config.schema;
  if (!schema) throw new UsageError("name a schema (dj tables SCHEMA) or set \"schema\" in the config");
  await assertSchemaExists(dialect.introspector, schema);
  const { parseSqlName } = await import("../schema/naming.js");
  const tables = (await schemaTables(dialect.introspector, schema)).map(({ info, heading: h }) => ({
    table: info.name,
    className: h.master ? `${parseSqlName(h.master)?.className}.${h.className}` : h.className,
    tier: h.tier,
    rows: info.rows,
    codecs: [...new Set(h.attributes.filter((a) => a.codec).map((a) => a.type))],
    comment: info.comment,
  }));
  return { schema, tables };
}

/** One table's definition (`table` set), or every table of a schema, in .dj format. */
export async function describeTables(
  opts: SessionOptions,
  ref: string | undefined,
  schemaOpt: string | undefined,
): Promise<{ schema: string; table?: string; definition: string }> {
  const { describeSchema, describeTable } = await import("../schema/describe.js");
  if (ref) {
    const { heading } = await openTable(opts, ref, schemaOpt);
    return { schema: heading.schema, table: heading.table, definition: describeTable(heading) };
  }
  const { config, dialect } = await openSession(opts);
  const schema = schemaOpt ?? config.schema;
  if (!schema) throw new UsageError("name a table, or a schema with --schema");
  await assertSchemaExists(dialect.introspector, schema);
  const headings = (await schemaTables(dialect.introspector, schema)).map((t) => t.heading);
  return { schema, definition: describeSchema(schema, headings) };
}

/** What dropping a table would remove, and the drop (run after the user agreed). */
export interface TableDropPlan {
  schema: string;
  table: string;
  rows: number;
  drop(): Promise<void>;
}

/** Refuses (exit 8) while other tables depend on the table. */
export async function planTableDrop(opts: SessionOptions, ref: string, schema: string | undefined): Promise<TableDropPlan> {
  const { session, heading: h } = await openTable(opts, ref, schema);
  const { dialect } = session;
  await refuseWithChildren(dialect, h);
  const { rows } = await dialect.driver.query<{ n: number }>(dialect.compiler.count(h.schema, h.table, []));
  return { schema: h.schema, table: h.table, rows: Number(rows[0]?.n ?? 0), drop: () => dropTable(dialect, h) };
}

async function refuseWithChildren(dialect: Dialect, h: Heading): Promise<void> {
  const children = (await dialect.introspector.children(h.schema, h.table))
    .filter((c) => !(c.schema === h.schema && c.table === h.table))
    .map((c) => `${c.schema}.${c.table}`);
  if (children.length) {
    throw new ConflictError(`cannot drop ${h.schema}.${h.table}: ${children.join(", ")} depend${children.length === 1 ? "s" : ""} on it`, {
      hint: "drop the dependent tables first",
      code: "drop.children",
    });
  }
}

async function dropTable(dialect: Dialect, h: Heading): Promise<void> {
  // Checked again: a child may have been declared while the user was asked.
  await refuseWithChildren(dialect, h);
  const { compiler, introspector } = dialect;
  const hasLineage = await introspector.tableExists(h.schema, "~lineage");
  await dialect.driver.transaction(async (conn) => {
    for (const sql of compiler.dropTable(h.schema, h.table)) await conn.query(sql);
    if (hasLineage) {
      const where = compiler.where(keyCondition({ table_name: h.table }));
      await conn.query(compiler.delete(h.schema, "~lineage", where.clauses), where.params);
    }
  });
}
