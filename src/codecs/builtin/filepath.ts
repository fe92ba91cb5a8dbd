/**
 * `<filepath@store>`: a reference to a file or folder already in a store (nothing is copied).
 * The path may not lie in the sections dj manages (`_hash/`, `_schema/`) and must exist.
 * Column JSON: {"path", "store", "size", "is_dir", "timestamp"}.
 */
import { CodecError, InputError, StoreError } from "../../errors.js";
import type { Codec } from "../types.js";
import { jsonObject, pythonUtcTimestamp, storeNameOf, storeOf, recordedObject, recordedPath } from "./shared.js";
import { checkObjectSize, problem } from "./verify-objects.js";

const section = (p: string | null) => (p ? p.replace(/^\/+|\/+$/g, "") + "/" : null);

const filepath: Codec & { storeDefault: "filepath" } = {
  name: "filepath",
  description: "a reference to a file already in a store",
  accepts: ["storePath"],
  storeDefault: "filepath",
  getDtype(isStore) {
    if (!isStore) throw new CodecError("<filepath> requires @ symbol. Use <filepath@> for default store or <filepath@store> to specify store.", { code: "codec.store" });
    return "json";
  },
  async encode(value, ctx) {
    if (value.kind !== "storePath") throw new InputError(`<filepath@> expects a store-relative path, got ${value.kind}`, { code: "input.value" });
    const { store, name } = storeOf(ctx, "filepath");
    const spec = ctx.storeSections;
    if (!spec) throw new CodecError("<filepath@>: this dj does not say which store sections are reserved", { code: "codec.store" });
    const path = value.path.replace(/^\/+/, "");
    for (const [key, prefix] of [["hash_prefix", spec.hash_prefix], ["schema_prefix", spec.schema_prefix]] as const) {
      const s = section(prefix);
      if (s && s !== "/" && path.startsWith(s)) {
        throw new InputError(`<filepath@> cannot use reserved section '${prefix}' (${key}). This section is managed by DataJoint. Got path: ${path}`, { code: "input.value" });
      }
    }
    const fp = section(spec.filepath_prefix);
    if (fp && !path.startsWith(fp)) throw new InputError(`<filepath@> must use prefix '${spec.filepath_prefix}' (filepath_prefix). Got path: ${path}`, { code: "input.value" });
    const size = await store.size(path);
    let isDir = false;
    if (size === undefined) {
      for await (const _ of store.list(path + "/")) {
        isDir = true;
        break;
      }
      if (!isDir) throw new StoreError(`File not found in store '${name}': ${path}`, { code: "store.missing" });
    }
    return { path, store: name, size: isDir ? null : size, is_dir: isDir, timestamp: pythonUtcTimestamp() };
  },
  async decode(stored, ctx) {
    const meta = jsonObject(stored, "filepath");
    const store = await ctx.getStore(storeNameOf(meta));
    return { kind: "objectRef", store, path: String(meta.path), isDir: meta.is_dir === true, size: typeof meta.size === "number" ? meta.size : null, ext: null };
  },
  referencedPaths: (stored) => recordedPath(stored, "filepath"),
  /** The referenced file exists with the size recorded at insert; a folder still holds something. */
  async verify(stored, ctx) {
    const { meta, name, store, path } = await recordedObject(stored, "filepath", ctx);
    if (meta.is_dir !== true) return checkObjectSize(store, name, path, meta.size);
    for await (const _ of store.list(`${path}/`)) return [];
    return [problem(name, path, "missing (an empty or absent folder)")];
  },
};

export default filepath;
