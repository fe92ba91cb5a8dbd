/** The codecs used by a schema's tables, read from the column markers (for `dj codecs check --schema`). */
import type { ResolvedConfig } from "../config/types.js";
import { DatabaseError } from "../errors.js";

export async function codecsUsedBySchema(
  config: ResolvedConfig,
  schema: string,
): Promise<Array<{ table: string; attribute: string; codec: string }>> {
  const { openDialect } = await import("../db/open.js");
  const { introspector } = await openDialect(config);
  if (!(await introspector.schemaExists(schema))) throw new DatabaseError(`schema ${schema} does not exist`, { code: "db.schema" });
  const uses: Array<{ table: string; attribute: string; codec: string }> = [];
  for (const t of await introspector.tables(schema)) {
    const h = await introspector.heading(schema, t.name);
    for (const a of h?.attributes ?? []) if (a.codec) uses.push({ table: t.name, attribute: a.name, codec: a.codec.name });
  }
  return uses;
}
