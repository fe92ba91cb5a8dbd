/** Helpers shared by the built-in codecs. */
import { CodecError } from "../../errors.js";
import { layoutOf, type StoreLayout } from "../context-internals.js";
import type { Store } from "../../stores/types.js";
import type { EncodeContext } from "../types.js";

/** The store and its layout for a store codec (DataJoint's errors when there is none). */
export function storeOf(ctx: EncodeContext, codec: string): { store: Store; spec: StoreLayout; name: string } {
  if (!ctx.store || !ctx.storeName) throw new CodecError(`<${codec}> requires @ (store only)`, { code: "codec.store" });
  return { store: ctx.store, spec: layoutOf(ctx, codec), name: ctx.storeName };
}

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds and `+00:00`. */
export function pythonUtcTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

/** The primary key in the table's order, as the addressing functions want it. */
export function orderedKey(ctx: EncodeContext): Array<[string, EncodeContext["primaryKey"][string]]> {
  return Object.entries(ctx.primaryKey);
}

export function jsonObject(stored: unknown, codec: string): Record<string, unknown> {
  if (typeof stored === "object" && stored !== null && !Array.isArray(stored)) return stored as Record<string, unknown>;
  throw new CodecError(`<${codec}>: stored metadata is not a JSON object`, { code: "codec.decode" });
}

export function storeNameOf(meta: Record<string, unknown>): string | null {
  return typeof meta.store === "string" && meta.store !== "" ? meta.store : null;
}
