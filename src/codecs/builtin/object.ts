/**
 * `<object@store>`: a file, a folder or raw bytes at a schema-addressed path
 * (`…/{field}_{token}{ext}`); folders are copied file by file plus a sidecar
 * `<path>.manifest.json`. Column JSON: {"path","store","size","ext","is_dir","item_count","timestamp"}.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { CodecError, InputError } from "../../errors.js";
import type { Codec } from "../types.js";
import { openInputStream } from "./input-stream.js";
import { jsonObject, pythonUtcTimestamp, storeNameOf, storeOf, recordedObject, recordedPath } from "./shared.js";
import { checkFolder, checkObjectSize } from "./verify-objects.js";

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

const object: Codec = {
  name: "object",
  description: "a file or directory at a schema-addressed path",
  accepts: ["file", "directory", "bytes"],
  schemaAddressed: true,
  getDtype(isStore) {
    if (!isStore) throw new CodecError("<object> requires @ (store only)", { code: "codec.store" });
    return "json";
  },
  async validate(value) {
    if (value.kind !== "file" && value.kind !== "directory" && value.kind !== "bytes") {
      throw new InputError(`<object> expects bytes or path, got ${value.kind}`, { code: "input.value" });
    }
  },
  async encode(value, ctx) {
    const { store, name } = storeOf(ctx, "object");
    const timestamp = pythonUtcTimestamp();
    if (value.kind === "bytes") {
      const path = ctx.objectPath(value.ext ?? null);
      await store.set(path, value.data, { ifAbsent: true });
      ctx.onObjectWritten(path, store);
      return { path, store: name, size: value.data.byteLength, ext: value.ext ?? null, is_dir: false, item_count: null, timestamp };
    }
    if (value.kind === "file") {
      const info = await stat(value.path);
      const ext = extname(value.path) || null;
      const path = ctx.objectPath(ext);
      ctx.onObjectWritten(path, store);
      // A pipe, FIFO or standard input has no size up front: the bytes streamed are counted.
      let size = 0;
      const file = value.path;
      const body = Readable.from(
        (async function* () {
          for await (const chunk of openInputStream(file)) {
            size += (chunk as Buffer).byteLength;
            yield chunk as Buffer;
          }
        })(),
        { objectMode: false },
      );
      await store.setStream(path, body, { ifAbsent: true, ...(info.isFile() ? { size: info.size } : {}), signal: ctx.signal });
      return { path, store: name, size, ext, is_dir: false, item_count: null, timestamp };
    }
    if (value.kind !== "directory") throw new InputError(`<object> expects bytes or path, got ${value.kind}`, { code: "input.value" });
    const path = ctx.objectPath(null);
    ctx.onObjectWritten(path, store);
    const files: Array<{ path: string; size: number }> = [];
    for (const file of await walk(value.path)) {
      const rel = relative(value.path, file).split(sep).join("/");
      const size = (await stat(file)).size;
      await store.setStream(`${path}/${rel}`, createReadStream(file), { size });
      files.push({ path: rel, size });
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    const manifest = { files, total_size: total, item_count: files.length, created: timestamp };
    ctx.onObjectWritten(`${path}.manifest.json`, store);
    await store.set(`${path}.manifest.json`, Buffer.from(JSON.stringify(manifest, null, 2)));
    return { path, store: name, size: total, ext: null, is_dir: true, item_count: files.length, timestamp };
  },
  async decode(stored, ctx) {
    const meta = jsonObject(stored, "object");
    if (!("size" in meta)) throw new CodecError("<object>: stored metadata has no \"size\"", { code: "codec.decode" });
    const store = await ctx.getStore(storeNameOf(meta));
    return {
      kind: "objectRef",
      store,
      path: String(meta.path),
      isDir: meta.is_dir === true,
      size: typeof meta.size === "number" ? meta.size : null,
      ext: typeof meta.ext === "string" ? meta.ext : null,
    };
  },
  referencedPaths: (stored) => recordedPath(stored, "object"),
  /** A file exists with the recorded size; a folder holds what its manifest lists. */
  async verify(stored, ctx) {
    const { meta, name, store, path } = await recordedObject(stored, "object", ctx);
    return meta.is_dir === true ? checkFolder(store, name, path, meta) : checkObjectSize(store, name, path, meta.size);
  },
};

export default object;
