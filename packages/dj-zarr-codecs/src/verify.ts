/**
 * `dj verify` for Zarr arrays (the `<zarr@>` hook, also used by `<photon@>`): the metadata
 * (`.zarray` or `zarr.json`) exists, parses and gives the row's shape and dtype; every chunk of the
 * grid is there when the array was written by dj (which writes all of them — other tools may leave
 * chunks out for the fill value); uncompressed chunks have their exact size; and with `deep`,
 * every chunk present decodes (compressor, checksum, filters) to exactly a chunk's bytes.
 */
import type { Store, VerifyProblem } from "dj-cli";
import { gridIndices, gridShape, product } from "./chunking.js";
import { littleEndian } from "./dtype.js";
import { ShardFetcher } from "./fetch.js";
import { chunkCodecs, parseZarray, parseZarrJson, type ArrayMeta } from "./metadata.js";
import { decodeChunkBytes, undoSteps } from "./pipeline.js";
import type { FilterDecoder } from "./read.js";

export interface ZarrExpectation {
  /** The store name recorded in the row (null: the default store), for the problems. */
  storeName: string | null;
  shape?: unknown;
  /** NumPy's dtype name the row records (`float32`). */
  dtype?: unknown;
  /** True when dj wrote the array, so every chunk of the grid must exist. */
  allChunksWritten: boolean;
  deep: boolean;
  /** Decoders by v2 filter id, for `deep` (photon's `anscombe-v1`). */
  filters?: Record<string, FilterDecoder>;
}

const same = (a: unknown, b: number[]) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);

async function readMetadata(store: Store, prefix: string): Promise<{ file: string; meta: ArrayMeta } | { file: string; problem: string }> {
  for (const [file, parse] of [[".zarray", parseZarray], ["zarr.json", parseZarrJson]] as const) {
    const bytes = await store.get(`${prefix}/${file}`);
    if (!bytes) continue;
    try {
      return { file, meta: parse(new TextDecoder().decode(bytes)) };
    } catch (err) {
      return { file, problem: `metadata does not parse: ${(err as Error).message}` };
    }
  }
  return { file: "", problem: "missing (no .zarray or zarr.json)" };
}

export async function verifyZarr(store: Store, prefix: string, expect: ZarrExpectation): Promise<VerifyProblem[]> {
  const at = (path: string, problem: string): VerifyProblem => ({ store: expect.storeName, path, problem });
  const read = await readMetadata(store, prefix);
  if ("problem" in read) return [at(read.file ? `${prefix}/${read.file}` : prefix, read.problem)];
  const { meta, file } = read;
  const metaPath = `${prefix}/${file}`;
  const out: VerifyProblem[] = [];
  if (expect.shape !== undefined && !same(expect.shape, meta.shape)) {
    out.push(at(metaPath, `shape [${meta.shape.join(", ")}], the row records [${(expect.shape as unknown[]).join(", ")}]`));
  }
  const dtype = littleEndian(meta.dtype).name;
  if (typeof expect.dtype === "string" && dtype !== expect.dtype) out.push(at(metaPath, `dtype ${dtype}, the row records ${expect.dtype}`));
  if (!Array.isArray(meta.chunks) || meta.chunks.length !== meta.shape.length || !meta.chunks.every((c) => Number.isInteger(c) && c > 0)) {
    out.push(at(metaPath, `chunks ${JSON.stringify(meta.chunks)} do not fit shape [${meta.shape.join(", ")}]`));
    return out;
  }
  if (out.length) return out; // the chunk grid of a wrong shape says nothing more

  const present = new Map<string, number>();
  for await (const o of store.list(`${prefix}/`)) present.set(o.key.slice(prefix.length + 1), o.size);
  const chunkBytes = product(meta.chunks) * meta.dtype.itemsize;
  const steps = chunkCodecs(meta).steps;
  const plainSize = !meta.shard && steps.every((st) => st.id === "crc32c") && !meta.filters?.length ? chunkBytes + 4 * steps.length : null;
  const shards = meta.shard ? new ShardFetcher(store, prefix, meta, meta.shard) : null;
  const unfilter = (meta.filters ?? []).map((config) => ({ config, decode: expect.filters?.[String(config.id)] })).reverse();
  const grid = product(meta.shape) === 0 ? [] : [...gridIndices(gridShape(meta.shape, meta.chunks))];
  for (const idx of grid) {
    const key = meta.chunkKey(idx);
    const path = `${prefix}/${key}`;
    const size = present.get(key);
    if (size === undefined) {
      if (expect.allChunksWritten) out.push(at(path, "chunk missing (dj writes every chunk; fetch would return the fill value here)"));
      continue;
    }
    if (plainSize !== null && size !== plainSize) {
      out.push(at(path, `chunk of ${size} bytes, an uncompressed chunk has ${plainSize}`));
      continue;
    }
    if (!expect.deep) continue;
    const problem = shards ? await shardProblem(shards, idx, meta) : await decodeProblem(store, path, key, meta, chunkBytes, unfilter);
    if (problem) out.push(at(path, problem));
  }
  return out;
}

/** Why one chunk does not decode to exactly a chunk's bytes, or null when it does. */
async function decodeProblem(
  store: Store,
  path: string,
  key: string,
  meta: ArrayMeta,
  chunkBytes: number,
  unfilter: Array<{ config: Record<string, unknown>; decode?: FilterDecoder }>,
): Promise<string | null> {
  const raw = await store.get(path);
  if (!raw) return "chunk missing";
  try {
    let data = await undoSteps(chunkCodecs(meta).steps, raw, key, unfilter.length ? undefined : chunkBytes);
    for (const { config, decode } of unfilter) {
      if (!decode) return null; // a filter this reader does not know: the compressed layer decoded
      data = decode(config, data, product(meta.chunks));
    }
    if (data.byteLength !== chunkBytes) return `chunk decodes to ${data.byteLength} bytes, expected ${chunkBytes}`;
    return null;
  } catch (err) {
    return `chunk does not decode: ${(err as Error).message}`;
  }
}

/** Why a shard's index or one of its inner chunks does not decode, or null when all do. */
async function shardProblem(shards: ShardFetcher, shardIdx: number[], meta: ArrayMeta): Promise<string | null> {
  const inner = meta.shard!.chunks;
  const per = meta.chunks.map((s, i) => s / inner[i]!);
  try {
    const indices = [...gridIndices(per)].map((local) => local.map((l, i) => shardIdx[i]! * per[i]! + l));
    const raws = await shards.fetch(indices);
    const decoder = { shape: inner, itemsize: meta.dtype.itemsize, codecs: chunkCodecs(meta) };
    for (const [k, raw] of raws.entries()) {
      if (!raw) continue;
      try {
        await decodeChunkBytes(decoder, raw, shards.name(indices[k]!));
      } catch (err) {
        return `inner chunk ${shards.name(indices[k]!)} does not decode: ${(err as Error).message}`;
      }
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
