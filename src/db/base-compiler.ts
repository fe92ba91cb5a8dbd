/**
 * The query builders both dialects share — only identifier quoting and the "skip duplicates"
 * insert verb differ. DDL (tables, lineage) stays in each dialect's own compiler.
 */
import type { Heading } from "../schema/heading.js";
import { conditionSql, type Condition, type SelectOptions } from "./condition.js";
import type { Param, SqlCompiler } from "./types.js";

export abstract class BaseCompiler implements SqlCompiler {
  abstract quote(identifier: string): string;
  /** The ESCAPE clause after a LIKE pattern that makes `\\` the escape character (condition.ts). */
  protected abstract likeEscape: string;
  /**
   * The LIMIT written for an OFFSET without a limit (MySQL and SQLite need one; DataJoint
   * itself writes a large number), or null when the dialect takes a bare OFFSET.
   */
  protected noLimit: string | null = "18446744073709551615";
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

  select(schema: string, table: string, columns: string[], where: string[], opts: SelectOptions = {}): string {
    let sql = `SELECT ${columns.length ? this.list(columns) : "*"} FROM ${this.table(schema, table)}${this.whereClause(where)}`;
    if (opts.orderBy?.length) sql += ` ORDER BY ${opts.orderBy.map((o) => `${this.quote(o.column)}${o.descending ? " DESC" : " ASC"}`).join(", ")}`;
    // Counts are checked whole numbers by the service; truncated again so no text can get here.
    const whole = (n: number) => String(Math.max(0, Math.trunc(n)));
    const offset = opts.offset ? whole(opts.offset) : null;
    if (opts.limit !== undefined) sql += ` LIMIT ${whole(opts.limit)}`;
    else if (offset !== null && this.noLimit !== null) sql += ` LIMIT ${this.noLimit}`;
    if (offset !== null) sql += ` OFFSET ${offset}`;
    return sql;
  }

  delete(schema: string, table: string, where: string[]): string {
    return `DELETE FROM ${this.table(schema, table)}${this.whereClause(where)}`;
  }

  count(schema: string, table: string, where: string[]): string {
    return `SELECT COUNT(*) AS n FROM ${this.table(schema, table)}${this.whereClause(where)}`;
  }

  where(condition: Condition | null): { clauses: string[]; params: Param[] } {
    if (condition === null) return { clauses: [], params: [] };
    const { sql, params } = conditionSql(condition, { quote: (c) => this.quote(c), likeEscape: this.likeEscape });
    return { clauses: [condition.kind === "or" ? `(${sql})` : sql], params };
  }

  private whereClause(where: string[]): string {
    return where.length ? ` WHERE ${where.join(" AND ")}` : "";
  }
}
