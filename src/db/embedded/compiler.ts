/**
 * SQL text for the embedded SQLite database. Tables get the same columns, keys and foreign keys
 * as on MySQL; what SQLite cannot keep (column comments with DataJoint's `:type:` markers, the
 * table comment, non-unique indexes) is kept in the schema's `~dj_heading` table as the whole
 * heading, so `dj describe`, `dj tables` and every codec behave as on MySQL.
 */
import { ConfigError } from "../../errors.js";
import type { Attribute, Heading } from "../../schema/heading.js";
import type { HeadingDiff } from "../../schema/heading-diff.js";
import { BaseCompiler } from "../base-compiler.js";
import type { AlterStatements } from "../types.js";
import { sqliteAlter } from "./alter.js";

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

const literal = (s: string) => "'" + s.replace(/'/g, "''") + "'";
const list = (cols: string[]) => cols.map(quoteIdent).join(", ");

/** SQLite decides storage by type name; JSON must stay text (its default affinity is NUMERIC). */
function sqliteType(a: Attribute): string {
  if (a.sqlType === "json") return "TEXT";
  // SQLite type names take only numbers in parentheses: an enum is text checked against its values.
  // SQLite reads "M" as a column name: every value becomes a 'single-quoted' literal.
  if (/^enum\s*\(/i.test(a.sqlType)) return `TEXT CHECK (${quoteIdent(a.name)} IN ${a.sqlType.slice(4).trim().replace(/"((?:[^"\\]|\\.)*)"/g, (_m, v: string) => literal(v))})`;
  return a.sqlType;
}

export class SqliteCompiler extends BaseCompiler {
  quote = quoteIdent;
  /** SQLite has no default LIKE escape character: name one. */
  protected likeEscape = " ESCAPE '\\'";
  /** SQLite reads a negative LIMIT as none. */
  protected noLimit = "-1";
  /** SQLite's upsert clause (3.24+): unlike INSERT OR IGNORE it skips key conflicts only. */
  protected skipDuplicatesClause(primaryKey: string[]): string {
    return primaryKey.length ? `ON CONFLICT (${primaryKey.map(quoteIdent).join(", ")}) DO NOTHING` : "ON CONFLICT DO NOTHING";
  }

  constructor(private readonly schemaFile: (schema: string) => string) {
    super();
  }

  createSchema(schema: string): string {
    return `ATTACH DATABASE ${literal(this.schemaFile(schema))} AS ${quoteIdent(schema)}`;
  }

  createTable(h: Heading): string[] {
    const lines = h.attributes.map((a) => {
      let sql = `${quoteIdent(a.name)} ${sqliteType(a)}`;
      if (a.nullable) sql += " DEFAULT NULL";
      else sql += a.default !== null ? ` NOT NULL DEFAULT ${a.default}` : " NOT NULL";
      return sql;
    });
    lines.push(`PRIMARY KEY (${list(h.attributes.filter((a) => a.inKey).map((a) => a.name))})`);
    for (const fk of h.foreignKeys) {
      if (fk.parentSchema !== h.schema) {
        throw new ConfigError(`${h.schema}.${h.table} references ${fk.parentSchema}.${fk.parentTable}: the embedded database cannot reference tables of another schema`, {
          hint: "declare both tables in one schema, or use a MySQL/MariaDB server",
          code: "config.embedded",
        });
      }
      lines.push(`FOREIGN KEY (${list(fk.columns)}) REFERENCES ${quoteIdent(fk.parentTable)} (${list(fk.refColumns)}) ON UPDATE CASCADE ON DELETE RESTRICT`);
    }
    for (const ix of h.indexes) if (ix.unique) lines.push(`UNIQUE (${list(ix.columns)})`);
    return [
      `CREATE TABLE IF NOT EXISTS ${this.table(h.schema, "~dj_heading")} (table_name TEXT PRIMARY KEY, heading TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.table(h.schema, h.table)} (\n${lines.join(",\n")}\n)`,
      `INSERT OR REPLACE INTO ${this.table(h.schema, "~dj_heading")} (table_name, heading) VALUES (${literal(h.table)}, ${literal(JSON.stringify({ ...h, lineage: {} }))})`,
    ];
  }

  alterTable(existing: Heading, wanted: Heading, diff: HeadingDiff): AlterStatements {
    return sqliteAlter(existing, wanted, diff, (h) => this.createTable(h));
  }

  createLineageTable(schema: string): string {
    return `CREATE TABLE IF NOT EXISTS ${this.table(schema, "~lineage")} (table_name varchar(64) NOT NULL, attribute_name varchar(64) NOT NULL, lineage varchar(255) NOT NULL, PRIMARY KEY (table_name, attribute_name))`;
  }

  upsertLineage(schema: string, rows: number): string {
    return `INSERT OR REPLACE INTO ${this.table(schema, "~lineage")} (table_name, attribute_name, lineage) VALUES ${Array.from({ length: rows }, () => "(?, ?, ?)").join(", ")}`;
  }

  dropTable(schema: string, table: string): string[] {
    return [`DROP TABLE ${this.table(schema, table)}`, `DELETE FROM ${this.table(schema, "~dj_heading")} WHERE table_name = ${literal(table)}`];
  }
}
