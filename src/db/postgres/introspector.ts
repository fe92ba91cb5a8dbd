/**
 * Headings read back from PostgreSQL's catalog (pg_class, pg_attribute, pg_constraint,
 * pg_index, pg_enum). Markers come from the column comments (`col_description`) as DataJoint
 * writes them; inherited foreign-key columns, which DataJoint leaves without a comment, are typed
 * from their SQL type; enum columns resolve to `enum('a','b')` from their labels. The heading is
 * dialect-neutral (MySQL-style sqlType for core types), so services treat it as on MySQL.
 */
import { codecOfMarker } from "../../codecs/typespec.js";
import type { Attribute, ForeignKey, Heading, Index } from "../../schema/heading.js";
import type { Connection, Introspector, TableInfo } from "../types.js";
import { assembleHeading, sameColumns } from "../read-heading.js";
import { quoteIdent } from "./compiler.js";
import { coreTypeFromPg, neutralSqlType } from "./types.js";

interface ColumnRow {
  name: string;
  formatted: string;
  notnull: boolean;
  dflt: string | null;
  comment: string | null;
  typtype: string;
  type_schema: string;
  typname: string;
  labels: string[] | null;
}

/** A column default as the definition language writes it: the literal without PostgreSQL's cast. */
export function definitionDefault(expr: string | null): string | null {
  if (expr === null) return null;
  let d = expr.trim();
  // The cast may name a schema-qualified type: an enum default reads `'low'::s.enum_1a2b3c4d`.
  const cast = /^(.*?)::[a-z0-9_ ".]+(\(\d+(,\d+)?\))?( without time zone)?(\[\])?$/is.exec(d);
  if (cast) d = cast[1]!;
  if (/^null$/i.test(d)) return null;
  if (/^(current_timestamp|now\(\))/i.test(d)) return "CURRENT_TIMESTAMP";
  if (/^'.*'$/s.test(d)) {
    const inner = d.slice(1, -1);
    // A number PostgreSQL quoted (`'-1'::integer`) is a number; text keeps dj's neutral quoting.
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(inner) && cast && !/char|text/i.test(expr) ? inner : `'${inner.replace(/\\/g, "\\\\")}'`;
  }
  if (/^(true|false)$/i.test(d)) return d.toUpperCase();
  return d;
}

/** A PostgreSQL column type in the spelling DDL uses (`varchar(32)`, `timestamp(3)`, `"s"."enum_…"`). */
function sqlTypeOf(c: ColumnRow): string {
  if (c.typtype === "e") return `${quoteIdent(c.type_schema)}.${quoteIdent(c.typname)}`;
  return c.formatted
    .replace(/^character varying/, "varchar")
    .replace(/^character\(/, "char(")
    .replace(/^(timestamp|time)(\(\d+\))? without time zone$/, "$1$2");
}

const SERIALS: Record<string, string> = { integer: "serial", bigint: "bigserial", smallint: "smallserial" };

export function attributeFromPgColumn(c: ColumnRow, inKey: boolean, inherited: boolean): Attribute {
  const pgType = sqlTypeOf(c);
  const nullable = !c.notnull;
  const base = { name: c.name, nullable, default: nullable ? "NULL" : definitionDefault(c.dflt), inKey, hidden: c.name.startsWith("_") };
  // DataJoint escapes `"` as `\"` before writing a comment; PostgreSQL keeps the backslash.
  const comment = (c.comment ?? "").replace(/\\"/g, '"');
  const marker = /^:([^:]+):(.*)$/s.exec(comment);
  if (marker) {
    const type = marker[1]!;
    if (type.startsWith("<")) {
      const codec = codecOfMarker(type);
      return { ...base, sqlType: pgType === "bytea" ? "longblob" : "json", type, codec, marker: true, comment: marker[2]! };
    }
    return { ...base, sqlType: neutralSqlType(type, pgType), type, codec: null, marker: true, comment: marker[2]! };
  }
  // No marker: an inherited foreign-key column (typed from its SQL type), or a native type as declared.
  // `serial` is an integer column whose default draws from its own sequence: described as written.
  const serial = !inherited && /^nextval\(/i.test(c.dflt ?? "") ? SERIALS[pgType] : undefined;
  if (serial) return { ...base, default: null, sqlType: serial, type: serial, codec: null, marker: false, comment };
  // `float` is PostgreSQL's double precision, which it reads back as such; DataJoint's grammar
  // has no `double precision`, so a native one is described as `float`, which declares it again.
  const type = inherited ? coreTypeFromPg(pgType, c.typtype === "e" ? c.labels ?? [] : null) : pgType === "double precision" ? "float" : pgType;
  return { ...base, sqlType: neutralSqlType(type, pgType), type, codec: null, marker: false, comment };
}

export class PostgresIntrospector implements Introspector {
  constructor(private readonly db: Connection) {}

  async schemas(): Promise<string[]> {
    // The server's own schemas (pg_*, information_schema) and the default `public` are not DataJoint schemas.
    const { rows } = await this.db.query<{ name: string }>(
      "SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public') ORDER BY nspname COLLATE \"C\"",
    );
    return rows.map((r) => r.name);
  }

  async schemaExists(schema: string): Promise<boolean> {
    const { rows } = await this.db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?", [schema]);
    return rows.length > 0;
  }

  private async tableOid(schema: string, table: string): Promise<{ oid: number; comment: string | null } | null> {
    const { rows } = await this.db.query<{ oid: number; comment: string | null }>(
      "SELECT c.oid::int8 AS oid, obj_description(c.oid, 'pg_class') AS comment FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')",
      [schema, table],
    );
    return rows[0] ?? null;
  }

  async tables(schema: string): Promise<TableInfo[]> {
    const { rows } = await this.db.query<{ name: string; comment: string | null }>(
      "SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '~%' ORDER BY c.relname COLLATE \"C\"",
      [schema],
    );
    const out: TableInfo[] = [];
    for (const r of rows) {
      const count = await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(r.name)}`);
      out.push({ name: r.name, comment: r.comment ?? "", rows: Number(count.rows[0]?.n ?? 0) });
    }
    return out;
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    return (await this.tableOid(schema, table)) !== null;
  }

  async heading(schema: string, table: string): Promise<Heading | null> {
    const info = await this.tableOid(schema, table);
    if (!info) return null;
    const cols = await this.db.query<ColumnRow>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS formatted, a.attnotnull AS notnull,
              pg_get_expr(d.adbin, d.adrelid) AS dflt, col_description(a.attrelid, a.attnum) AS comment,
              t.typtype AS typtype, tn.nspname AS type_schema, t.typname AS typname,
              (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) AS labels
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [info.oid],
    );
    const pkRows = await this.db.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_catalog.pg_index i
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.ord`,
      [info.oid],
    );
    const pk = new Set(pkRows.rows.map((r) => r.name));

    const fkRows = await this.db.query<{ conname: string; parent_schema: string; parent_table: string; col: string; ref: string }>(
      `SELECT con.conname, fn.nspname AS parent_schema, fc.relname AS parent_table, a.attname AS col, fa.attname AS ref
         FROM pg_catalog.pg_constraint con
         JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
         JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
         CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
         JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum
        WHERE con.conrelid = ? AND con.contype = 'f'
        ORDER BY con.oid, k.ord`,
      [info.oid],
    );
    const inherited = new Set(fkRows.rows.map((r) => r.col));
    const attributes = cols.rows.map((c) => attributeFromPgColumn(c, pk.has(c.name), inherited.has(c.name)));
    const indexes = await this.indexes(info.oid);
    const byName = new Map<string, typeof fkRows.rows>();
    for (const r of fkRows.rows) byName.set(r.conname, [...(byName.get(r.conname) ?? []), r]);
    // Constraints come in creation order (their oids), which is the order of the declaration.
    const foreignKeys: ForeignKey[] = [...byName.values()].map((rows) => {
      const columns = rows.map((r) => r.col);
      return {
        parentSchema: rows[0]!.parent_schema,
        parentTable: rows[0]!.parent_table,
        columns,
        refColumns: rows.map((r) => r.ref),
        nullable: columns.every((c) => attributes.find((a) => a.name === c)?.nullable),
        unique: indexes.some((ix) => ix.unique && sameColumns(ix.columns, columns)),
      };
    });
    return assembleHeading({ schema, table, comment: info.comment ?? "", attributes, foreignKeys, indexes, lineage: (await this.lineage(schema))[table] ?? {} });
  }

  private async indexes(oid: number): Promise<Index[]> {
    const { rows } = await this.db.query<{ id: number; uniq: boolean; col: string }>(
      `SELECT i.indexrelid::int8 AS id, i.indisunique AS uniq, a.attname AS col FROM pg_catalog.pg_index i
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = ? AND NOT i.indisprimary ORDER BY i.indexrelid, k.ord`,
      [oid],
    );
    const byId = new Map<number, Index>();
    for (const r of rows) {
      const ix = byId.get(r.id) ?? { unique: r.uniq, columns: [] };
      ix.columns.push(r.col);
      byId.set(r.id, ix);
    }
    return [...byId.values()];
  }

  async children(schema: string, table: string): Promise<Array<{ schema: string; table: string }>> {
    const { rows } = await this.db.query<{ schema: string; table: string }>(
      `SELECT DISTINCT cn.nspname AS schema, cc.relname AS table
         FROM pg_catalog.pg_constraint con
         JOIN pg_catalog.pg_class cc ON cc.oid = con.conrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
         JOIN pg_catalog.pg_class pc ON pc.oid = con.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE con.contype = 'f' AND pn.nspname = ? AND pc.relname = ?
        ORDER BY 1, 2`,
      [schema, table],
    );
    return rows;
  }

  async lineage(schema: string): Promise<Record<string, Record<string, string>>> {
    if (!(await this.tableExists(schema, "~lineage"))) return {};
    const { rows } = await this.db.query<{ table_name: string; attribute_name: string; lineage: string }>(
      `SELECT table_name, attribute_name, lineage FROM ${quoteIdent(schema)}."~lineage"`,
    );
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[r.table_name] ??= {})[r.attribute_name] = r.lineage;
    return out;
  }
}

