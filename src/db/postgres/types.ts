/**
 * DataJoint types ↔ PostgreSQL types, as DataJoint for Python maps them (adapters/postgres.py
 * CORE_TYPE_MAP; datajoint-compat.md §2.1). The dialect-neutral heading carries MySQL's SQL
 * types (`int`, `longblob`, `binary(16)`), so this file turns an attribute into its PostgreSQL
 * column type, and a PostgreSQL column read back into the DataJoint type it stands for.
 */
import { createHash } from "node:crypto";
import type { Attribute } from "../../schema/heading.js";
import { matchType, TypeError_ } from "../../schema/types.js";

const CORE: Record<string, string> = {
  int64: "bigint",
  int32: "integer",
  int16: "smallint",
  int8: "smallint", // PostgreSQL has no tinyint
  float32: "real",
  float64: "double precision",
  bool: "boolean",
  uuid: "uuid",
  bytes: "bytea",
  json: "jsonb",
  jsonb: "jsonb",
  date: "date",
};

/** The values of `enum('a','b')`, unquoted ('' inside a value is one quote). */
export function enumValues(spec: string): string[] {
  const inner = /^enum\s*\((.*)\)$/is.exec(spec.trim())?.[1] ?? "";
  return [...inner.matchAll(/'((?:[^']|'')*)'|"((?:[^"]|"")*)"/g)].map((m) => (m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!.replace(/""/g, '"')));
}

/**
 * DataJoint's name for the enum type of `enum(...)`: `enum_` + the first 8 hex digits of the md5
 * of its values, sorted and joined by `_`. DataJoint takes the values by splitting the text on
 * commas and stripping quotes (so `'it''s'` counts as `it''s`); the name follows that reading, so
 * a type DataJoint created is found again.
 */
export function enumTypeName(spec: string): string {
  const inner = /^enum\s*\((.*)\)$/is.exec(spec.trim())?.[1] ?? "";
  const values = inner.split(",").map((v) => v.trim().replace(/^['"]+|['"]+$/g, ""));
  return "enum_" + createHash("md5").update([...values].sort().join("_")).digest("hex").slice(0, 8);
}

/** A core type (as declared: `int32`, `datetime(3)`, `enum('F','M')`) → PostgreSQL, or null when it is not a core type. */
export function coreTypeToPg(declared: string, schema: string, quote: (s: string) => string): string | null {
  const t = declared.trim();
  const lower = t.toLowerCase();
  if (lower in CORE) return CORE[lower]!;
  let m: RegExpExecArray | null;
  if ((m = /^datetime\s*(\(\s*\d+\s*\))?$/i.exec(t))) return "timestamp" + (m[1] ? m[1].replace(/\s+/g, "") : "");
  if (/^(var)?char\s*\(\s*\d+\s*\)$/i.test(t)) return lower.replace(/\s+/g, "");
  if ((m = /^decimal\s*(\(.*\))$/i.exec(t))) return "numeric" + m[1]!.replace(/\s+/g, "");
  if (/^enum\s*\(/i.test(t)) return `${quote(schema)}.${quote(enumTypeName(t))}`;
  return null;
}

/** MySQL spellings the neutral heading may carry for a column that has no core type (codec chains, inherited columns). */
const FROM_MYSQL: Array<[RegExp, string]> = [
  // A foreign key to a `serial` parent: compile.ts gives MySQL's serial type (bigint unsigned);
  // PostgreSQL's serial is integer, and no column there can be unsigned (refused at declare).
  [/^bigint unsigned$/i, "integer"],
  [/^longblob$/i, "bytea"],
  [/^json$/i, "jsonb"],
  [/^longtext$/i, "jsonb"],
  [/^binary\(16\)$/i, "uuid"],
  [/^tinyint(\(\d+\))?$/i, "smallint"],
  [/^int(\(\d+\))?$/i, "integer"],
  [/^smallint\(\d+\)$/i, "smallint"],
  [/^bigint\(\d+\)$/i, "bigint"],
  [/^double$/i, "double precision"],
  [/^float$/i, "real"],
];

/**
 * The PostgreSQL column type of an attribute. Codec columns take the final type of their chain
 * (bytes → bytea, json → jsonb); core types map as DataJoint maps them; native types pass
 * through as declared (DataJoint does the same, so a MySQL-only type fails on the server).
 * Inherited columns take the parent's type, by its DataJoint type when it has one.
 */
export function pgColumnType(a: Attribute, schema: string, quote: (s: string) => string): string {
  if (a.codec) return fromNeutral(a.sqlType);
  if (a.marker || a.foreignKey) {
    const core = coreTypeToPg(a.type, a.foreignKey?.schema ?? schema, quote);
    if (core) return core;
  }
  return a.foreignKey ? fromNeutral(a.sqlType) : a.type.trim();
}

/** The PostgreSQL spelling of a type the neutral heading holds in MySQL's (`longblob`, `json`, `int(11)`). */
function fromNeutral(sqlType: string): string {
  const t = sqlType.trim();
  const dt = /^datetime(\(\d+\))?$/i.exec(t);
  if (dt) return "timestamp" + (dt[1] ?? "");
  for (const [re, pg] of FROM_MYSQL) if (re.test(t)) return pg;
  return t;
}

export interface PgColumn {
  data_type: string;
  udt_name: string;
  udt_schema: string;
  formatted: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
}

/**
 * The SQL type a PostgreSQL column reads back as (for the heading and for the columns a child
 * inherits): `integer`, `varchar(32)`, `numeric(8,3)`, `timestamp(3)`, a schema-qualified enum.
 */
export function pgSqlTypeOf(c: PgColumn): string {
  if (c.data_type === "character varying") return c.character_maximum_length !== null ? `varchar(${c.character_maximum_length})` : "varchar";
  if (c.data_type === "character") return `char(${c.character_maximum_length ?? 1})`;
  if (c.data_type === "USER-DEFINED") return c.formatted;
  return c.formatted.replace(/^timestamp(\(\d+\))? without time zone$/, "timestamp$1").replace(/^time(\(\d+\))? without time zone$/, "time$1");
}

/**
 * The DataJoint type of a column without a marker (an inherited foreign-key column: DataJoint
 * writes no comment on those), from its PostgreSQL type, as DataJoint's sql_type_to_core does;
 * enum labels come from the catalog. Types with no core equivalent stay native.
 */
export function coreTypeFromPg(sqlType: string, enumLabels: string[] | null): string {
  if (enumLabels) return `enum(${enumLabels.map((l) => `'${l.replace(/'/g, "''")}'`).join(",")})`;
  const t = sqlType.toLowerCase();
  const map: Record<string, string> = {
    bigint: "int64",
    integer: "int32",
    smallint: "int16",
    real: "float32",
    "double precision": "float64",
    boolean: "bool",
    uuid: "uuid",
    bytea: "bytes",
    jsonb: "json",
    json: "json",
    date: "date",
  };
  if (t in map) return map[t]!;
  if (/^timestamp(\(\d+\))?$/.test(t)) return t.replace(/^timestamp/, "datetime");
  if (/^(var)?char\(\d+\)$/.test(t)) return t;
  if (/^numeric\(\d+(,\d+)?\)$/.test(t)) return t.replace(/^numeric/, "decimal");
  return t;
}

/** The MySQL-style SQL type the neutral heading keeps for a core type (codecs and checks compare against these). */
export function neutralSqlType(djType: string, pgType: string): string {
  try {
    const m = matchType(djType);
    if (m.kind === "core") return m.sqlType;
  } catch (err) {
    // not a DataJoint type: keep the server's own name
    if (!(err instanceof TypeError_)) throw err;
  }
  if (pgType === "bytea") return "longblob";
  if (pgType === "jsonb" || pgType === "json") return "json";
  return pgType;
}

/** Native MySQL spellings PostgreSQL has no type for: [pattern, what to name in the refusal]. */
const MYSQL_ONLY: Array<[RegExp, string]> = [
  [/\bunsigned\b/i, "unsigned integers"],
  [/\bzerofill\b/i, "zerofill"],
  [/\bauto_increment\b/i, "auto_increment (it has serial)"],
  [/^(tinyint|mediumint)\b/i, "tinyint or mediumint"],
  [/^(int|integer|smallint|bigint)\s*\(/i, "integer display widths"],
  [/^double$/i, "double without precision (float64 is portable)"],
  [/^year\b/i, "year type"],
  [/^(tiny|medium|long)?blob$/i, "blob types (it has bytea)"],
  [/^(tiny|medium|long)text$/i, "tinytext, mediumtext or longtext (it has text)"],
  [/^(var)?binary\s*\(/i, "binary strings (it has bytea)"],
  [/^set\s*\(/i, "set types"],
];

/**
 * Why a native type cannot be declared on PostgreSQL (null: it can, as far as dj knows).
 * DataJoint for Python passes native types through and the server refuses them with a syntax
 * error; dj refuses them before anything is created, naming the attribute.
 */
export function mysqlOnlyType(type: string): string | null {
  const t = type.trim();
  for (const [re, what] of MYSQL_ONLY) if (re.test(t)) return what;
  return null;
}
