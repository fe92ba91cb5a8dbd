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

const NATIVE = [
  /^(tiny|small|medium|big)?int(eger)?(\s*\(\s*\d+\s*\))?(\s+unsigned)?(\s+auto_increment)?$/i,
  /^serial$/i,
  /^(float|double|real)(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?(\s+unsigned)?$/i,
  /^numeric(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?$/i,
  /^(time|timestamp)(\s*\(\s*\d+\s*\))?$/i,
  /^year$/i,
  /^(tiny|medium|long)blob$/i,
  /^(tiny|medium|long)?text$/i,
  /^(var)?char$/i,
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
  if (NATIVE.some((re) => re.test(t))) return { kind: "native", sqlType: t.replace(/\s+/g, " ").toLowerCase(), declared: t };
  throw new TypeError_(`Unsupported attribute type ${t}`);
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
