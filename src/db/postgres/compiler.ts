/**
 * SQL text for PostgreSQL, DDL as DataJoint for Python emits it (declare.py with
 * adapters/postgres.py): `CREATE SCHEMA`, double-quoted names, no inline comments but
 * `COMMENT ON TABLE/COLUMN` carrying the `:type:` markers, enum types created in the schema as
 * `enum_<md5 of the sorted values>`, indexes created after the table (`idx_<table>_<columns>`),
 * and an index on every foreign key that the primary key or another index does not already
 * cover (PostgreSQL, unlike InnoDB, indexes no foreign key by itself).
 *
 * Deliberate differences (docs/decisions.md, "PostgreSQL dialect"): an enum type that already
 * exists is reused instead of failing the declaration; inherited columns keep the parent's exact
 * type; no `COMMENT ON TABLE … IS ''` for an empty comment (it would store nothing anyway); user
 * comments are stored as written (DataJoint stores `"` as `\"`).
 */
import { InputError } from "../../errors.js";
import { primaryKey, type Attribute, type Heading } from "../../schema/heading.js";
import type { HeadingDiff } from "../../schema/heading-diff.js";
import { BaseCompiler } from "../base-compiler.js";
import type { AlterStatements } from "../types.js";
import { postgresAlter } from "./alter.js";
import { enumTypeName, enumValues, mysqlOnlyType, pgColumnType } from "./types.js";

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A string literal (standard_conforming_strings: only the quote is doubled). */
export function literal(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

const list = (cols: string[]) => cols.map(quoteIdent).join(", ");

/** PostgreSQL cuts longer names to 63 bytes (NAMEDATALEN - 1) without an error; DataJoint refuses them. */
const MAX_NAME = 63;
function checkName(kind: string, name: string): void {
  if (Buffer.byteLength(name) > MAX_NAME) {
    throw new InputError(`${kind} name ${name} is longer than ${MAX_NAME} bytes, the most PostgreSQL keeps`, { hint: "choose a shorter name", code: "definition.name" });
  }
}

/** Native types are passed through as declared: one PostgreSQL lacks is refused before anything runs. */
export function checkNativeType(h: Heading, a: Attribute): void {
  if (a.marker || a.codec || a.foreignKey) return;
  const what = mysqlOnlyType(a.type);
  if (!what) return;
  throw new InputError(`${h.schema}.${h.className}: attribute ${a.name} has the native type ${a.type.trim()}, and PostgreSQL has no ${what}`, {
    hint: "use a DataJoint core type (int8 … int64, float32, float64, bytes, json, datetime, …) or a PostgreSQL type (integer, bigint, text, bytea, serial, …)",
    code: "definition.type",
  });
}

/** The comment DataJoint writes on a column: none for inherited columns, `:type:comment` for core and codec types. */
export function pgColumnComment(a: Attribute): string {
  if (a.foreignKey) return "";
  return a.marker || a.codec ? `:${a.type}:${a.comment}` : a.comment;
}

/** A default literal as PostgreSQL reads it (dj's neutral form doubles backslashes for MySQL). */
export function pgDefault(d: string): string {
  return d.startsWith("'") ? d.replace(/\\\\/g, "\\") : d;
}

export function columnSql(a: Attribute, schema: string): string {
  let sql = `${quoteIdent(a.name)} ${pgColumnType(a, schema, quoteIdent)}`;
  if (a.foreignKey) return a.nullable ? sql : `${sql} NOT NULL`;
  if (a.nullable) sql += " DEFAULT NULL";
  else sql += a.default !== null ? ` NOT NULL DEFAULT ${pgDefault(a.default)}` : " NOT NULL";
  return sql;
}

/** Whether an attribute's column is one of the schema's enum types (not inherited, not a codec). */
export const isOwnEnum = (a: Attribute) => !a.foreignKey && !a.codec && /^enum\s*\(/i.test(a.type);

/** The enum types the attributes need, created in the schema unless they exist (DataJoint's naming). */
export function createEnumTypes(schema: string, attributes: Attribute[]): string[] {
  const enums = new Map<string, string[]>();
  for (const a of attributes) if (isOwnEnum(a)) enums.set(enumTypeName(a.type), enumValues(a.type));
  return [...enums].map(([name, values]) => {
    // CREATE TYPE has no IF NOT EXISTS; a second table with the same values reuses the type.
    const create = `CREATE TYPE ${quoteIdent(schema)}.${quoteIdent(name)} AS ENUM (${values.map(literal).join(", ")})`;
    // The body holds the user's enum values: its dollar-quote tag must not occur in it, or a value
    // could end the block early.
    let tag = "$dj$";
    for (let i = 0; create.includes(tag); i++) tag = `$dj${i}$`;
    return `DO ${tag} BEGIN ${create}; EXCEPTION WHEN duplicate_object THEN NULL; END ${tag}`;
  });
}

/** DataJoint's index name: `idx_<table>_<columns joined by _, first 30 characters>`. */
export function indexName(table: string, columns: string[]): string {
  return `idx_${table}_${columns.join("_").slice(0, 30)}`;
}

/**
 * The indexes DataJoint creates after the table: declared ones (index lines and `-> [unique]`)
 * in definition order, then one per non-unique foreign key whose columns are not a left prefix
 * of the primary key or of an index already there (longest foreign keys first).
 */
export function pgIndexes(h: Heading): Array<{ unique: boolean; columns: string[] }> {
  const out = h.indexes.map((ix) => ({ unique: ix.unique, columns: ix.columns }));
  const prefixes = [primaryKey(h), ...out.map((ix) => ix.columns)];
  const covered = (c: string[]) => prefixes.some((p) => c.every((col, i) => p[i] === col));
  const candidates = h.foreignKeys.filter((fk) => !fk.unique).map((fk) => fk.columns);
  for (const c of [...candidates].sort((a, b) => b.length - a.length)) {
    if (covered(c)) continue;
    out.push({ unique: false, columns: c });
    prefixes.push(c);
  }
  return out;
}

export class PostgresCompiler extends BaseCompiler {
  quote = quoteIdent;
  /** standard_conforming_strings (on since 9.1): a backslash in a literal is itself. */
  protected likeEscape = " ESCAPE '\\'";
  /** PostgreSQL takes OFFSET without LIMIT. */
  protected noLimit = null;
  /** PostgreSQL DDL is transactional: a whole `dj alter` run is one transaction. */
  readonly transactionalDdl = true;
  /** DataJoint's form on PostgreSQL: ON CONFLICT on the primary key. */
  protected skipDuplicatesClause(primaryKey: string[]): string {
    return primaryKey.length ? `ON CONFLICT (${list(primaryKey)}) DO NOTHING` : "ON CONFLICT DO NOTHING";
  }

  createSchema(schema: string): string {
    checkName("schema", schema);
    return `CREATE SCHEMA ${quoteIdent(schema)}`;
  }

  createTable(h: Heading): string[] {
    checkName("table", h.table);
    for (const a of h.attributes) {
      checkName("attribute", a.name);
      checkNativeType(h, a);
    }
    const table = this.table(h.schema, h.table);
    const out: string[] = [];
    out.push(...createEnumTypes(h.schema, h.attributes));
    const lines = h.attributes.map((a) => columnSql(a, h.schema));
    lines.push(`PRIMARY KEY (${list(primaryKey(h))})`);
    for (const fk of h.foreignKeys) {
      lines.push(`FOREIGN KEY (${list(fk.columns)}) REFERENCES ${this.table(fk.parentSchema, fk.parentTable)} (${list(fk.refColumns)}) ON UPDATE CASCADE ON DELETE RESTRICT`);
    }
    out.push(`CREATE TABLE IF NOT EXISTS ${table} (\n${lines.join(",\n")}\n)`);
    for (const ix of pgIndexes(h)) {
      const name = indexName(h.table, ix.columns);
      checkName("index", name); // PostgreSQL would cut it silently, and two cut names could collide
      out.push(`CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${quoteIdent(name)} ON ${table} (${list(ix.columns)})`);
    }
    if (h.comment) out.push(`COMMENT ON TABLE ${table} IS ${literal(h.comment)}`);
    for (const a of h.attributes) {
      const comment = pgColumnComment(a);
      if (comment) out.push(`COMMENT ON COLUMN ${table}.${quoteIdent(a.name)} IS ${literal(comment)}`);
    }
    return out;
  }

  alterTable(existing: Heading, wanted: Heading, diff: HeadingDiff): AlterStatements {
    return postgresAlter(this.table(wanted.schema, wanted.table), existing, wanted, diff);
  }

  createLineageTable(schema: string): string {
    return (
      `CREATE TABLE IF NOT EXISTS ${this.table(schema, "~lineage")} (\n` +
      '"table_name" VARCHAR(64) NOT NULL,\n"attribute_name" VARCHAR(64) NOT NULL,\n"lineage" VARCHAR(255) NOT NULL,\n' +
      'PRIMARY KEY ("table_name", "attribute_name")\n)'
    );
  }

  upsertLineage(schema: string, rows: number): string {
    const values = Array.from({ length: rows }, () => "(?, ?, ?)").join(", ");
    return `INSERT INTO ${this.table(schema, "~lineage")} ("table_name", "attribute_name", "lineage") VALUES ${values} ON CONFLICT ("table_name", "attribute_name") DO UPDATE SET "lineage" = EXCLUDED."lineage"`;
  }

  dropTable(schema: string, table: string): string[] {
    return [`DROP TABLE ${this.table(schema, table)}`];
  }
}
