/**
 * `<hash@store>`: content-addressed bytes at `{hash_prefix}/{schema}/{md5-base32}`, written only
 * when absent (deduplicated per schema, never overwritten), verified on read.
 * Column JSON: {"hash", "path", "schema", "store", "size"}.
 */
import { readFile } from "node:fs/promises";
import { CodecError, InputError, StoreError, isDjError } from "../../errors.js";
import { contentHash, contentHasher, hashPath } from "../../stores/addressing.js";
import type { Codec, InputValue } from "../types.js";
import { jsonObject, storeNameOf, storeOf } from "./shared.js";
import { checkObjectSize, problem } from "./verify-objects.js";

export interface HashMetadata {
  hash: string;
  path: string;
  schema: string;
  store: string;
  size: number;
}

async function bytesOf(value: InputValue): Promise<Uint8Array> {
  if (value.kind === "bytes") return value.data;
  if (value.kind === "file") return new Uint8Array(await readFile(value.path));
  throw new InputError(`<hash> expects bytes or a file, got ${value.kind}`, { code: "input.value" });
}

const hash: Codec<HashMetadata> = {
  name: "hash",
  description: "content-addressed bytes, deduplicated per schema",
  accepts: ["bytes", "file"],
  getDtype(isStore) {
    if (!isStore) throw new CodecError("<hash> requires @ (in-store storage only)", { code: "codec.store" });
    return "json";
  },
  async encode(value, ctx) {
    const data = await bytesOf(value);
    const { store, spec, name } = storeOf(ctx, "hash");
    const h = contentHash(data);
    const path = hashPath(spec, ctx.schema, h);
    if (!(await store.exists(path))) {
      try {
        await store.set(path, data, { ifAbsent: true });
      } catch (err) {
        if (!isDjError(err, "conflict")) throw err; // written meanwhile by someone else: same content
      }
    }
    return { hash: h, path, schema: ctx.schema, store: name, size: data.byteLength };
  },
  async decode(stored, ctx) {
    const meta = jsonObject(stored, "hash");
    const store = await ctx.getStore(storeNameOf(meta));
    const path = String(meta.path);
    const data = await store.get(path);
    if (!data) throw new StoreError(`Missing external file ${store.root}/${path}`, { hint: "the object was deleted from the store, or the store is configured differently", code: "store.missing" });
    const actual = contentHash(data);
    if (typeof meta.hash === "string" && actual !== meta.hash) {
      throw new CodecError(`Hash mismatch: expected ${meta.hash}, got ${actual}. Data at ${path} may be corrupted.`, { code: "codec.hash" });
    }
    return { kind: "bytes", data };
  },
  referencedPaths(stored) {
    const meta = jsonObject(stored, "hash");
    return typeof meta.path === "string" ? [{ path: meta.path, store: storeNameOf(meta) }] : [];
  },
  /** The object exists with the recorded size, and its content hashes to its name (streamed). */
  async verify(stored, ctx) {
    const meta = jsonObject(stored, "hash");
    const name = storeNameOf(meta);
    const store = await ctx.getStore(name);
    const path = String(meta.path);
    const found = await checkObjectSize(store, name, path, meta.size);
    if (found.some((p) => p.problem === "missing")) return found;
    const named = path.split("/").pop()!;
    if (typeof meta.hash === "string" && meta.hash !== named) found.push(problem(name, path, `the row records hash ${meta.hash}, but the path is named ${named}`));
    const stream = await store.getStream(path);
    if (!stream) return [problem(name, path, "missing")];
    const hasher = contentHasher();
    for await (const chunk of stream) hasher.update(chunk as Uint8Array);
    const actual = hasher.digest();
    if (actual !== named) found.push(problem(name, path, `content hashes to ${actual}, not to its name ${named} (the bytes changed)`));
    return found;
  },
};

export default hash;
