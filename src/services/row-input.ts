/** One row as the user gave it (flags, CSV cells, JSONL values), before any parsing by type. */
import { UsageError } from "../errors.js";

/** One row as given on the command line or in a rows file, before parsing. */
export interface RowInput {
  /** attribute → text (from --key, --set, CSV cells, JSONL scalars). */
  text: Record<string, string>;
  /** attribute → a structured JSON value (JSONL objects/arrays for json and blob attributes). */
  values: Record<string, unknown>;
  /** attribute → a file or folder path (--from, "@file" references). */
  files: Record<string, string>;
  /** --from without ATTR=: routed to the attribute that takes it. */
  unrouted: string[];
}

function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

export function rowFromFlags(keys: string[], sets: string[], froms: string[]): RowInput {
  const row: RowInput = { text: {}, values: {}, files: {}, unrouted: [] };
  for (const k of keys) {
    const [name, value] = splitAssignment(k, "--key");
    if (name in row.text) throw new UsageError(`--key ${name} is given twice`, { hint: "a row has one value per attribute" });
    row.text[name] = value;
  }
  for (const s of sets) {
    const [name, value] = splitAssignment(s, "--set");
    if (name in row.text) throw new UsageError(`${name} is given twice`);
    row.text[name] = value;
  }
  for (const f of froms) {
    const eq = f.indexOf("=");
    // `ATTR=FILE` when the part before = is an attribute name; else the whole text is a path.
    if (eq > 0 && /^[a-z][a-z0-9_]*$/.test(f.slice(0, eq))) row.files[f.slice(0, eq)] = f.slice(eq + 1);
    else row.unrouted.push(f);
  }
  return row;
}
