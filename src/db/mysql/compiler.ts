/**
 * SQL text for MySQL/MariaDB, DDL exactly as DataJoint for Python emits it
 * (datajoint-compat.md §6.1, §12): backquoted names, `COMMENT ":type:comment"` markers,
 * `ENGINE=InnoDB, COMMENT "..."`, foreign keys `ON UPDATE CASCADE ON DELETE RESTRICT`.
 *
 * One deliberate difference (§15.6): comments are escaped (`"` and `\`) everywhere, including
 * comments inherited through foreign keys, where DataJoint emits broken SQL.
 */
import { userIndexes, type Attribute, type Heading } from "../../schema/heading.js";
import type { HeadingDiff } from "../../schema/heading-diff.js";
import { BaseCompiler } from "../base-compiler.js";
import type { AlterStatements } from "../types.js";
import { mysqlAlter } from "./alter.js";

export function quoteIdent(name: string): string {
  return "`" + name.replace(/`/g, "``") + "`";
}

export function commentLiteral(text: string): string {
  return '"' + text.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
}

/** The column comment DataJoint writes: `:type:comment` for core/codec types. */
export function columnComment(a: Attribute): string {
  if (a.foreignKey) return a.type === "uuid" ? `:uuid:${a.comment}` : a.comment;
  return a.marker ? `:${a.type}:${a.comment}` : a.comment;
}

export function columnSql(a: Attribute): string {
  let sql = `${quoteIdent(a.name)} ${a.sqlType}`;
  // DataJoint writes a nullable foreign-key column with no default clause (MySQL's is NULL).
  if (a.nullable) sql += a.foreignKey ? "" : " DEFAULT NULL";
  else sql += a.default !== null ? ` NOT NULL DEFAULT ${a.default}` : " NOT NULL";
  const comment = columnComment(a);
  if (comment !== "") sql += ` COMMENT ${commentLiteral(comment)}`;
  return sql;
}

const list = (cols: string[]) => cols.map(quoteIdent).join(", ");

export class MysqlCompiler extends BaseCompiler {
  quote = quoteIdent;
  /**
   * `\\` is MySQL's default LIKE escape already; said explicitly, as a string literal read with
   * backslash escapes: the session's sql_mode (DATAJOINT_SQL_MODE) has no NO_BACKSLASH_ESCAPES.
   */
  protected likeEscape = " ESCAPE '\\\\'";
  /**
   * DataJoint's own form: a no-op update of the key. The connection leaves FOUND_ROWS off
   * (driver.ts), so a skipped row counts 0 affected rows and an inserted one 1.
   */
  protected skipDuplicatesClause(primaryKey: string[]): string {
    const k = quoteIdent(primaryKey[0]!);
    return `ON DUPLICATE KEY UPDATE ${k} = ${k}`;
  }

  createSchema(schema: string): string {
    return `CREATE DATABASE ${quoteIdent(schema)}`;
  }

  createTable(h: Heading): string[] {
    const lines = h.attributes.map(columnSql);
    lines.push(`PRIMARY KEY (${list(h.attributes.filter((a) => a.inKey).map((a) => a.name))})`);
    for (const fk of h.foreignKeys) {
      lines.push(
        `FOREIGN KEY (${list(fk.columns)}) REFERENCES ${this.table(fk.parentSchema, fk.parentTable)} (${list(fk.refColumns)}) ON UPDATE CASCADE ON DELETE RESTRICT`,
      );
    }
    // DataJoint's spellings: `UNIQUE INDEX (a, b)` for `-> [unique]`, `unique index (a,b)` for index lines.
    const user = new Set(userIndexes(h));
    for (const ix of h.indexes) {
      if (user.has(ix)) lines.push(`${ix.unique ? "unique index" : "index"} (${ix.columns.map(quoteIdent).join(",")})`);
      else lines.push(`UNIQUE INDEX (${list(ix.columns)})`);
    }
    const options = h.comment ? `ENGINE=InnoDB, COMMENT ${commentLiteral(h.comment)}` : "ENGINE=InnoDB";
    return [`CREATE TABLE IF NOT EXISTS ${this.table(h.schema, h.table)} (\n${lines.join(",\n")}\n) ${options}`];
  }

  createLineageTable(schema: string): string {
    return (
      `CREATE TABLE IF NOT EXISTS ${this.table(schema, "~lineage")} (\n` +
      '`table_name` varchar(64) NOT NULL COMMENT "table name within the schema",\n' +
      '`attribute_name` varchar(64) NOT NULL COMMENT "attribute name",\n' +
      '`lineage` varchar(255) NOT NULL COMMENT "origin: schema.table.attribute",\n' +
      "PRIMARY KEY (`table_name`, `attribute_name`)\n) ENGINE=InnoDB"
    );
  }

  upsertLineage(schema: string, rows: number): string {
    const values = Array.from({ length: rows }, () => "(?, ?, ?)").join(", ");
    return `INSERT INTO ${this.table(schema, "~lineage")} (\`table_name\`, \`attribute_name\`, \`lineage\`) VALUES ${values} ON DUPLICATE KEY UPDATE \`lineage\` = VALUES(\`lineage\`)`;
  }

  alterTable(_existing: Heading, wanted: Heading, diff: HeadingDiff): AlterStatements {
    return mysqlAlter(this.table(wanted.schema, wanted.table), wanted, diff);
  }

  dropTable(schema: string, table: string): string[] {
    return [`DROP TABLE ${this.table(schema, table)}`];
  }
}
