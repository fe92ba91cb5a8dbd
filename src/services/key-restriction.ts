/**
 * `--key NAME=VALUE` flags of `dj fetch` and `dj delete` → a restriction, one value per
 * attribute. A repeated attribute is a usage error rather than "the last one wins": for a
 * delete, silently dropping `rid=1` from `--key rid=1 --key rid=2` deletes the wrong rows.
 */
import type { Restriction } from "../db/types.js";
import { UsageError } from "../errors.js";
import type { Heading } from "../schema/heading.js";
import { parseAttributeValue } from "./values.js";

export function restrictionFromKeys(heading: Heading, keys: readonly string[]): Restriction {
  const visible = heading.attributes.filter((a) => !a.hidden);
  const out: Restriction = {};
  const given = new Map<string, string>();
  for (const k of keys) {
    const eq = k.indexOf("=");
    if (eq <= 0) throw new UsageError(`--key expects NAME=VALUE, got ${JSON.stringify(k)}`);
    const name = k.slice(0, eq).trim();
    const a = visible.find((x) => x.name === name);
    if (!a) throw new UsageError(`${heading.schema}.${heading.className} has no attribute "${name}"`, { hint: `attributes: ${visible.map((x) => x.name).join(", ")}` });
    const earlier = given.get(name);
    if (earlier !== undefined) {
      throw new UsageError(`--key ${name} is given twice (${earlier}, ${k}): a restriction has one value per attribute`, {
        hint: "run the command once per value",
        code: "usage.key",
      });
    }
    given.set(name, k);
    out[name] = parseAttributeValue(name, a.type, k.slice(eq + 1)).sql;
  }
  return out;
}
