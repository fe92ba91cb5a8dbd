/** Helpers shared by the built-in codecs. */
import { CodecError } from "../../errors.js";
import type { Store } from "../../stores/types.js";
import type { EncodeContext, ReferencedPath, VerifyContext } from "../types.js";

/**
 * The store of a store codec (DataJoint's error when there is none). Built-ins address objects
 * through the public context only (`ctx.objectPath`, `ctx.contentPath`), exactly as plugins do.
 */
export function storeOf(ctx: EncodeContext, codec: string): { store: Store; name: string } {
  if (!ctx.store || !ctx.storeName) throw new CodecError(`<${codec}> requires @ (store only)`, { code: "codec.store" });
  return { store: ctx.store, name: ctx.storeName };
}

/** The content-addressed key of a digest, from the public context. */
export function contentPathOf(ctx: EncodeContext, codec: string, digest: string): string {
  if (!ctx.contentPath) throw new CodecError(`<${codec}>: this dj has no content-addressed paths`, { code: "codec.store" });
  return ctx.contentPath(digest);
}

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds and `+00:00`. */
export function pythonUtcTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

export function jsonObject(stored: unknown, codec: string): Record<string, unknown> {
  if (typeof stored === "object" && stored !== null && !Array.isArray(stored)) return stored as Record<string, unknown>;
  throw new CodecError(`<${codec}>: stored metadata is not a JSON object`, { code: "codec.decode" });
}

export function storeNameOf(meta: Record<string, unknown>): string | null {
  return typeof meta.store === "string" && meta.store !== "" ? meta.store : null;
}

/** The one object a value's metadata records (`path`, `store`): what gc must keep. */
export function recordedPath(stored: unknown, codec: string): ReferencedPath[] {
  const meta = jsonObject(stored, codec);
  return typeof meta.path === "string" ? [{ path: meta.path, store: storeNameOf(meta) }] : [];
}

/** The metadata of a stored value and the store and path it records, for `verify`. */
export async function recordedObject(stored: unknown, codec: string, ctx: VerifyContext) {
  const meta = jsonObject(stored, codec);
  const name = storeNameOf(meta);
  return { meta, name, store: await ctx.getStore(name), path: String(meta.path) };
}
