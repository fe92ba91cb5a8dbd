/** `dj schema list | create | drop`: schemas (databases) and the `~lineage` table each one gets. */
import { ConflictError } from "../errors.js";
import { openSession, type SessionOptions } from "./session.js";
import { assertSchemaExists } from "./schema-tables.js";

export async function listSchemas(opts: SessionOptions): Promise<string[]> {
  const { dialect } = await openSession(opts);
  return dialect.introspector.schemas();
}

/** A new schema with its `~lineage` table; refuses one that exists (exit 8). */
export async function createSchema(opts: SessionOptions, name: string): Promise<void> {
  const { dialect } = await openSession(opts);
  if (await dialect.introspector.schemaExists(name)) throw new ConflictError(`schema ${name} already exists`, { code: "schema.exists" });
  await dialect.driver.query(dialect.compiler.createSchema(name));
  await dialect.driver.query(dialect.compiler.createLineageTable(name));
}

/** What dropping a schema would remove, and the drop itself (run after the user agreed). */
export interface SchemaDropPlan {
  schema: string;
  tables: number;
  rows: number;
  drop(): Promise<void>;
}

export async function planSchemaDrop(opts: SessionOptions, name: string): Promise<SchemaDropPlan> {
  const { dialect } = await openSession(opts);
  await assertSchemaExists(dialect.introspector, name);
  const tables = await dialect.introspector.tables(name);
  return { schema: name, tables: tables.length, rows: tables.reduce((n, t) => n + t.rows, 0), drop: () => dialect.dropSchema(name) };
}
