/**
 * JSON as Python's `json.dumps(obj, indent=4, sort_keys=True)` writes it — the text zarr-python 2
 * writes for `.zarray`/`.zattrs` — with floats keeping their `.0`. With `sortKeys` false, keys
 * keep their order (zarr-python 3's `zarr.json`, `indent=2`).
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyJson(value: unknown, indent = 4, level = 0, sortKeys = true): string {
  const pad = " ".repeat(indent * (level + 1));
  const end = " ".repeat(indent * level);
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) {
    const v = value.value;
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    return Number.isInteger(v) ? v.toFixed(1) : String(v);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => pad + pyJson(v, indent, level + 1, sortKeys)).join(",\n") + "\n" + end + "]";
  }
  const all = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const entries = sortKeys ? all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : all;
  if (entries.length === 0) return "{}";
  return "{\n" + entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pyJson(v, indent, level + 1, sortKeys)}`).join(",\n") + "\n" + end + "}";
}
