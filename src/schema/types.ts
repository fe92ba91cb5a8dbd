/**
 * Declared attribute types → SQL (MySQL), per DataJoint's CORE_TYPES (datajoint-compat.md §2.1).
 * Core types get a `:type:` comment marker; native SQL types pass through without one; codec
 * types (`<blob@s>`) are stored as the final type of their chain (`bytes` → longblob, `json`).
 */
export type TypeKind = "core" | "native" | "codec";

export interface MatchedType {
  kind: TypeKind;
  /** The SQL column type, e.g. `int`, `varchar(32)`, `longblob`. For codecs: set by the caller. */
  sqlType: string;
  /** The declared type as written (what goes into the comment marker). */
  declared: string;
}

const CORE: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^int8$/i, () => "tinyint"],
  [/^int16$/i, () => "smallint"],
  [/^int32$/i, () => "int"],
  [/^int64$/i, () => "bigint"],
  [/^float32$/i, () => "float"],
  [/^float64$/i, () => "double"],
  [/^bool$/i, () => "tinyint"],
  [/^uuid$/i, () => "binary(16)"],
  [/^jsonb?$/i, () => "json"],
  [/^bytes$/i, () => "longblob"],
  [/^date$/i, () => "date"],
  [/^datetime(\s*\(\s*\d+\s*\))?$/i, (m) => m[0].replace(/\s+/g, "").toLowerCase()],
  [/^(var)?char\s*\(\s*\d+\s*\)$/i, (m) => m[0].replace(/\s+/g, "").toLowerCase()],
  [/^decimal\s*\(\s*\d+\s*(,\s*\d+\s*)?\)$/i, (m) => m[0].replace(/\s+/g, "").toLowerCase()],
  [/^enum\s*\(.+\)$/i, (m) => "enum" + m[0].slice(4).trim()],
];

/**
 * Native SQL types DataJoint for Python passes through without a marker (declare.py
 * TYPE_PATTERN: INTEGER, NUMERIC, FLOAT, STRING, TEMPORAL, NATIVE_BLOB, NATIVE_TEXT), tried
 * after the core types. Written into the DDL exactly as declared.
 */
const NATIVE = [
  /^((tiny|small|medium|big)?int|integer)(\s*\(\s*\d+\s*\))?(\s+unsigned)?(\s+auto_increment)?$/i,
  /^serial$/i,
  /^numeric(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?(\s+unsigned)?$/i,
  /^(float|double|real)(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?(\s+unsigned)?$/i,
  /^(var)?char\s*\(.+\)$/i,
  /^(time|timestamp|year)(\s*\(\s*\d+\s*\))?$/i,
  /^(tiny|medium|long)blob$/i,
  /^(tiny|medium|long)?text$/i,
];

export class TypeError_ extends Error {}

/** Match a declared non-codec type; throws with DataJoint's wording for unsupported ones. */
export function matchType(declared: string): MatchedType {
  const t = declared.trim();
  for (const [re, sql] of CORE) {
    const m = re.exec(t);
    if (m) return { kind: "core", sqlType: sql(m), declared: t };
  }
  if (/^uint(8|16|32|64)$/i.test(t)) throw new TypeError_(`Unsupported attribute type ${t}`);
  if (/^blob$/i.test(t)) throw new TypeError_("Unsupported attribute type blob (use <blob> for DataJoint blobs or longblob for raw bytes)");
  if (NATIVE.some((re) => re.test(t))) return { kind: "native", sqlType: t, declared: t };
  throw new TypeError_(`Unsupported attribute type ${t}`);
}

/**
 * The SQL type a foreign-key column takes from the parent column it references: the same type
 * without the parent's own key generation (`int auto_increment` → `int`, `serial` → `bigint
 * unsigned`), as DataJoint copies the parent's reported column type.
 */
export function referencingSqlType(parentSqlType: string): string {
  if (/^serial$/i.test(parentSqlType.trim())) return "bigint unsigned";
  return parentSqlType.replace(/\s+auto_increment\b/i, "");
}

/** SQL column type for a codec chain's final type. */
export function codecSqlType(finalDtype: string): string {
  if (finalDtype === "bytes") return "longblob";
  if (finalDtype === "json") return "json";
  return matchType(finalDtype).sqlType;
}

/** Types whose values live in blobs/JSON: not allowed in the primary key. */
export function isBlobOrJson(sqlType: string): boolean {
  return /blob|^json$|^longtext$/.test(sqlType);
}

/**
 * A DataJoint type for a column without a marker (foreign-key columns on MySQL), from its SQL
 * type as MariaDB reports it (`int(11)`, `smallint(6)`, `double`).
 */
export function typeFromSql(columnType: string): string {
  const t = columnType.toLowerCase();
  if (/unsigned/.test(t)) return t;
  const map: Array<[RegExp, string]> = [
    [/^tinyint(\(\d+\))?$/, "int8"],
    [/^smallint(\(\d+\))?$/, "int16"],
    [/^int(\(\d+\))?$/, "int32"],
    [/^bigint(\(\d+\))?$/, "int64"],
    [/^float$/, "float32"],
    [/^double$/, "float64"],
    [/^binary\(16\)$/, "uuid"],
  ];
  for (const [re, dj] of map) if (re.test(t)) return dj;
  return t;
}

/** MariaDB's display widths for integer types declared without one (`int` → `int(11)`). */
const DEFAULT_WIDTH: Record<string, [signed: number, unsigned: number]> = {
  tinyint: [4, 3],
  smallint: [6, 5],
  mediumint: [9, 8],
  int: [11, 10],
  bigint: [20, 20],
};

/**
 * The native type a column without a marker was declared with, from MySQL's COLUMN_TYPE and
 * EXTRA (`int(11)` → `int`, `int(10) unsigned` + auto_increment → `int unsigned auto_increment`,
 * `decimal(8,3)` → `numeric(8,3)`, `year(4)` → `year`), so that describe prints what declare
 * accepts and gives the same column again. Null when the SQL type can only be declared through
 * a core type (`date`, `varchar(n)`, `enum(...)`: DataJoint's core patterns claim those names).
 */
export function nativeTypeFromSql(columnType: string, extra = ""): string | null {
  let t = canonicalNativeType(columnType);
  if (/\bauto_increment\b/i.test(extra)) t += " auto_increment";
  try {
    return matchType(t).kind === "native" ? t : null;
  } catch (err) {
    if (err instanceof TypeError_) return null; // not a type the definition language has
    throw err;
  }
}

/**
 * A native type in the one spelling MySQL reads back for it: lower case, single spaces, no
 * default display width (`INT(11)` → `int`), `integer` → `int`, `real` → `double`, `decimal`
 * and bare `numeric` → `numeric(p,s)`, `year(4)` → `year`, `serial` → `bigint unsigned
 * auto_increment`. Two spellings are the same column exactly when this gives the same text.
 */
export function canonicalNativeType(type: string): string {
  let t = type.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*\(\s*/g, "(").replace(/\s*,\s*/g, ",").replace(/\s*\)/g, ")");
  if (t === "serial") return "bigint unsigned auto_increment";
  t = t.replace(/^integer\b/, "int").replace(/^real\b/, "double").replace(/^decimal\(/, "numeric(").replace(/^numeric(?=$| )/, "numeric(10,0)");
  t = t.replace(/^year\(4\)$/, "year");
  const int = /^(tinyint|smallint|mediumint|int|bigint)\((\d+)\)( unsigned)?(.*)$/.exec(t);
  if (int && Number(int[2]) === DEFAULT_WIDTH[int[1]!]![int[3] ? 1 : 0]) t = `${int[1]}${int[3] ?? ""}${int[4]}`;
  return t;
}
