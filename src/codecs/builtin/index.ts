/**
 * The built-in codecs, as lazy loaders so that listing them imports nothing.
 * `stores` is what `dj codecs list` shows: inline form / store form.
 */
import type { Codec } from "../types.js";

export interface BuiltinCodec {
  description: string;
  stores: string;
  load: () => Promise<Codec>;
}

export const builtinCodecs: Record<string, BuiltinCodec> = {};
