/**
 * The DataJoint definition language (datajoint-compat.md §6.1): a table comment, primary-key
 * attributes above `---`, secondary ones below, foreign keys `-> [nullable, unique] Parent`,
 * `index(...)` / `unique index(...)`, and attributes `name [= default] : type [# comment]`.
 * A foreign key may rename the parent's key attributes: `-> Cell.proj(input="cell")`.
 * Every error quotes the offending line and its number.
 */
import { InputError } from "../errors.js";

export interface SourceLine {
  text: string;
  /** 1-based line number in the source file. */
  line: number;
}

export interface AttributeDef {
  kind: "attribute";
  name: string;
  type: string;
  /** Raw default as written (`null`, `"x"`, `0`, `CURRENT_TIMESTAMP`), or null when none. */
  default: string | null;
  comment: string;
  inKey: boolean;
  line: number;
}

export interface ForeignKeyDef {
  kind: "foreignKey";
  /** `master`, `Table`, `schema.Table`, `Table.Part`, `schema.Table.Part`. */
  target: string;
  /** `.proj(new="old", ...)` renames of the parent's key attributes, as [new, old] in order. */
  renames: Array<[string, string]>;
  nullable: boolean;
  unique: boolean;
  inKey: boolean;
  line: number;
}

export interface IndexDef {
  kind: "index";
  unique: boolean;
  columns: string[];
  line: number;
}

export type DefinitionItem = AttributeDef | ForeignKeyDef | IndexDef;

export interface TableDefinition {
  comment: string;
  items: DefinitionItem[];
}

export function definitionError(file: string, src: SourceLine, message: string, hint?: string): InputError {
  return new InputError(`${file}:${src.line}: ${message} in line "${src.text.trim()}"`, { code: "definition.syntax", ...(hint ? { hint } : {}) });
}

/** How to write a projected foreign key, for errors about one. */
export const PROJ_HINT = 'rename parent key attributes with -> Parent.proj(new_name="parent_attribute", ...)';

/** Split `text` at the first `ch` outside quotes and brackets; null when absent. */
function splitOutside(text: string, ch: string): [string, string] | null {
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "<") depth++;
    else if (c === ")" || c === ">") depth--;
    else if (c === ch && depth === 0) return [text.slice(0, i), text.slice(i + 1)];
  }
  return null;
}

const NAME = /^[a-z][a-z0-9_]*$/;

function parseAttribute(file: string, src: SourceLine, text: string, inKey: boolean): AttributeDef {
  const withComment = splitOutside(text, "#");
  const body = (withComment ? withComment[0] : text).trim();
  const comment = withComment ? withComment[1].trim() : "";
  const colon = splitOutside(body, ":");
  if (!colon) throw definitionError(file, src, "expected `name : type` (or `name = default : type`)");
  const [left, typePart] = colon;
  const eq = left.indexOf("=");
  const name = (eq < 0 ? left : left.slice(0, eq)).trim();
  const def = eq < 0 ? null : left.slice(eq + 1).trim();
  const type = typePart.trim();
  if (name.startsWith("_")) {
    throw definitionError(file, src, `attribute name "${name}" starts with an underscore; names with a leading underscore are reserved for platform-managed columns`);
  }
  if (!NAME.test(name)) throw definitionError(file, src, `invalid attribute name "${name}" (lower case letters, digits and _; starting with a letter)`);
  if (def === "") throw definitionError(file, src, "empty default value after `=`");
  if (type === "") throw definitionError(file, src, "missing type after `:`");
  if (comment.startsWith(":")) throw definitionError(file, src, "an attribute comment must not start with a colon");
  if (inKey && def !== null && def.toLowerCase() === "null") throw definitionError(file, src, "primary key attributes cannot be nullable");
  return { kind: "attribute", name, type, default: def, comment, inKey, line: src.line };
}

function parseForeignKey(file: string, src: SourceLine, text: string, inKey: boolean): ForeignKeyDef {
  let rest = text.slice(text.indexOf("->") + 2).trim();
  let nullable = false;
  let unique = false;
  const opts = /^\[([^\]]*)\]\s*/.exec(rest);
  if (opts) {
    for (const raw of opts[1]!.split(",").map((o) => o.trim().toLowerCase()).filter(Boolean)) {
      if (raw === "nullable") nullable = true;
      else if (raw === "unique") unique = true;
      else throw definitionError(file, src, `invalid foreign key option "${raw}" (use nullable and/or unique)`);
    }
    rest = rest.slice(opts[0].length);
  }
  const ref = rest.replace(/\s*#.*$/, "").trim();
  const proj = /^(.*?)\s*\.\s*proj\s*\((.*)\)$/s.exec(ref);
  const target = proj ? proj[1]!.trim() : ref;
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/.test(target)) {
    throw definitionError(file, src, `expected a table after -> (Table, schema.Table, master or Table.proj(new="old")), got "${ref}"`, PROJ_HINT);
  }
  const renames = proj ? parseRenames(file, src, proj[2]!) : [];
  if (nullable && inKey) throw definitionError(file, src, "primary dependencies cannot be nullable");
  return { kind: "foreignKey", target, renames, nullable, unique, inKey, line: src.line };
}

/** The arguments of `.proj(...)` in a foreign key: `new="old"` pairs (either quote), comma-separated. */
function parseRenames(file: string, src: SourceLine, args: string): Array<[string, string]> {
  const renames: Array<[string, string]> = [];
  if (args.trim() === "") return renames;
  for (const arg of args.split(",")) {
    const m = /^\s*([a-z][a-z0-9_]*)\s*=\s*(?:"([a-z][a-z0-9_]*)"|'([a-z][a-z0-9_]*)')\s*$/.exec(arg);
    if (!m) {
      throw definitionError(file, src, `expected new_name="parent_attribute" in .proj(...), got "${arg.trim()}" (a foreign key can only rename the parent's key attributes)`, PROJ_HINT);
    }
    const [next, old] = [m[1]!, (m[2] ?? m[3])!];
    if (renames.some(([n]) => n === next)) throw definitionError(file, src, `"${next}" is named twice in .proj(...)`, PROJ_HINT);
    if (renames.some(([, o]) => o === old)) throw definitionError(file, src, `"${old}" is renamed twice in .proj(...)`, PROJ_HINT);
    renames.push([next, old]);
  }
  return renames;
}

export function parseDefinition(file: string, lines: SourceLine[]): TableDefinition {
  const items: DefinitionItem[] = [];
  let comment = "";
  let inKey = true;
  let seenContent = false;
  for (const src of lines) {
    const text = src.text.trim();
    if (text === "") continue;
    if (text.startsWith("#")) {
      if (!seenContent && comment === "") {
        comment = text.slice(1).trim();
        if (comment.startsWith(":")) throw definitionError(file, src, 'table comment must not start with a colon ":"');
      }
      continue;
    }
    seenContent = true;
    if (text.startsWith("---")) {
      if (!inKey) throw definitionError(file, src, "a second `---` divider");
      inKey = false;
      continue;
    }
    const arrow = text.indexOf("->");
    if (arrow >= 0 && !/["'#]/.test(text.slice(0, arrow))) {
      items.push(parseForeignKey(file, src, text, inKey));
      continue;
    }
    const index = /^(unique\s+)?index\s*\((.*)\)\s*(#.*)?$/i.exec(text);
    if (index) {
      const columns = index[2]!.split(",").map((c) => c.trim().replace(/^`|`$/g, ""));
      if (columns.some((c) => c === "")) throw definitionError(file, src, "empty column in index");
      items.push({ kind: "index", unique: Boolean(index[1]), columns, line: src.line });
      continue;
    }
    items.push(parseAttribute(file, src, text, inKey));
  }
  return { comment, items };
}
