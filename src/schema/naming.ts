/**
 * DataJoint's table naming: tier prefixes on the SQL name and its CamelCase → snake_case rule,
 * quirks included (`HTTPServer` → `h_t_t_p_server`, `Scan2P` → `scan2_p`), and back.
 */
import { InputError } from "../errors.js";

export type Tier = "manual" | "lookup" | "imported" | "computed" | "part";

export const TIER_PREFIX: Record<Exclude<Tier, "part">, string> = {
  manual: "",
  lookup: "#",
  imported: "_",
  computed: "__",
};

/** `MyTable` → `my_table`; every capital becomes `_` + lower case except at the start. */
export function fromCamelCase(name: string): string {
  const cleaned = name.replace(/_/g, "");
  if (!/^[A-Z][A-Za-z0-9]*$/.test(cleaned)) {
    throw new InputError(`invalid class name ${JSON.stringify(name)}: use CamelCase starting with a capital letter (e.g. Recording)`, {
      code: "definition.name",
    });
  }
  return cleaned.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
}

/** `my_table` → `MyTable` (inverse of fromCamelCase for the names it produces). */
export function toCamelCase(snake: string): string {
  return snake
    .split("_")
    .filter((s) => s !== "")
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join("");
}

/** SQL name of a table: tier prefix + snake name; parts `master_sql__part`. */
export function tableSqlName(className: string, tier: Tier, masterSqlName?: string): string {
  if (tier === "part") {
    if (!masterSqlName) throw new InputError(`part table ${className} needs a master`, { code: "definition.part" });
    return `${masterSqlName}__${fromCamelCase(className)}`;
  }
  return TIER_PREFIX[tier] + fromCamelCase(className);
}

export interface ParsedSqlName {
  tier: Tier;
  className: string;
  /** For parts: the master's SQL name and class name. */
  master?: { sqlName: string; className: string };
}

/** Read tier and class name back from a SQL table name (`__recording__channel` → part of Recording). */
export function parseSqlName(sqlName: string): ParsedSqlName | null {
  const m = /^(#|__|_|)([a-z][a-z0-9_]*?)(?:__([a-z][a-z0-9_]*))?$/.exec(sqlName);
  if (!m) return null;
  const prefix = m[1]!;
  const tier = (Object.entries(TIER_PREFIX).find(([, p]) => p === prefix)?.[0] ?? "manual") as Tier;
  const className = toCamelCase(m[2]!);
  if (m[3]) return { tier: "part", className: toCamelCase(m[3]), master: { sqlName: prefix + m[2], className } };
  return { tier, className };
}
