/**
 * Headings read back from MySQL/MariaDB (datajoint-compat.md §2.3): information_schema columns,
 * keys and foreign keys; `:type:comment` markers parsed back; MariaDB's JSON-as-longtext
 * recognised through the marker; columns without a marker typed from their SQL type; an
 * unknown codec kept as an opaque codec spec rather than failing the table.
 */
import { codecOfMarker } from "../../codecs/typespec.js";
import type { Attribute, ForeignKey, Heading, Index } from "../../schema/heading.js";
import { matchType, nativeTypeFromSql, TypeError_, typeFromSql } from "../../schema/types.js";
import type { Connection, Introspector, TableInfo } from "../types.js";
import { assembleHeading, sameColumns } from "../read-heading.js";
import { quoteIdent } from "./compiler.js";

const SYSTEM_SCHEMAS = new Set(["information_schema", "mysql", "performance_schema", "sys"]);

interface ColumnRow {
  COLUMN_NAME: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
  COLUMN_KEY: string;
  COLUMN_COMMENT: string;
  EXTRA?: string;
}

interface KeyRow {
  CONSTRAINT_NAME: string;
  COLUMN_NAME: string;
  REFERENCED_TABLE_SCHEMA: string | null;
  REFERENCED_TABLE_NAME: string | null;
  REFERENCED_COLUMN_NAME: string | null;
}

/** A column default as the definition language writes it (`"x"`, `0`, `CURRENT_TIMESTAMP`). */
function definitionDefault(columnDefault: string | null): string | null {
  if (columnDefault === null || columnDefault.toUpperCase() === "NULL") return null;
  if (/^current_timestamp(\(\d*\))?$/i.test(columnDefault)) return "CURRENT_TIMESTAMP";
  if (columnDefault.startsWith("'") && columnDefault.endsWith("'")) return columnDefault;
  return columnDefault;
}

export function attributeFromColumn(c: ColumnRow, inKey: boolean): Attribute {
  const marker = /^:([^:]+):(.*)$/s.exec(c.COLUMN_COMMENT ?? "");
  const nullable = c.IS_NULLABLE === "YES";
  const base = {
    name: c.COLUMN_NAME,
    nullable,
    default: nullable ? "NULL" : definitionDefault(c.COLUMN_DEFAULT),
    inKey,
    hidden: c.COLUMN_NAME.startsWith("_"),
  };
  if (marker) {
    const type = marker[1]!;
    const comment = marker[2]!;
    if (type.startsWith("<")) {
      const codec = codecOfMarker(type);
      const sqlType = /blob/i.test(c.COLUMN_TYPE) ? "longblob" : "json";
      return { ...base, sqlType, type, codec, marker: true, comment };
    }
    let sqlType = c.COLUMN_TYPE;
    try {
      sqlType = matchType(type).sqlType;
    } catch (err) {
      // A type this version does not know: keep the column's own SQL type.
      if (!(err instanceof TypeError_)) throw err;
    }
    return { ...base, sqlType, type, codec: null, marker: true, comment };
  }
  // No marker: a native type as declared (`cell : int` stays `int`), or a foreign-key column.
  const native = nativeTypeFromSql(c.COLUMN_TYPE, c.EXTRA ?? "");
  return {
    ...base,
    sqlType: c.COLUMN_TYPE,
    type: native ?? typeFromSql(c.COLUMN_TYPE),
    codec: null,
    marker: false,
    comment: c.COLUMN_COMMENT ?? "",
  };
}

export class MysqlIntrospector implements Introspector {
  constructor(private readonly db: Connection) {}

  async schemas(): Promise<string[]> {
    const { rows } = await this.db.query<{ SCHEMA_NAME: string }>("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME");
    return rows.map((r) => r.SCHEMA_NAME).filter((s) => !SYSTEM_SCHEMAS.has(s));
  }

  async schemaExists(schema: string): Promise<boolean> {
    const { rows } = await this.db.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [schema]);
    return rows.length > 0;
  }

  async tables(schema: string): Promise<TableInfo[]> {
    const { rows } = await this.db.query<{ TABLE_NAME: string; TABLE_COMMENT: string }>(
      "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE '~%' ORDER BY TABLE_NAME",
      [schema],
    );
    const out: TableInfo[] = [];
    for (const r of rows) {
      const count = await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(r.TABLE_NAME)}`);
      out.push({ name: r.TABLE_NAME, comment: r.TABLE_COMMENT, rows: Number(count.rows[0]?.n ?? 0) });
    }
    return out;
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    const { rows } = await this.db.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", [schema, table]);
    return rows.length > 0;
  }

  async heading(schema: string, table: string): Promise<Heading | null> {
    const info = await this.db.query<{ TABLE_COMMENT: string }>(
      "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      [schema, table],
    );
    if (info.rows.length === 0) return null;
    const cols = await this.db.query<ColumnRow>(
      "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, COLUMN_COMMENT, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
      [schema, table],
    );
    const keys = await this.db.query<KeyRow>(
      "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION",
      [schema, table],
    );
    const pk = new Set(keys.rows.filter((k) => k.CONSTRAINT_NAME === "PRIMARY").map((k) => k.COLUMN_NAME));
    const attributes = cols.rows.map((c) => attributeFromColumn(c, pk.has(c.COLUMN_NAME)));

    const fkByName = new Map<string, KeyRow[]>();
    for (const k of keys.rows) {
      if (!k.REFERENCED_TABLE_NAME) continue;
      fkByName.set(k.CONSTRAINT_NAME, [...(fkByName.get(k.CONSTRAINT_NAME) ?? []), k]);
    }
    const indexes = await this.indexes(schema, table);
    const foreignKeys: ForeignKey[] = [...fkByName.values()].map((rows) => {
      const columns = rows.map((r) => r.COLUMN_NAME);
      return {
        parentSchema: rows[0]!.REFERENCED_TABLE_SCHEMA!,
        parentTable: rows[0]!.REFERENCED_TABLE_NAME!,
        columns,
        refColumns: rows.map((r) => r.REFERENCED_COLUMN_NAME!),
        nullable: columns.every((c) => attributes.find((a) => a.name === c)?.nullable),
        unique: indexes.some((ix) => ix.unique && sameColumns(ix.columns, columns)),
      };
    });
    // Declaration order: InnoDB numbers the constraints it names (`<table>_ibfk_<n>`) in the
    // order of the CREATE TABLE; other names fall back to the position of their first column.
    const position = (c: string) => attributes.findIndex((a) => a.name === c);
    const ordinal = (name: string) => Number(/_ibfk_(\d+)$/.exec(name)?.[1] ?? NaN);
    const names = [...fkByName.keys()];
    const order = foreignKeys.map((fk, i) => ({ fk, n: ordinal(names[i]!), pos: position(fk.columns[0]!) }));
    order.sort((a, b) => (Number.isNaN(a.n) || Number.isNaN(b.n) ? a.pos - b.pos : a.n - b.n));
    foreignKeys.splice(0, foreignKeys.length, ...order.map((o) => o.fk));
    return assembleHeading({ schema, table, comment: info.rows[0]!.TABLE_COMMENT, attributes, foreignKeys, indexes, lineage: (await this.lineage(schema))[table] ?? {} });
  }

  private async indexes(schema: string, table: string): Promise<Index[]> {
    const { rows } = await this.db.query<{ INDEX_NAME: string; NON_UNIQUE: number; COLUMN_NAME: string }>(
      "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
      [schema, table],
    );
    const byName = new Map<string, Index>();
    for (const r of rows) {
      const ix = byName.get(r.INDEX_NAME) ?? { unique: Number(r.NON_UNIQUE) === 0, columns: [] };
      ix.columns.push(r.COLUMN_NAME);
      byName.set(r.INDEX_NAME, ix);
    }
    return [...byName.values()];
  }

  async children(schema: string, table: string): Promise<Array<{ schema: string; table: string }>> {
    const { rows } = await this.db.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
      "SELECT DISTINCT TABLE_SCHEMA, TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? ORDER BY TABLE_SCHEMA, TABLE_NAME",
      [schema, table],
    );
    return rows.map((r) => ({ schema: r.TABLE_SCHEMA, table: r.TABLE_NAME }));
  }

  async lineage(schema: string): Promise<Record<string, Record<string, string>>> {
    if (!(await this.tableExists(schema, "~lineage"))) return {};
    const { rows } = await this.db.query<{ table_name: string; attribute_name: string; lineage: string }>(
      `SELECT table_name, attribute_name, lineage FROM ${quoteIdent(schema)}.\`~lineage\``,
    );
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[r.table_name] ??= {})[r.attribute_name] = r.lineage;
    return out;
  }
}

