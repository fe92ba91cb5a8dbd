/**
 * `.dj` pipeline files: `schema NAME` lines, then blocks headed at column 0 by
 * `ClassName (tier)` (or `Master.Part (part)`) whose indented lines are the definition.
 * `#` lines at column 0 are comments. An indented `contents` line ends a lookup table's
 * definition: the indented lines after it are the table's rows (lookup-contents.ts).
 */
import { InputError } from "../errors.js";
import type { SourceLine } from "./definition.js";
import type { Tier } from "./naming.js";
import { isValidSchemaName, SCHEMA_NAME_RULE } from "./schema-name.js";

export interface DeclaredTable {
  schema: string;
  className: string;
  tier: Tier;
  /** For parts: the master's class name. */
  master: string | null;
  file: string;
  line: number;
  lines: SourceLine[];
  /** A Lookup table's rows: the lines after an indented `contents` line (lookup-contents.ts). */
  contents?: { line: number; lines: SourceLine[] };
}

const TIERS: Tier[] = ["manual", "lookup", "imported", "computed", "part"];

export function parsePipelineFile(file: string, text: string, defaultSchema: string | null): DeclaredTable[] {
  const tables: DeclaredTable[] = [];
  let schema = defaultSchema;
  let current: DeclaredTable | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const fail = (msg: string) => new InputError(`${file}:${line}: ${msg} in line "${raw.trim()}"`, { code: "definition.syntax" });
    if (raw.trim() === "") return;
    if (/^\s/.test(raw)) {
      if (!current) throw fail("an indented definition line outside any table block (put a `ClassName (tier)` header above it)");
      if (current.contents) current.contents.lines.push({ text: raw, line });
      else if (raw.trim() === "contents") current.contents = { line, lines: [] };
      else current.lines.push({ text: raw, line });
      return;
    }
    if (raw.startsWith("#")) return;
    const schemaLine = /^schema\s+(\S+)\s*$/.exec(raw);
    if (schemaLine) {
      const name = schemaLine[1]!;
      if (!isValidSchemaName(name)) throw fail(`invalid schema name "${name}": ${SCHEMA_NAME_RULE}`);
      schema = name;
      current = null;
      return;
    }
    const header = /^([A-Z][A-Za-z0-9]*)(?:\.([A-Z][A-Za-z0-9]*))?\s*\(\s*([a-z]+)\s*\)\s*(#.*)?$/.exec(raw);
    if (!header) throw fail("expected `ClassName (tier)`, `Master.Part (part)` or `schema NAME`");
    const tier = header[3] as Tier;
    if (!TIERS.includes(tier)) throw fail(`unknown tier "${header[3]}" (manual, lookup, imported, computed or part)`);
    const isPart = Boolean(header[2]);
    if (isPart !== (tier === "part")) throw fail(isPart ? "a part table `Master.Part` must have the tier (part)" : "a (part) table is written `Master.Part (part)`");
    if (!schema) throw fail("no schema for this table: add a `schema NAME` line above it, set \"schema\" in the config, or pass --schema");
    current = {
      schema,
      className: isPart ? header[2]! : header[1]!,
      tier,
      master: isPart ? header[1]! : null,
      file,
      line,
      lines: [],
    };
    tables.push(current);
  });
  return tables;
}
