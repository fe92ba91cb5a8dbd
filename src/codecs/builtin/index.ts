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

export const builtinCodecs: Record<string, BuiltinCodec> = {
  attach: { description: "a file, restored under its own name (filename + contents); at most 1 GiB", stores: "bytes / <hash> (@store)", load: async () => (await import("./attach.js")).default },
  blob: { description: "any value in DataJoint's blob format (mYm/dj0); at most 1 GiB, JSON 31 levels deep", stores: "bytes / <hash> (@store)", load: async () => (await import("./blob.js")).default },
  filepath: { description: "a reference to a file already in a store (nothing copied)", stores: "json (@store only)", load: async () => (await import("./filepath.js")).default },
  hash: { description: "content-addressed bytes: _hash/{schema}/{md5-base32}, deduplicated; streamed, any size", stores: "json (@store only)", load: async () => (await import("./hash.js")).default },
  npy: { description: "an array as a NumPy .npy file at a schema-addressed path", stores: "json (@store only)", load: async () => (await import("./npy.js")).default },
  object: { description: "a file or directory at a schema-addressed path", stores: "json (@store only)", load: async () => (await import("./object.js")).default },
};
