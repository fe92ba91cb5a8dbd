/**
 * A heading → its definition in the `.dj` format, so `dj describe --schema S > s.dj && dj
 * declare s.dj` round-trips. Attributes that came in through a foreign key are written as the
 * `-> Parent` line (`-> Parent.proj(new="old")` when renamed), where the last of them is seen.
 */
import { userIndexes, type Attribute, type ForeignKey, type Heading } from "./heading.js";
import { parseSqlName } from "./naming.js";

/** The name a foreign-key line uses for its parent, relative to the child's schema. */
export function parentReference(child: Heading, fk: ForeignKey): string {
  if (child.master && fk.parentTable === child.master && fk.parentSchema === child.schema) return "master";
  const parsed = parseSqlName(fk.parentTable);
  const cls = parsed ? (parsed.master ? `${parsed.master.className}.${parsed.className}` : parsed.className) : fk.parentTable;
  return fk.parentSchema === child.schema ? cls : `${fk.parentSchema}.${cls}`;
}

function definitionDefault(a: Attribute): string | null {
  if (a.nullable) return "null";
  if (a.default === null) return null;
  const d = a.default;
  if (d.startsWith("'") && d.endsWith("'")) return JSON.stringify(d.slice(1, -1).replace(/''/g, "'").replace(/\\\\/g, "\\"));
  return d;
}

export function attributeLine(a: Attribute): string {
  const def = definitionDefault(a);
  const left = def === null ? a.name : `${a.name} = ${def}`;
  return `${left} : ${a.type}${a.comment ? `  # ${a.comment}` : ""}`;
}

/** `-> [nullable, unique] Parent`, with `.proj(new="old",...)` (DataJoint's spelling) when columns are renamed. */
export function foreignKeyLine(h: Heading, fk: ForeignKey): string {
  const opts = [fk.nullable ? "nullable" : "", fk.unique ? "unique" : ""].filter(Boolean);
  const renames = fk.columns.map((c, i) => [c, fk.refColumns[i]!] as const).filter(([c, ref]) => c !== ref);
  const proj = renames.length ? `.proj(${renames.map(([c, ref]) => `${c}="${ref}"`).join(",")})` : "";
  return `-> ${opts.length ? `[${opts.join(", ")}] ` : ""}${parentReference(h, fk)}${proj}`;
}

/** The definition lines (without the header), as they appear indented under `Class (tier)`. */
export function definitionLines(h: Heading): string[] {
  const lines: string[] = [];
  if (h.comment) lines.push(`# ${h.comment}`);
  const key = h.attributes.filter((a) => a.inKey && !a.hidden);
  const rest = h.attributes.filter((a) => !a.inKey && !a.hidden);
  // As DataJoint's describe: an attribute of a foreign key is not written itself; the `->` line
  // comes where the last of its attributes has been seen, so keys shared by several foreign
  // keys and renamed (projected) keys come back in declaration order.
  const emitted = new Set<ForeignKey>();
  const seen = new Set(h.attributes.filter((a) => a.hidden).map((a) => a.name));
  const section = (attrs: Attribute[]) => {
    for (const a of attrs) {
      seen.add(a.name);
      const fks = h.foreignKeys.filter((f) => f.columns.includes(a.name));
      for (const fk of fks) {
        if (!emitted.has(fk) && fk.columns.every((c) => seen.has(c))) {
          emitted.add(fk);
          lines.push(foreignKeyLine(h, fk));
        }
      }
      if (fks.length === 0) lines.push(attributeLine(a));
    }
  };
  section(key);
  lines.push("---");
  section(rest);
  if (lines[lines.length - 1] === "---" && rest.length === 0) lines.pop();
  for (const ix of userIndexes(h)) lines.push(`${ix.unique ? "unique index" : "index"}(${ix.columns.join(", ")})`);
  return lines;
}

export function describeTable(h: Heading): string {
  const header = h.master
    ? `${parseSqlName(h.master)?.className ?? h.master}.${h.className} (part)`
    : `${h.className} (${h.tier})`;
  return [header, ...definitionLines(h).map((l) => `    ${l}`)].join("\n");
}

/** A whole schema as a `.dj` file, parents before children. */
export function describeSchema(schema: string, headings: Heading[]): string {
  return [`schema ${schema}`, "", ...orderByDependencies(headings).map((h) => describeTable(h) + "\n")].join("\n");
}

export function orderByDependencies(headings: Heading[]): Heading[] {
  const byName = new Map(headings.map((h) => [h.table, h]));
  const out: Heading[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (h: Heading) => {
    if (state.get(h.table) === "done" || state.get(h.table) === "visiting") return;
    state.set(h.table, "visiting");
    const deps = [...h.foreignKeys.filter((f) => f.parentSchema === h.schema).map((f) => f.parentTable), ...(h.master ? [h.master] : [])];
    for (const d of deps) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    state.set(h.table, "done");
    out.push(h);
  };
  for (const h of [...headings].sort((a, b) => a.table.localeCompare(b.table))) visit(h);
  return out;
}
