/**
 * `<name>`, `<name@>`, `<name@store>` → {name, store}; store is null without `@` and "" for a
 * bare `@` (which means `stores.default`, resolved at write time).
 */
import { CodecError, isDjError } from "../errors.js";
import type { CodecTypeSpec } from "./types.js";

export function isCodecType(type: string): boolean {
  return /^<.*>$/.test(type.trim());
}

export function parseTypeSpec(type: string): CodecTypeSpec {
  const inner = type.trim().replace(/^<|>$/g, "");
  const at = inner.indexOf("@");
  const name = (at < 0 ? inner : inner.slice(0, at)).trim();
  const store = at < 0 ? null : inner.slice(at + 1).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    throw new CodecError(`invalid codec type ${type}: expected <name>, <name@> or <name@store>`, { code: "codec.spec" });
  }
  if (store !== null && store !== "" && !/^[A-Za-z0-9_-]+$/.test(store)) {
    throw new CodecError(`invalid store name in codec type ${type}`, { code: "codec.spec" });
  }
  return { name, store };
}

/**
 * The codec a column's `:<name@store>:` marker names, read back from the database. A marker this
 * version cannot parse keeps its name (store unknown), so describe and fetch can say which codec.
 */
export function codecOfMarker(type: string): CodecTypeSpec {
  try {
    return parseTypeSpec(type);
  } catch (err) {
    if (!isDjError(err, "codec")) throw err;
    return { name: type.replace(/[<>]/g, ""), store: null } as CodecTypeSpec;
  }
}
