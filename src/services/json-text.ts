/**
 * JSON text exactly as Python's `json.dumps(value)` writes it with default settings, which is
 * what DataJoint for Python stores in codec columns: `", "` and `": "` separators and
 * `ensure_ascii=True` (non-ASCII as `\uXXXX`, astral characters as surrogate pairs).
 *
 * MariaDB keeps JSON text verbatim, so writing the same bytes as Python keeps rows written by
 * either tool indistinguishable (readers must still parse, never compare text).
 */

export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return "[" + value.map(pythonJsonDumps).join(", ") + "]";
  if (value instanceof Date) return quote(value.toISOString());
  if (typeof value === "object") {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => quote(k) + ": " + pythonJsonDumps(v));
    return "{" + parts.join(", ") + "}";
  }
  throw new TypeError(`cannot serialise ${typeof value} as JSON`);
}

function formatNumber(n: number): string {
  // Python writes NaN/Infinity literals; DataJoint metadata never holds them, and strict JSON
  // readers (MySQL's json_valid) reject them, so refuse rather than write invalid JSON.
  if (!Number.isFinite(n)) throw new TypeError(`cannot store ${n} in a JSON column`);
  return String(n);
}

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += s[i];
  }
  return out + '"';
}

/** JSON text parsed, or the text itself when it is not JSON (a plain string value). */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
