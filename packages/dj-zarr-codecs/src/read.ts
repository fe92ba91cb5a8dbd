/**
 * A Zarr array in a store as an NdArraySource (C order, the stored dtype): chunks are fetched
 * and decompressed one chunk row at a time as the data is read (the inner chunks of shards, for
 * sharded v3 arrays), missing chunks are the fill value (or an error, for arrays known to have
 * every chunk), edge chunks are cropped, F-ordered and transposed chunks are reordered.
 * `readBox` reads only the chunks a box intersects.
 */
import type { NdArraySource, Store } from "dj-cli";
import { readBox } from "./box.js";
import { holdCompressors } from "./compressors.js";
import { copyRegion, fillElement, filled, gridIndices, gridShape, product } from "./chunking.js";
import { chunkFetcher } from "./fetch.js";
import { chunkCodecs, parseZarray, parseZarrJson, ZarrFormatError, ZarrMissingChunkError, type ArrayMeta } from "./metadata.js";
import { decodeChunkBytes } from "./pipeline.js";

const PREFETCH_ROWS = 4;

export async function readMeta(store: Store, prefix: string): Promise<ArrayMeta | null> {
  const v2 = await store.get(`${prefix}/.zarray`);
  if (v2) return parseZarray(new TextDecoder().decode(v2));
  const v3 = await store.get(`${prefix}/zarr.json`);
  if (v3) return parseZarrJson(new TextDecoder().decode(v3));
  return null;
}

/**
 * Decodes one v2 filter: `encoded` is what the compressor gave back (or the next filter's output),
 * the result the chunk's bytes one step closer to the array's dtype (little-endian, `elements` of
 * them at the last step).
 */
export type FilterDecoder = (config: Record<string, unknown>, encoded: Uint8Array, elements: number) => Uint8Array;

export interface ZarrSourceOptions {
  /** Decoders by filter id; an array with a filter not listed here cannot be read. */
  filters?: Record<string, FilterDecoder>;
  /**
   * What a chunk absent from the store means. "fill" (the default) is zarr-python's reading: the
   * fill value, which arrays written with region writes or write_empty_chunks=False rely on.
   * "error" is for arrays written whole (dj writes every chunk): a missing chunk is lost data.
   */
  missingChunks?: "fill" | "error";
  /** How a chunk found missing while reading is explained (default: it went missing during the fetch). */
  missingDetail?: string;
}

/**
 * Fails when any chunk of the array is absent from the store (one listing of the array's prefix):
 * for arrays written whole, before anything is read or written out, whatever the output format.
 */
export async function assertEveryChunk(store: Store, prefix: string, meta: ArrayMeta): Promise<void> {
  if (product(meta.shape) === 0) return; // no elements, no chunks
  const present = new Set<string>();
  for await (const o of store.list(`${prefix}/`)) present.add(o.key);
  let missing = 0;
  let first: string | null = null;
  let total = 0;
  for (const idx of gridIndices(gridShape(meta.shape, meta.chunks))) {
    const key = meta.chunkKey(idx);
    total++;
    if (!present.has(`${prefix}/${key}`)) {
      missing++;
      first ??= key;
    }
  }
  if (first !== null) throw missingChunk(store, prefix, first, `${missing} of its ${total} chunks ${missing === 1 ? "is" : "are"} missing`);
}

function missingChunk(store: Store, prefix: string, key: string, detail: string): ZarrMissingChunkError {
  return new ZarrMissingChunkError(`<zarr>: chunk ${key} of ${store.root}/${prefix} is missing from the store (dj wrote every chunk of this array; ${detail})`);
}

export function zarrSource(store: Store, prefix: string, meta: ArrayMeta, options: ZarrSourceOptions = {}): NdArraySource {
  const { shape, dtype } = meta;
  const item = dtype.itemsize;
  const fetcher = chunkFetcher(store, prefix, meta, options.missingChunks === "error" ? (key) => {
    throw missingChunk(store, prefix, key, options.missingDetail ?? "it went missing during the fetch");
  } : undefined);
  // The read unit: the array's chunks, or the inner chunks of its shards.
  const chunks = fetcher.chunks;
  // Decoding applies the filters last to first.
  const unfilter = (meta.filters ?? [])
    .map((config) => {
      const decode = options.filters?.[String(config.id)];
      if (!decode) throw new ZarrFormatError(`Zarr filter ${JSON.stringify(config.id)} is not supported (${prefix})`);
      return (data: Uint8Array) => decode(config, data, product(chunks));
    })
    .reverse();
  const decoder = { shape: chunks, itemsize: item, codecs: chunkCodecs(meta), unfilter };
  const rows = shape.length ? shape[0]! : 1;
  const rowBytes = product(shape.slice(1)) * item;
  const grid = gridShape(shape, chunks);
  const fill = fillElement(dtype, meta.fill);
  const byteLength = product(shape) * item;

  // When one chunk spans the trailing axes exactly, a chunk row is that chunk's first rows
  // (C order): its decoded bytes are used as they are, with no copy into a fresh block.
  const wholeRows = shape.length > 0 && chunks.slice(1).every((c, d) => c === shape[d + 1]);

  /** Chunks of the read grid decoded to C order (undefined: never written, the fill value). */
  async function decoded(indices: number[][]): Promise<Array<Uint8Array | undefined>> {
    // Each chunk decodes as soon as its bytes are in, where the fetcher hands them out one by one.
    const raws = fetcher.fetchEach ? fetcher.fetchEach(indices) : (await fetcher.fetch(indices)).map((raw) => Promise.resolve(raw));
    return Promise.all(
      raws.map(async (pending, i) => {
        const raw = await pending;
        if (!raw) return undefined;
        const name = fetcher.name(indices[i]!);
        try {
          return await decodeChunkBytes(decoder, raw, name);
        } catch (err) {
          throw new ZarrFormatError(`<zarr>: cannot decode chunk ${prefix}/${name}: ${(err as Error).message}`);
        }
      }),
    );
  }

  /** Chunk row i0 (rows i0*chunks[0] .. ) assembled in C order. */
  async function chunkRow(i0: number): Promise<Uint8Array> {
    const r0 = shape.length ? i0 * chunks[0]! : 0;
    const r1 = shape.length ? Math.min(rows, r0 + chunks[0]!) : 1;
    const blockShape = shape.length ? [r1 - r0, ...shape.slice(1)] : [];
    const rowBlockBytes = product(blockShape) * item;
    if (wholeRows) {
      const [data] = await decoded([shape.length ? [i0, ...chunks.slice(1).map(() => 0)] : []]);
      return data ? data.subarray(0, rowBlockBytes) : filled(rowBlockBytes, fill);
    }
    const block = filled(rowBlockBytes, fill);
    const subs = [...gridIndices(grid.slice(1))];
    const datas = await decoded(subs.map((sub) => (shape.length ? [i0, ...sub] : [])));
    subs.forEach((sub, k) => {
      const data = datas[k];
      if (!data) return; // never written: the fill value
      const start = sub.map((s, d) => s * chunks[d + 1]!);
      const count = blockShape.map((n, d) => (d === 0 ? n : Math.min(chunks[d]!, n - start[d - 1]!)));
      copyRegion(data, chunks, chunks.map(() => 0), block, blockShape, [0, ...start], count, item);
    });
    return block;
  }

  const nBlocks = byteLength === 0 ? 0 : shape.length ? grid[0]! : 1;
  const blockBytes = shape.length ? chunks[0]! * rowBytes : item;
  let cache: { i0: number; data: Uint8Array } | null = null;
  const blockAt = async (i0: number) => {
    if (cache?.i0 !== i0) cache = { i0, data: await chunkRow(i0) };
    return cache.data;
  };

  return {
    dtype,
    shape,
    order: "C",
    byteLength,
    async read(offset, length) {
      const out = new Uint8Array(length);
      let at = offset;
      while (at < offset + length) {
        const i0 = Math.floor(at / blockBytes);
        const block = await blockAt(i0);
        const within = at - i0 * blockBytes;
        const n = Math.min(block.byteLength - within, offset + length - at);
        out.set(block.subarray(within, within + n), at - offset);
        at += n;
      }
      return out;
    },
    readBox: (start, stop) => readBox({ shape, chunks, itemsize: item, fill, decoded }, start, stop),
    async *chunks() {
      // A few chunk rows are fetched and decoded ahead, so reading, decoding and the consumer's
      // writing overlap (each row's promise is awaited in order).
      const ahead: Promise<Uint8Array>[] = [];
      let next = 0;
      const topUp = () => {
        while (ahead.length < PREFETCH_ROWS && next < nBlocks) {
          const p = chunkRow(next++);
          p.catch(() => {}); // awaited below; a failure ahead of the consumer is not unhandled
          ahead.push(p);
        }
      };
      const release = holdCompressors();
      try {
        topUp();
        while (ahead.length) {
          const row = await ahead.shift()!;
          topUp();
          yield row;
        }
      } finally {
        release();
      }
    },
  };
}
