/**
 * Table references as users write them: `schema.Table`, `schema.Master.Part`, `Table` (with the
 * config's `schema` or --schema), or the SQL name (`__spectrum`, `schema.recording__channel`).
 */
import { UsageError } from "../errors.js";
import type { Introspector } from "../db/types.js";
import type { Heading } from "../schema/heading.js";
import { fromCamelCase, parseSqlName, tableSqlName } from "../schema/naming.js";
import { assertSchemaName } from "../schema/schema-name.js";

const TIERS = ["manual", "lookup", "imported", "computed"] as const;

export async function resolveTable(ref: string, defaultSchema: string | null, introspector: Introspector): Promise<Heading> {
  const parts = ref.split(".");
  let schema: string | null = defaultSchema;
  let names: string[];
  if (parts.length >= 2 && !/^[A-Z]/.test(parts[0]!) ) {
    schema = assertSchemaName(parts[0]!, "table reference", `table reference ${JSON.stringify(ref)}`);
    names = parts.slice(1);
  } else {
    names = parts;
  }
  if (!schema) {
    throw new UsageError(`no schema for table ${ref}: write schema.${ref}, pass --schema, or set "schema" in the config`, { code: "usage.schema" });
  }
  if (names.length < 1 || names.length > 2 || names.some((n) => n === "")) throw new UsageError(`invalid table reference ${JSON.stringify(ref)}`);
  let candidates: string[];
  if (names.length === 1 && !/^[A-Z]/.test(names[0]!)) {
    candidates = [names[0]!]; // an SQL name
  } else {
    try {
      candidates = names.length === 1
        ? TIERS.map((t) => tableSqlName(names[0]!, t))
        : TIERS.map((t) => `${tableSqlName(names[0]!, t)}__${fromCamelCase(names[1]!)}`);
    } catch {
      throw new UsageError(`invalid table reference ${JSON.stringify(ref)}: use the CamelCase class name or the SQL name`);
    }
  }
  for (const table of candidates) {
    const heading = await introspector.heading(schema, table);
    if (heading) return heading;
  }
  const { DatabaseError } = await import("../errors.js");
  const near = await nearestTable(names.join("."), schema, introspector);
  const list = `\`dj tables ${schema}\` lists the tables of the schema`;
  throw new DatabaseError(`table ${schema}.${names.join(".")} does not exist`, {
    hint: near ? `did you mean ${near}? (${list})` : list,
    code: "db.table",
  });
}

/** The schema's table closest to a mistyped name, as the user wrote it (class or SQL name). */
async function nearestTable(wanted: string, schema: string, introspector: Introspector): Promise<string | null> {
  const tables = await introspector.tables(schema).catch(() => []);
  const bySql = !/^[A-Z]/.test(wanted);
  const names = tables.map((t) => {
    if (bySql) return t.name;
    const parsed = parseSqlName(t.name);
    return parsed ? (parsed.master ? `${parsed.master.className}.${parsed.className}` : parsed.className) : t.name;
  });
  const { nearest } = await import("../config/nearest.js");
  return nearest(wanted, names);
}
