/** Dropping a table: refused while other tables depend on it; its `~lineage` rows go with it. */
import { ConflictError } from "../errors.js";
import type { Dialect } from "../db/types.js";
import type { Heading } from "../schema/heading.js";

export async function dependentTables(dialect: Dialect, h: Heading): Promise<string[]> {
  const children = await dialect.introspector.children(h.schema, h.table);
  return children.filter((c) => !(c.schema === h.schema && c.table === h.table)).map((c) => `${c.schema}.${c.table}`);
}

export async function rowCount(dialect: Dialect, h: Heading): Promise<number> {
  const { rows } = await dialect.driver.query<{ n: number }>(dialect.compiler.count(h.schema, h.table, []));
  return Number(rows[0]?.n ?? 0);
}

export async function dropTable(dialect: Dialect, h: Heading): Promise<void> {
  const children = await dependentTables(dialect, h);
  if (children.length) {
    throw new ConflictError(`cannot drop ${h.schema}.${h.table}: ${children.join(", ")} depend${children.length === 1 ? "s" : ""} on it`, {
      hint: "drop the dependent tables first",
      code: "drop.children",
    });
  }
  const { compiler, introspector } = dialect;
  const hasLineage = await introspector.tableExists(h.schema, "~lineage");
  await dialect.driver.transaction(async (conn) => {
    for (const sql of compiler.dropTable(h.schema, h.table)) await conn.query(sql);
    if (hasLineage) {
      const where = compiler.where({ table_name: h.table });
      await conn.query(compiler.delete(h.schema, "~lineage", where.clauses), where.params);
    }
  });
}
