/**
 * The query builders both dialects share — only identifier quoting and the "skip duplicates"
 * insert verb differ. DDL (tables, lineage) stays in each dialect's own compiler.
 */
import type { Heading } from "../schema/heading.js";
import type { Param, Restriction, SqlCompiler } from "./types.js";

export abstract class BaseCompiler implements SqlCompiler {
  abstract quote(identifier: string): string;
  /**
   * What follows `VALUES (…)` to skip a row whose primary key exists, and only that: a missing
   * parent or a bad value still fails (unlike `INSERT IGNORE`, which turns those into warnings).
   */
  protected abstract skipDuplicatesClause(primaryKey: string[]): string;
  abstract createSchema(schema: string): string;
  abstract createTable(heading: Heading): string[];
  abstract createLineageTable(schema: string): string;
  abstract upsertLineage(schema: string, rows: number): string;
  abstract dropTable(schema: string, table: string): string[];

  protected list(cols: string[]): string {
    return cols.map((c) => this.quote(c)).join(", ");
  }

  table(schema: string, table: string): string {
    return `${this.quote(schema)}.${this.quote(table)}`;
  }

  insert(schema: string, table: string, columns: string[], rows: number, opts: { skipDuplicates?: boolean; primaryKey?: string[] }): string {
    const row = `(${columns.map(() => "?").join(", ")})`;
    const sql = `INSERT INTO ${this.table(schema, table)} (${this.list(columns)}) VALUES ${Array.from({ length: rows }, () => row).join(", ")}`;
    return opts.skipDuplicates ? `${sql} ${this.skipDuplicatesClause(opts.primaryKey ?? [])}` : sql;
  }

  select(schema: string, table: string, columns: string[], where: string[], limit?: number): string {
    let sql = `SELECT ${columns.length ? this.list(columns) : "*"} FROM ${this.table(schema, table)}${this.whereClause(where)}`;
    if (limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.trunc(limit))}`;
    return sql;
  }

  delete(schema: string, table: string, where: string[]): string {
    return `DELETE FROM ${this.table(schema, table)}${this.whereClause(where)}`;
  }

  count(schema: string, table: string, where: string[]): string {
    return `SELECT COUNT(*) AS n FROM ${this.table(schema, table)}${this.whereClause(where)}`;
  }

  where(restriction: Restriction): { clauses: string[]; params: Param[] } {
    const clauses: string[] = [];
    const params: Param[] = [];
    for (const [col, value] of Object.entries(restriction)) {
      if (value === null) clauses.push(`${this.quote(col)} IS NULL`);
      else {
        clauses.push(`${this.quote(col)} = ?`);
        params.push(value);
      }
    }
    return { clauses, params };
  }

  private whereClause(where: string[]): string {
    return where.length ? ` WHERE ${where.join(" AND ")}` : "";
  }
}
