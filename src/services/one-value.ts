/**
 * The one stored value a `--slice` fetch or a `dj show` is about: the rows the key matches and
 * the codec attributes asked for (`--attr`, else every codec attribute), with plain words when
 * that is none or, for a slice, more than one.
 */
import { UsageError } from "../errors.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { plural } from "../plural.js";
import { fetchRows, type FetchedRow, type FetchResult } from "./fetch.js";
import type { Session } from "./session.js";

export interface ValueQuery {
  keys: string[];
  /** A `--where` expression, AND-ed with the keys. */
  where?: string;
  attrs?: string[];
}

export interface ValueTarget {
  row: FetchedRow;
  attr: Attribute;
}

/** Every non-null codec value of the matching rows (or of the named attributes). */
export async function valueTargets(session: Session, heading: Heading, q: ValueQuery): Promise<{ result: FetchResult; targets: ValueTarget[] }> {
  const result = await fetchRows(session, heading, { keys: q.keys, where: q.where, attrs: q.attrs });
  const table = `${heading.schema}.${heading.className}`;
  const attrs = result.attributes.filter((a) => !a.inKey && (q.attrs?.length ? q.attrs.includes(a.name) : a.codec !== null));
  if (result.rows.length === 0) {
    throw new UsageError(q.keys.length || q.where !== undefined ? `no row of ${table} matches the ${q.where !== undefined ? "restriction" : "key"}` : `${table} has no rows`, { hint: `\`dj fetch ${table}\` lists its rows`, code: "usage.empty" });
  }
  if (attrs.length === 0) throw new UsageError(`${table} has no codec attributes`, { hint: "name the attribute with --attr", code: "usage.empty" });
  const targets = result.rows.flatMap((row) => attrs.filter((a) => row.raw[a.name] !== null && row.raw[a.name] !== undefined).map((attr) => ({ row, attr })));
  if (targets.length === 0) throw new UsageError(`no value to show: ${attrs.map((a) => a.name).join(", ")} ${attrs.length === 1 ? "is" : "are"} empty in the matching rows`, { code: "usage.empty" });
  return { result, targets };
}

/** Exactly one value, or a usage error that says how to narrow down to one. */
export function theOneValue(heading: Heading, targets: ValueTarget[], flag: string): ValueTarget {
  if (targets.length === 1) return targets[0]!;
  const rows = new Set(targets.map((t) => t.row)).size;
  const attrs = [...new Set(targets.map((t) => t.attr.name))];
  throw new UsageError(`${flag} reads one value, but ${plural(targets.length, "value")} match (${plural(rows, "row")} of ${heading.schema}.${heading.className}${attrs.length > 1 ? `, attributes ${attrs.join(", ")}` : ""})`, {
    hint: rows > 1 ? "restrict to one row with --key" : `name one attribute with --attr (${attrs.join(", ")})`,
    code: "usage.one",
  });
}
