/**
 * DataJoint's object addressing, as pure functions (datajoint-compat.md §4.1, §4.7):
 *   hash-addressed:   {hash_prefix}/{schema}/[{subfolds}/]{md5-base32}
 *   schema-addressed: {schema_prefix}/[{partition k=v}/]{schema}/{table}/[{pk k=v}/]{field}_{token}{ext}
 * Every generated key stays inside the store: no segment can be `.`, `..`, empty, or contain a
 * separator or NUL, whatever the key values are.
 */
import { createHash, randomInt } from "node:crypto";
import type { CommonStoreSpec } from "../config/types.js";
import { InputError } from "../errors.js";

/**
 * A primary-key value as it reaches a path. The same union as the codec API's `KeyValue`
 * (codecs/types.ts), named here because stores sit below codecs and must not import them. The
 * services hand `KeyValue`s to schemaPath, so the compiler fails there if the two drift apart.
 */
export type PathKeyValue = string | number | bigint | boolean | Date | null;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32, lower case, no padding. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** DataJoint's content hash: MD5 digest in lower-case unpadded base32 (26 characters). */
export function contentHash(data: Uint8Array): string {
  return base32(createHash("md5").update(data).digest());
}

/** An incremental content hash, for streamed objects. */
export function contentHasher(): { update(chunk: Uint8Array): void; digest(): string } {
  const md5 = createHash("md5");
  return { update: (c) => void md5.update(c), digest: () => base32(md5.digest()) };
}

export const HASH_NAME = /^[a-z2-7]{26}$/;

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, "");
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

export function hashPath(spec: Pick<CommonStoreSpec, "hash_prefix" | "subfolding">, schema: string, hash: string): string {
  assertSegment(schema, "schema");
  if (!HASH_NAME.test(hash)) throw new Error(`not a content hash: ${hash}`);
  const folds: string[] = [];
  let at = 0;
  for (const n of spec.subfolding ?? []) {
    folds.push(hash.slice(at, at + n));
    at += n;
  }
  return join(trimSlashes(spec.hash_prefix), schema, ...folds, hash);
}

/** The longest file name most file systems (ext4, XFS, APFS, NTFS) allow, in bytes. */
export const MAX_SEGMENT_BYTES = 255;

const NEEDS_QUOTING = /[/\\:*?"<>|]/;

/** Python's `urllib.parse.quote(s, safe="")`: everything but `A-Za-z0-9_.-~` percent-encoded (UTF-8). */
export function pythonQuote(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * A primary-key value as DataJoint writes it in paths: numbers as `str()`, booleans
 * `True`/`False`, date-times `YYYY-MM-DDTHH-MM-SS`, strings quoted only when they hold a
 * path-special character or exceed 100 characters (then `first50_md5hex8`).
 */
export function encodePkValue(value: PathKeyValue): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pythonNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) {
    const p = (n: number) => String(n).padStart(2, "0");
    return `${value.getUTCFullYear()}-${p(value.getUTCMonth() + 1)}-${p(value.getUTCDate())}T${p(value.getUTCHours())}-${p(value.getUTCMinutes())}-${p(value.getUTCSeconds())}`;
  }
  let s = String(value);
  if (NEEDS_QUOTING.test(s) || [...s].length > 100) {
    if ([...s].length > 100) s = [...s].slice(0, 50).join("") + "_" + createHash("md5").update(s, "utf8").digest("hex").slice(0, 8);
    s = pythonQuote(s);
  }
  return s;
}

/** Python's str() of a float keeps a `.0` on integral values. */
function pythonNumber(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) return String(n);
  if (Object.is(n, -0)) return "-0.0";
  return String(n);
}

/** Characters DataJoint leaves alone but that would break a store key; encoded the same way. */
function safeSegment(segment: string): string {
  // NUL and control characters are never valid in object keys; `.`/`..` must not become segments.
  const cleaned = segment.replace(/[\u0000-\u001f\u007f]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
  return cleaned;
}

export function assertSegment(name: string, what: string): void {
  if (name === "" || name === "." || name === ".." || /[/\\\u0000]/.test(name)) {
    throw new Error(`invalid ${what} for an object path: ${JSON.stringify(name)}`);
  }
}

const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function newToken(length: number): string {
  const n = Math.min(16, Math.max(4, Math.trunc(length)));
  let out = "";
  for (let i = 0; i < n; i++) out += TOKEN_ALPHABET[randomInt(64)];
  return out;
}

export interface SchemaPathInput {
  schema: string;
  /** SQL table name with its tier prefix (`__recording`). */
  table: string;
  /** Primary-key values in the table's key order. */
  primaryKey: Array<[string, PathKeyValue]>;
  field: string;
  /** Extension with or without its dot (`.npy`, `zarr`); none for plain objects. */
  ext?: string | null;
  token?: string;
}

export function schemaPath(
  spec: Pick<CommonStoreSpec, "schema_prefix" | "partition_pattern" | "token_length">,
  input: SchemaPathInput,
): { path: string; token: string } {
  assertSegment(input.schema, "schema");
  assertSegment(input.table, "table");
  assertSegment(input.field, "field");
  const partitionAttrs = spec.partition_pattern ? [...spec.partition_pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!) : [];
  const pk = new Map(input.primaryKey);
  const partition = partitionAttrs.filter((a) => pk.has(a)).map((a) => `${a}=${safeSegment(encodePkValue(pk.get(a)!))}`);
  const rest = input.primaryKey.filter(([a]) => !partitionAttrs.includes(a)).map(([a, v]) => `${a}=${safeSegment(encodePkValue(v))}`);
  const token = input.token ?? newToken(spec.token_length);
  const ext = input.ext ? (input.ext.startsWith(".") ? input.ext : "." + input.ext) : "";
  const path = join(trimSlashes(spec.schema_prefix), ...partition, input.schema, input.table, ...rest, `${input.field}_${token}${ext}`);
  for (const segment of [...partition, ...rest]) {
    const bytes = Buffer.byteLength(segment, "utf8");
    if (bytes > MAX_SEGMENT_BYTES) {
      // A key value is input data: refuse it before any store (or file system) sees the path.
      throw new InputError(`the key value makes the object path segment ${JSON.stringify(segment.slice(0, 60) + "…")} ${bytes} bytes long; file systems allow ${MAX_SEGMENT_BYTES}`, {
        hint: "use a shorter key value, or fewer characters that need %-encoding (/\\:*?\"<>|)",
        code: "input.key",
      });
    }
  }
  return { path, token };
}

/** Validate a store-relative key before any backend touches it: no escape from the location. */
export function checkKey(key: string): string | null {
  if (key === "") return "empty key";
  if (key.startsWith("/")) return "absolute key";
  if (key.includes("\\")) return "backslash in key";
  if (key.includes("\u0000")) return "NUL in key";
  if (key.split("/").some((s) => s === "." || s === "..")) return "`.` or `..` segment in key";
  return null;
}
