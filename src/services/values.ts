/**
 * Command-line text → typed attribute values, by the attribute's declared DataJoint type
 * (`int32`, `varchar(32)`, `date`, `uuid`, `enum('a','b')`, …) or its native SQL type.
 * `--key subject_id=1`, `--set operator=alice`, and CSV cells all pass through here, so a bad
 * value is refused (exit 7, naming the attribute) before anything is written.
 */
import type { Param } from "../db/types.js";
import { InputError } from "../errors.js";
import { pythonJsonDumps } from "./json-text.js";


/** A parsed value plus what path encoding needs (DataJoint encodes by the value's Python type). */
export interface ParsedValue {
  /** Ready to bind as an SQL parameter. */
  sql: Param;
  /** The value as DataJoint's path encoding sees it (number, boolean, Date for datetimes, string). */
  key: string | number | bigint | boolean | Date | null;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  tinyint: [-128n, 127n],
  int16: [-32768n, 32767n],
  smallint: [-32768n, 32767n],
  mediumint: [-8388608n, 8388607n],
  int32: [-2147483648n, 2147483647n],
  int: [-2147483648n, 2147483647n],
  integer: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

function bad(attr: string, text: string, why: string): InputError {
  return new InputError(`bad value for ${attr}: ${JSON.stringify(text)} ${why}`, { code: "input.value" });
}

function parseInteger(attr: string, text: string, base: string, unsigned: boolean): ParsedValue {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw bad(attr, text, "is not an integer");
  const v = BigInt(t);
  const range = INT_RANGES[base] ?? INT_RANGES.bigint!;
  const [lo, hi] = unsigned ? [0n, range[1] * 2n + 1n] : range;
  if (v < lo || v > hi) throw bad(attr, text, `is out of range for ${base}${unsigned ? " unsigned" : ""}`);
  const n = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return { sql: n, key: n };
}

/** The largest finite float32; MySQL's FLOAT (DataJoint's float32) refuses anything beyond it. */
const FLOAT32_MAX = 3.4028234663852886e38;

function parseFloatValue(attr: string, text: string, base: string): ParsedValue {
  const t = text.trim().toLowerCase();
  const special: Record<string, number> = { nan: NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity };
  const v = t in special ? special[t]! : Number(t);
  if (t === "" || (Number.isNaN(v) && t !== "nan")) throw bad(attr, text, "is not a number");
  if (!Number.isFinite(v)) throw bad(attr, text, "cannot be stored: MySQL has no NaN or infinity");
  if ((base === "float32" || base === "float") && Math.abs(v) > FLOAT32_MAX) throw bad(attr, text, `is out of range for ${base} (largest magnitude ${FLOAT32_MAX})`);
  return { sql: v, key: v };
}

function parseBool(attr: string, text: string): ParsedValue {
  const t = text.trim().toLowerCase();
  if (["true", "1", "yes", "y"].includes(t)) return { sql: 1, key: true };
  if (["false", "0", "no", "n"].includes(t)) return { sql: 0, key: false };
  throw bad(attr, text, "is not a boolean (true/false)");
}

function parseDate(attr: string, text: string): ParsedValue {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (!m || !validDate(+m[1]!, +m[2]!, +m[3]!)) throw bad(attr, text, "is not a date (YYYY-MM-DD)");
  return { sql: t, key: t };
}

function parseDatetime(attr: string, text: string): ParsedValue {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(t);
  if (!m || !validDate(+m[1]!, +m[2]!, +m[3]!)) throw bad(attr, text, "is not a date-time (YYYY-MM-DD HH:MM:SS)");
  const [hh, mm, ss] = [+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) throw bad(attr, text, "has an invalid time of day");
  const pad = (n: number) => String(n).padStart(2, "0");
  const frac = m[7] ? "." + m[7] : "";
  const sql = `${m[1]}-${m[2]}-${m[3]} ${pad(hh)}:${pad(mm)}:${pad(ss)}${frac}`;
  // Path encoding uses the wall-clock fields; a UTC Date carries them without a zone shift.
  const key = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, hh, mm, ss));
  return { sql, key };
}

function validDate(y: number, mo: number, d: number): boolean {
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function parseUuid(attr: string, text: string): ParsedValue {
  const t = text.trim().toLowerCase();
  const hex = t.replace(/^urn:uuid:/, "").replace(/[{}-]/g, "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw bad(attr, text, "is not a UUID");
  const canonical = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { sql: Buffer.from(hex, "hex"), key: canonical };
}

function parseString(attr: string, text: string, maxLength: number | null): ParsedValue {
  if (text.includes("\0")) throw bad(attr, text.replace(/\0/g, "\\0"), "contains a NUL character");
  if (maxLength !== null && [...text].length > maxLength) throw bad(attr, text, `is longer than ${maxLength} characters`);
  return { sql: text, key: text };
}

function parseEnum(attr: string, text: string, spec: string): ParsedValue {
  const options = [...spec.matchAll(/'((?:[^']|'')*)'|"((?:[^"]|"")*)"/g)].map((m) => m[1] ?? m[2] ?? "");
  if (!options.includes(text)) throw bad(attr, text, `is not one of ${options.map((o) => `'${o}'`).join(", ")}`);
  return { sql: text, key: text };
}

function parseDecimal(attr: string, text: string): ParsedValue {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) throw bad(attr, text, "is not a decimal number");
  return { sql: t, key: t };
}

function parseJson(attr: string, text: string): ParsedValue {
  checkJsonLimits(text, `the value for ${attr}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(attr, text, `is not valid JSON (${(err as Error).message})`);
  }
  return { sql: pythonJsonDumps(value), key: text };
}

/**
 * JSON values (json columns, `<blob>` values given as JSON) are held in memory and walked
 * recursively, so both their size and their nesting are bounded. 31 levels is the most MariaDB
 * stores in a JSON document (its JSON_VALID refuses 32; MySQL allows 100), so what dj accepts
 * either server stores; 64 MiB of text is a generous share of MySQL's largest packet (1 GiB).
 */
export const JSON_MAX_DEPTH = 31;
export const JSON_MAX_BYTES = 64 << 20;

/**
 * Refuse JSON text nested deeper than JSON_MAX_DEPTH or longer than JSON_MAX_BYTES, before
 * JSON.parse and the recursive walks after it could exhaust the stack. One linear scan: brackets
 * inside strings do not count.
 */
export function checkJsonLimits(text: string, what: string, enclosingLevels = 0): void {
  if (text.length > JSON_MAX_BYTES) {
    throw new InputError(`${what} is ${text.length} characters of JSON, more than the ${JSON_MAX_BYTES >> 20} MiB a JSON value may hold`, {
      hint: "store large data in a file: <attach> or <object@> for files, <npy@> or <zarr@> for arrays",
      code: "input.limit",
    });
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_MAX_DEPTH + enclosingLevels) {
        throw new InputError(`${what} is JSON nested more than ${JSON_MAX_DEPTH} levels deep`, {
          hint: `flatten it: dj (like MariaDB) accepts at most ${JSON_MAX_DEPTH} levels of nested arrays and objects`,
          code: "input.limit",
        });
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/**
 * Parse `text` for an attribute whose declared type is `type` (a DataJoint core type such as
 * `int32`, or a native SQL type such as `int unsigned` for foreign-key columns without markers).
 */
export function parseAttributeValue(attr: string, type: string, text: string): ParsedValue {
  const t = type.trim().toLowerCase();
  const base = /^[a-z0-9]+/.exec(t)?.[0] ?? t;
  const unsigned = /\bunsigned\b/.test(t);
  if (base in INT_RANGES) return parseInteger(attr, text, base, unsigned);
  if (["float32", "float64", "float", "double", "real"].includes(base)) return parseFloatValue(attr, text, base);
  if (base === "bool" || base === "boolean") return parseBool(attr, text);
  if (base === "date") return parseDate(attr, text);
  if (base === "datetime" || base === "timestamp") return parseDatetime(attr, text);
  if (base === "uuid") return parseUuid(attr, text);
  if (base === "enum") return parseEnum(attr, text, type.trim().slice(4));
  if (base === "decimal" || base === "numeric") return parseDecimal(attr, text);
  if (base === "json" || base === "jsonb") return parseJson(attr, text);
  if (base === "char" || base === "varchar") {
    const n = /\((\d+)\)/.exec(t);
    return parseString(attr, text, n ? Number(n[1]) : null);
  }
  return parseString(attr, text, null);
}
