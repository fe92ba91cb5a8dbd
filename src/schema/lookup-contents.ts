/**
 * A Lookup table's `contents` block in a `.dj` file (DataJoint's `Lookup.contents`), after an
 * indented `contents` line, in one of two forms:
 *
 *  - JSON: the lines form one array of objects (`[{"species": "mouse", "latin": "Mus
 *    musculus"}]`) or of arrays in attribute order;
 *  - compact: one row per line, values in attribute order (key first, as `dj describe` lists
 *    them), separated by commas — or, on a line without a comma, by white space. A value in
 *    double quotes is a JSON string (`"a, b"`, `"say \"hi\""`); a bare `null` is NULL. Trailing
 *    attributes with a default may be left out. `#` lines are comments.
 *
 * Values stay text here; the service parses them by attribute type (values.ts).
 */
import { InputError } from "../errors.js";
import type { Attribute, Heading } from "./heading.js";
import type { DeclaredTable } from "./pipeline-file.js";

export interface ContentsRow {
  /** Line of the row in the file (for the JSON form: the line of its array). */
  line: number;
  /** Attribute → value as text; null is NULL. Only the attributes the row gives. */
  values: Record<string, string | null>;
}

function fail(decl: DeclaredTable, line: number, message: string): InputError {
  return new InputError(`${decl.file}:${line}: ${decl.className} contents: ${message}`, { code: "definition.contents" });
}

/** Whether a compact row separates its values by commas: a comma outside double quotes. */
function commaSeparated(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (quoted && text[i] === "\\") i++;
    else if (text[i] === '"') quoted = !quoted;
    else if (text[i] === "," && !quoted) return true;
  }
  return false;
}

/** Split a compact row into fields; a quoted field is kept whole (quotes included). */
function fields(text: string): Array<{ raw: string; quoted: boolean }> {
  const comma = commaSeparated(text);
  const isSep = (c: string | undefined) => c !== undefined && (comma ? c === "," : /\s/.test(c));
  const out: Array<{ raw: string; quoted: boolean }> = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (!comma && i >= n) break;
    if (text[i] === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out.push({ raw: text.slice(i, j + 1), quoted: true });
      i = j + 1;
      while (comma && i < n && /\s/.test(text[i]!)) i++;
      if (i < n && !isSep(text[i])) out.push({ raw: "\u0000", quoted: false }); // text after the quote: reported by fieldValue
    } else {
      let j = i;
      while (j < n && !isSep(text[j])) j++;
      out.push({ raw: text.slice(i, j).trim(), quoted: false });
      i = j;
    }
    if (i >= n) break;
    i++; // the separator
  }
  return out;
}

function fieldValue(decl: DeclaredTable, line: number, f: { raw: string; quoted: boolean }): string | null {
  if (f.raw === "\u0000") throw fail(decl, line, "text after a closing quote (quote the whole value)");
  if (!f.quoted) return f.raw.toLowerCase() === "null" ? null : f.raw;
  try {
    return JSON.parse(f.raw) as string;
  } catch {
    throw fail(decl, line, `bad quoted value ${f.raw} (double quotes, backslash escapes as in JSON)`);
  }
}

function jsonCell(decl: DeclaredTable, line: number, name: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object") return JSON.stringify(v);
  throw fail(decl, line, `bad value for ${name}`);
}

const optional = (a: Attribute) => a.nullable || a.default !== null;

export function parseContents(decl: DeclaredTable, heading: Heading): ContentsRow[] {
  const block = decl.contents;
  if (!block) return [];
  if (decl.tier !== "lookup") throw fail(decl, block.line, "a contents block belongs to a lookup table (DataJoint's Lookup.contents)");
  const attrs = heading.attributes.filter((a) => !a.hidden);
  const codec = attrs.find((a) => a.codec);
  if (codec) throw fail(decl, block.line, `attribute ${codec.name} is a codec type (${codec.type}): contents give plain values only`);
  const lines = block.lines.filter((l) => l.text.trim() !== "" && !l.text.trim().startsWith("#"));
  const rows: ContentsRow[] = [];
  const check = (row: ContentsRow) => {
    for (const name of Object.keys(row.values)) if (!attrs.some((a) => a.name === name)) throw fail(decl, row.line, `no attribute "${name}" (attributes: ${attrs.map((a) => a.name).join(", ")})`);
    for (const a of attrs) {
      if (a.name in row.values) continue;
      if (a.inKey || !optional(a)) throw fail(decl, row.line, `no value for ${a.name}, which has no default`);
    }
    rows.push(row);
  };
  if (lines.length && lines[0]!.text.trim().startsWith("[")) {
    const at = lines[0]!.line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines.map((l) => l.text).join("\n"));
    } catch (err) {
      throw fail(decl, at, `not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw fail(decl, at, "JSON contents must be an array of rows");
    parsed.forEach((r, i) => {
      const values: Record<string, string | null> = {};
      if (Array.isArray(r)) {
        if (r.length > attrs.length) throw fail(decl, at, `row ${i + 1} has ${r.length} values; the table has ${attrs.length} attributes`);
        r.forEach((v, k) => (values[attrs[k]!.name] = jsonCell(decl, at, attrs[k]!.name, v)));
      } else if (r && typeof r === "object") {
        for (const [k, v] of Object.entries(r)) values[k] = jsonCell(decl, at, k, v);
      } else throw fail(decl, at, `row ${i + 1} is neither an object nor an array`);
      check({ line: at, values });
    });
  } else {
    for (const l of lines) {
      const fs = fields(l.text.trim()).map((f) => fieldValue(decl, l.line, f));
      if (fs.length > attrs.length) throw fail(decl, l.line, `${fs.length} values for ${attrs.length} attributes (${attrs.map((a) => a.name).join(", ")}); quote values that contain commas or spaces`);
      const values: Record<string, string | null> = {};
      fs.forEach((v, k) => (values[attrs[k]!.name] = v));
      check({ line: l.line, values });
    }
  }
  const keys = new Map<string, number>();
  for (const r of rows) {
    const key = JSON.stringify(attrs.filter((a) => a.inKey).map((a) => r.values[a.name]));
    const first = keys.get(key);
    if (first !== undefined) throw fail(decl, r.line, `the key ${key} is given twice (first on line ${first})`);
    keys.set(key, r.line);
  }
  return rows;
}
