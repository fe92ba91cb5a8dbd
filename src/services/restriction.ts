/**
 * The one restriction of `dj fetch`, `dj delete` and `dj count`: `--key NAME=VALUE` flags
 * (equalities) and a `--where` expression, all AND-ed, checked against the heading and turned
 * into a Condition whose values are bound parameters. Also the ORDER BY terms of `--order-by`.
 */
import { allOf, keyCondition, type Condition, type OrderTerm } from "../db/condition.js";
import type { KeyRow } from "../db/types.js";
import { UsageError } from "../errors.js";
import type { Heading } from "../schema/heading.js";
import { parseAttributeValue } from "./values.js";
import { bindWhere } from "./where-bind.js";
import { parseWhere } from "./where-parse.js";

export interface RestrictionInput {
  /** `--key` flags, `NAME=VALUE` each. */
  keys?: readonly string[];
  /** `--where` expression. */
  where?: string;
}

/** True when the input restricts anything (delete refuses to run without it unless --all). */
export function restricts(input: RestrictionInput): boolean {
  return (input.keys?.length ?? 0) > 0 || (input.where !== undefined && input.where.trim() !== "");
}

/**
 * `--key` flags as one value per attribute. A repeated attribute is a usage error rather than
 * "the last one wins": for a delete, silently dropping `rid=1` from `--key rid=1 --key rid=2`
 * deletes the wrong rows (`--where "rid in (1, 2)"` says what was meant).
 */
export function keyValues(heading: Heading, keys: readonly string[]): KeyRow {
  const visible = heading.attributes.filter((a) => !a.hidden);
  const out: KeyRow = {};
  const given = new Map<string, string>();
  for (const k of keys) {
    const eq = k.indexOf("=");
    if (eq <= 0) throw new UsageError(`--key expects NAME=VALUE, got ${JSON.stringify(k)}`, { code: "usage.key" });
    const name = k.slice(0, eq).trim();
    const a = visible.find((x) => x.name === name);
    if (!a) throw new UsageError(`${heading.schema}.${heading.className} has no attribute "${name}"`, { hint: `attributes: ${visible.map((x) => x.name).join(", ")}` });
    const earlier = given.get(name);
    if (earlier !== undefined) {
      throw new UsageError(`--key ${name} is given twice (${earlier}, ${k}): a restriction has one value per attribute`, {
        hint: `run the command once per value, or use --where "${name} in (…)"`,
        code: "usage.key",
      });
    }
    given.set(name, k);
    out[name] = parseAttributeValue(name, a.type, k.slice(eq + 1)).sql;
  }
  return out;
}

/** The restriction as one Condition (null: every row). */
export function restrictionOf(heading: Heading, input: RestrictionInput): Condition | null {
  const parts: Condition[] = [];
  const key = keyCondition(keyValues(heading, input.keys ?? []));
  if (key) parts.push(key);
  if (input.where !== undefined) parts.push(bindWhere(parseWhere(input.where), heading));
  return allOf(parts);
}

/**
 * `--order-by` values (each `NAME [asc|desc]`, several per value when comma-separated), then
 * the primary-key attributes not named, so the order is total and pages of --limit/--offset
 * never overlap or skip a row. With no `--order-by` that is primary-key order (DataJoint's
 * default order for a limited fetch).
 */
export function orderOf(heading: Heading, orderBy: readonly string[] = []): OrderTerm[] {
  const visible = heading.attributes.filter((a) => !a.hidden);
  const terms: OrderTerm[] = [];
  for (const item of orderBy.flatMap((v) => v.split(","))) {
    const words = item.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) throw new UsageError(`--order-by: an empty term in ${JSON.stringify(orderBy.join(", "))}`, { code: "usage.order" });
    const [name, direction, ...rest] = words as [string, string | undefined, ...string[]];
    const dir = direction?.toLowerCase();
    if (rest.length || (dir !== undefined && dir !== "asc" && dir !== "desc")) {
      throw new UsageError(`--order-by expects NAME [asc|desc], got ${JSON.stringify(item.trim())}`, { hint: '--order-by "session_date desc" --order-by subject_id', code: "usage.order" });
    }
    const a = visible.find((x) => x.name === name);
    if (!a) throw new UsageError(`--order-by: ${heading.schema}.${heading.className} has no attribute "${name}"`, { hint: `attributes: ${visible.map((x) => x.name).join(", ")}`, code: "usage.order" });
    if (a.codec || /^(json|jsonb|longblob|blob|mediumblob|tinyblob|bytes|bytea)\b/i.test(a.type.trim())) {
      throw new UsageError(`--order-by: ${name} is ${a.type}; its values have no order`, { code: "usage.order" });
    }
    if (terms.some((t) => t.column === name)) throw new UsageError(`--order-by: ${name} is named twice`, { code: "usage.order" });
    terms.push({ column: name, descending: dir === "desc" });
  }
  for (const a of visible) if (a.inKey && !terms.some((t) => t.column === a.name)) terms.push({ column: a.name, descending: false });
  return terms;
}
