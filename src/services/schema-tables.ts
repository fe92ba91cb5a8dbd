/**
 * The tables of one schema with their headings, read once through the introspector: the one
 * listing behind `dj tables`, `dj describe --schema`, `dj codecs check --schema`, verify and gc.
 */
import type { Introspector, TableInfo } from "../db/types.js";
import { DatabaseError } from "../errors.js";
import type { Heading } from "../schema/heading.js";

export interface SchemaTable {
  info: TableInfo;
  heading: Heading;
}

/** Throws `db.schema` (exit 4) when the schema is missing. */
export async function assertSchemaExists(introspector: Introspector, schema: string, hint?: string): Promise<void> {
  if (!(await introspector.schemaExists(schema))) throw new DatabaseError(`schema ${schema} does not exist`, { hint, code: "db.schema" });
}

/** Every table of the schema that has a heading (a table dropped meanwhile is left out). */
export async function schemaTables(introspector: Introspector, schema: string): Promise<SchemaTable[]> {
  const out: SchemaTable[] = [];
  for (const info of await introspector.tables(schema)) {
    const heading = await introspector.heading(schema, info.name);
    if (heading) out.push({ info, heading });
  }
  return out;
}
