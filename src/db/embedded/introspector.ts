/** Headings of the embedded database, read from each schema's `~dj_heading` table. */
import type { Heading } from "../../schema/heading.js";
import type { Introspector, TableInfo } from "../types.js";
import { quoteIdent } from "./compiler.js";
import type { SqliteDriver } from "./driver.js";

export class SqliteIntrospector implements Introspector {
  constructor(private readonly driver: SqliteDriver) {}

  async schemas(): Promise<string[]> {
    return this.driver.attached().sort();
  }

  async schemaExists(schema: string): Promise<boolean> {
    return this.driver.attached().includes(schema);
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    if (!(await this.schemaExists(schema))) return false;
    const { rows } = await this.driver.query(`SELECT 1 FROM ${quoteIdent(schema)}.sqlite_master WHERE type = 'table' AND name = ?`, [table]);
    return rows.length > 0;
  }

  private async headings(schema: string): Promise<Heading[]> {
    if (!(await this.tableExists(schema, "~dj_heading"))) return [];
    const { rows } = await this.driver.query<{ heading: string }>(`SELECT heading FROM ${quoteIdent(schema)}."~dj_heading" ORDER BY table_name`);
    return rows.map((r) => JSON.parse(r.heading) as Heading);
  }

  async tables(schema: string): Promise<TableInfo[]> {
    const out: TableInfo[] = [];
    for (const h of await this.headings(schema)) {
      if (!(await this.tableExists(schema, h.table))) continue;
      const { rows } = await this.driver.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(h.table)}`);
      out.push({ name: h.table, comment: h.comment, rows: Number(rows[0]?.n ?? 0) });
    }
    return out;
  }

  async heading(schema: string, table: string): Promise<Heading | null> {
    if (!(await this.tableExists(schema, table))) return null;
    const h = (await this.headings(schema)).find((x) => x.table === table);
    if (!h) return null;
    return { ...h, lineage: (await this.lineage(schema))[table] ?? {} };
  }

  async children(schema: string, table: string): Promise<Array<{ schema: string; table: string }>> {
    const out: Array<{ schema: string; table: string }> = [];
    for (const s of await this.schemas()) {
      for (const h of await this.headings(s)) {
        if (h.foreignKeys.some((f) => f.parentSchema === schema && f.parentTable === table)) out.push({ schema: s, table: h.table });
      }
    }
    return out;
  }

  async lineage(schema: string): Promise<Record<string, Record<string, string>>> {
    if (!(await this.tableExists(schema, "~lineage"))) return {};
    const { rows } = await this.driver.query<{ table_name: string; attribute_name: string; lineage: string }>(
      `SELECT table_name, attribute_name, lineage FROM ${quoteIdent(schema)}."~lineage"`,
    );
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[r.table_name] ??= {})[r.attribute_name] = r.lineage;
    return out;
  }
}
