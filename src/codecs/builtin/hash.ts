/**
 * `<hash@store>`: content-addressed bytes at `{hash_prefix}/{schema}/{md5-base32}`, written only
 * when absent (deduplicated per schema, never overwritten), verified on read.
 * Column JSON: {"hash", "path", "schema", "store", "size"}.
 *
 * Files are hashed and copied in bounded memory (a stream, never a whole buffer): a regular file
 * is read twice (hash, then copy); a pipe, a FIFO or standard input can be read only once, so it
 * is spooled to a temporary file while it is hashed.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { CodecError, InputError, StoreError, isDjError } from "../../errors.js";
import { contentHash, contentHasher } from "../../stores/addressing.js";
import type { Store } from "../../stores/types.js";
import type { Codec, DecodedValue, EncodeContext } from "../types.js";
import { STDIN_PATH, openInputStream } from "./input-stream.js";
import { contentPathOf, jsonObject, storeNameOf, storeOf, recordedObject, recordedPath } from "./shared.js";
import { checkObjectSize, problem } from "./verify-objects.js";

export interface HashMetadata {
  hash: string;
  path: string;
  schema: string;
  store: string;
  size: number;
}

/** Hash a stream while passing it on (to a spool file or to nowhere). */
function hashing(): { transform: Transform; digest: () => string; size: () => number } {
  const hasher = contentHasher();
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  return { transform, digest: () => hasher.digest(), size: () => size };
}

/** Write the object unless it exists; true when this call wrote it (false: deduplicated). */
async function writeIfAbsent(store: Store, path: string, write: () => Promise<void>): Promise<boolean> {
  if (await store.exists(path)) return false;
  try {
    await write();
    return true;
  } catch (err) {
    if (!isDjError(err, "conflict")) throw err; // written meanwhile by someone else: same content
    return false;
  }
}

async function encodeFile(file: string, ctx: EncodeContext): Promise<HashMetadata> {
  const { store, name } = storeOf(ctx, "hash");
  const before = await stat(file);
  let source = file;
  let spool: string | null = null;
  try {
    const h = hashing();
    if (before.isFile()) {
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), h.transform, async (s) => {
        for await (const _ of s);
      });
    } else {
      spool = join(tmpdir(), `dj-hash-${process.pid}-${randomBytes(6).toString("hex")}.spool`);
      try {
        await pipeline(openInputStream(file), h.transform, createWriteStream(spool, { flags: "wx" }));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOSPC" && code !== "EDQUOT") throw err;
        // An endless or huge pipe fills the temporary folder: the input is too large to spool here.
        throw new InputError(`${file === STDIN_PATH ? "standard input" : file} does not fit in ${tmpdir()} (${code}): <hash@> spools a pipe there to hash it`, {
          hint: "set TMPDIR to a folder on a larger disk, or give a regular file",
          code: "input.limit",
        });
      }
      source = spool;
    }
    const digest = h.digest();
    const path = contentPathOf(ctx, "hash", digest);
    const wrote = await writeIfAbsent(store, path, async () => {
      if (store.putFile) await store.putFile(path, source, { ifAbsent: true });
      else await store.setStream(path, createReadStream(source, { highWaterMark: 1 << 20 }), { ifAbsent: true, size: h.size(), signal: ctx.signal });
    });
    if (!spool) {
      const after = await stat(file);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        // Its name is the hash of what was read first: an object copied from a changing file lies.
        // (One that existed already holds other rows' identical bytes and stays.)
        if (wrote) await store.delete(path).catch(() => {});
        throw new InputError(`${file} changed while it was being stored`, { hint: "insert it again once nothing writes to it", code: "input.file" });
      }
    }
    return { hash: digest, path, schema: ctx.schema, store: name, size: h.size() };
  } finally {
    if (spool) await rm(spool, { force: true });
  }
}

/**
 * Values up to this size are decoded into memory (what `<blob@>`/`<attach@>` chain to is never
 * larger: their limit is 1 GiB); a larger `<hash@>` object is verified by streaming it once and
 * handed to fetch as an object to copy, so fetching it takes bounded memory too.
 */
const IN_MEMORY_MAX_BYTES = 1 << 30;

async function streamedObject(store: Store, path: string, meta: Record<string, unknown>, size: number): Promise<DecodedValue> {
  const stream = await store.getStream(path);
  if (!stream) throw new StoreError(`Missing external file ${store.root}/${path}`, { hint: "the object was deleted from the store, or the store is configured differently", code: "store.missing" });
  const hasher = contentHasher();
  for await (const chunk of stream) hasher.update(chunk as Uint8Array);
  const actual = hasher.digest();
  if (typeof meta.hash === "string" && actual !== meta.hash) {
    throw new CodecError(`Hash mismatch: expected ${meta.hash}, got ${actual}. Data at ${path} may be corrupted.`, { code: "codec.hash" });
  }
  return { kind: "objectRef", store, path, isDir: false, size, ext: ".bin" };
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
    if (value.kind === "file") return encodeFile(value.path, ctx);
    if (value.kind !== "bytes") throw new InputError(`<hash> expects bytes or a file, got ${value.kind === "directory" ? "a directory" : value.kind}`, { code: "input.value" });
    const data = value.data;
    const { store, name } = storeOf(ctx, "hash");
    const h = contentHash(data);
    const path = contentPathOf(ctx, "hash", h);
    await writeIfAbsent(store, path, () => store.set(path, data, { ifAbsent: true }));
    return { hash: h, path, schema: ctx.schema, store: name, size: data.byteLength };
  },
  async decode(stored, ctx) {
    const meta = jsonObject(stored, "hash");
    const store = await ctx.getStore(storeNameOf(meta));
    const path = String(meta.path);
    const size = typeof meta.size === "number" ? meta.size : await store.size(path);
    if (size !== undefined && size > IN_MEMORY_MAX_BYTES) return streamedObject(store, path, meta, size);
    const data = await store.get(path);
    if (!data) throw new StoreError(`Missing external file ${store.root}/${path}`, { hint: "the object was deleted from the store, or the store is configured differently", code: "store.missing" });
    const actual = contentHash(data);
    if (typeof meta.hash === "string" && actual !== meta.hash) {
      throw new CodecError(`Hash mismatch: expected ${meta.hash}, got ${actual}. Data at ${path} may be corrupted.`, { code: "codec.hash" });
    }
    return { kind: "bytes", data };
  },
  referencedPaths: (stored) => recordedPath(stored, "hash"),
  /** The object exists with the recorded size, and its content hashes to its name (streamed). */
  async verify(stored, ctx) {
    const { meta, name, store, path } = await recordedObject(stored, "hash", ctx);
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
