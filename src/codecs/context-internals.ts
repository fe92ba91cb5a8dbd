/**
 * What the built-in codecs know about a store beyond the public context: its addressing settings
 * (sections, subfolding, partition pattern, token length), kept beside the context rather than
 * on it, so a plugin's context holds no configuration at all. Credentials are not among them.
 */
import type { CommonStoreSpec } from "../config/types.js";
import { CodecError, makeError, type DjErrorOptions, type ErrorKind } from "../errors.js";
import type { EncodeContext, ErrorHelpers } from "./types.js";

export type StoreLayout = Pick<CommonStoreSpec, "location" | "hash_prefix" | "schema_prefix" | "filepath_prefix" | "subfolding" | "partition_pattern" | "token_length">;

const layouts = new WeakMap<EncodeContext, StoreLayout>();

export function attachLayout(ctx: EncodeContext, spec: CommonStoreSpec): void {
  const { location, hash_prefix, schema_prefix, filepath_prefix, subfolding, partition_pattern, token_length } = spec;
  layouts.set(ctx, { location, hash_prefix, schema_prefix, filepath_prefix, subfolding, partition_pattern, token_length });
}

/** The store layout of a built-in codec's context (DataJoint's error when there is no store). */
export function layoutOf(ctx: EncodeContext, codec: string): StoreLayout {
  const layout = layouts.get(ctx);
  if (!layout) throw new CodecError(`<${codec}> requires @ (store only)`, { code: "codec.store" });
  return layout;
}

export const errorHelpers: ErrorHelpers = {
  fail(kind: ErrorKind, message: string, options?: DjErrorOptions): never {
    throw makeError(kind, message, options);
  },
  error(kind: ErrorKind, message: string, options?: DjErrorOptions): Error {
    return makeError(kind, message, options);
  },
};
