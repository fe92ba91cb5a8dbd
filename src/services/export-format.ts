/**
 * One fetched row as a CSV record or a JSON Lines document (`dj fetch --format csv|jsonl`).
 * Plain values keep their meaning across dialects: uuid as text, dates and datetimes in ISO
 * 8601, booleans as true/false, integers exact however large, binary values in base64. A codec
 * value is what the row stores: the JSON document of an external codec (path, store, size,
 * shape…), or base64 of the bytes of an in-table codec (`<blob>`, `<attach>`). Nothing is
 * decoded or read from a store.
 */
import type { Attribute } from "../schema/heading.js";

/** An exported value: JSON data, or `{ digits }` for an integer written exactly as it is. */
export type ExportValue = null | string | number | boolean | { digits: string } | { json: unknown };

const baseOf = (a: Attribute) => /^[a-z0-9]+/.exec(a.type.trim().toLowerCase())?.[0] ?? "";
const INTEGER = new Set(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "tinyint", "smallint", "mediumint", "int", "integer", "bigint"]);

function uuidText(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parsedJson(raw: unknown): { json: unknown } | string {
  if (typeof raw !== "string") return { json: raw };
  try {
    return { json: JSON.parse(raw) };
  } catch {
    return raw; // not JSON after all (another tool wrote the column): the text as it is
  }
}

export function exportValue(a: Attribute, raw: unknown): ExportValue {
  if (raw === null || raw === undefined) return null;
  const base = baseOf(a);
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) {
    const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (base === "uuid" && b.length === 16) return uuidText(b);
    return b.toString("base64");
  }
  if (a.codec || a.sqlType === "json" || base === "json" || base === "jsonb") return parsedJson(raw);
  if (INTEGER.has(base) && typeof raw === "string" && /^-?\d+$/.test(raw)) return { digits: raw };
  if (base === "bool" || base === "boolean") return raw === true || raw === 1 || raw === 1n || raw === "1" || raw === "t" || raw === "true";
  if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) && !INTEGER.has(base) ? Number(raw) : { digits: raw.toString() };
  if (raw instanceof Date) return base === "date" ? raw.toISOString().slice(0, 10) : raw.toISOString().replace(/Z$/, "");
  if ((base === "datetime" || base === "timestamp") && typeof raw === "string") return raw.replace(" ", "T");
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : String(raw); // NaN, Infinity: JSON has no word for them
  if (typeof raw === "string" || typeof raw === "boolean") return raw;
  return String(raw);
}

function jsonText(v: ExportValue): string {
  if (v !== null && typeof v === "object") return "digits" in v ? v.digits : JSON.stringify(v.json, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return JSON.stringify(v);
}

/** One JSON Lines document: `{"attr": value, …}` and a newline. */
export function jsonlLine(attributes: readonly Attribute[], row: Record<string, unknown>): string {
  return `{${attributes.map((a) => `${JSON.stringify(a.name)}:${jsonText(exportValue(a, row[a.name]))}`).join(",")}}\n`;
}

/**
 * RFC 4180: a field is quoted when it holds a comma, a quote, CR or LF (or has spaces at an
 * end, which some readers trim), quotes doubled; records end in CRLF. NULL is an empty field
 * and an empty string a quoted empty one (`""`), so readers that care can tell them apart.
 */
export function csvField(v: ExportValue): string {
  if (v === null) return "";
  const text = typeof v === "object" ? ("digits" in v ? v.digits : jsonText(v)) : String(v);
  if (text === "" || /[",\r\n]/.test(text) || /^\s|\s$/.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

export function csvHeader(attributes: readonly Attribute[]): string {
  return `${attributes.map((a) => csvField(a.name)).join(",")}\r\n`;
}

export function csvRecord(attributes: readonly Attribute[], row: Record<string, unknown>): string {
  return `${attributes.map((a) => csvField(exportValue(a, row[a.name]))).join(",")}\r\n`;
}
