/**
 * Write an array into a store as Zarr, streaming: the source is read one block of chunk rows
 * at a time (never the whole array), chunks are compressed on worker threads and written with a
 * bounded number in flight, so reading, compressing and writing overlap.
 */
import type { DType, NdArraySource, Store } from "dj-cli";
import { compress, compressFillsOutput, compressKeepsInput, holdCompressors, type CompressorConfig } from "./compressors.js";
import { encodedBound } from "./native.js";
import { copyRegion, fillElement, filled, gridIndices, gridShape, product } from "./chunking.js";
import { byteSwap, littleEndian } from "./dtype.js";
import { zarrayText, zarrJsonV3, ZarrFormatError, type ArrayMeta } from "./metadata.js";
import { pyJson } from "./pyjson.js";

export interface WriteOptions {
  format: 2 | 3;
  chunks: number[];
  compressor: CompressorConfig | null;
  /** `.zattrs` (v2) or `attributes` (v3). */
  attributes?: Record<string, unknown>;
  /** Chunks compressing or uploading at once. */
  inFlight?: number;
  /** v2 filters to record in `.zarray` (the transform below does their encoding). */
  filters?: Array<Record<string, unknown>>;
  /** The array's dtype in the metadata when the chunks hold another (a filter's encoded dtype). */
  arrayDtype?: DType;
  /** Transform each C-ordered little-endian block before chunking (photon's Anscombe). */
  transform?: { dtype: DType; apply(block: Uint8Array, source: DType): Uint8Array };
  signal?: AbortSignal;
}

const MAX_IN_FLIGHT_BYTES = 64 << 20;

/**
 * Rows [r0, r1) of the source in C order, little-endian. With `own`, the block is a buffer of its
 * own (it is then swapped in place or moved to a worker thread, never the source's memory).
 */
async function readRows(src: NdArraySource, r0: number, r1: number, own: boolean): Promise<Uint8Array> {
  const rest = src.shape.slice(1);
  const rowItems = product(rest);
  const item = src.dtype.itemsize;
  let block: Uint8Array;
  if (src.shape.length === 0) block = await src.read(0, item);
  else if (src.order === "C" || src.shape.length === 1) {
    block = await src.read(r0 * rowItems * item, (r1 - r0) * rowItems * item);
  } else {
    // F order: for each position of the trailing axes the rows r0..r1 are one contiguous run.
    const n = r1 - r0;
    const fBlock = new Uint8Array(n * rowItems * item);
    for (let c = 0; c < rowItems; c++) {
      const run = await src.read((c * src.shape[0]! + r0) * item, n * item);
      fBlock.set(run, c * n * item);
    }
    const { fToC } = await import("./chunking.js");
    block = fToC(fBlock, [n, ...rest], item);
  }
  if (own) block = block.slice();
  if (src.dtype.byteOrder === ">") byteSwap(block, src.dtype);
  return block;
}

export async function writeZarr(store: Store, prefix: string, src: NdArraySource, opts: WriteOptions): Promise<ArrayMeta> {
  const dtype = opts.transform?.dtype ?? littleEndian(src.dtype);
  const shape = src.shape;
  const chunks = opts.chunks;
  if (opts.filters?.length && opts.format !== 2) throw new ZarrFormatError("filters are written to Zarr v2 arrays only");
  const metaDtype = opts.arrayDtype ?? dtype;
  const base = {
    shape,
    chunks,
    dtype: metaDtype,
    fill: metaDtype.kind === "b" ? false : 0,
    order: "C" as const,
    compressor: opts.compressor,
    ...(opts.filters?.length ? { filters: opts.filters } : {}),
  };
  const key = (idx: number[]) => (opts.format === 2 ? (shape.length ? idx.join(".") : "0") : ["c", ...idx].join("/"));
  const grid = gridShape(shape, chunks);
  const item = dtype.itemsize;
  const chunkBytes = product(chunks) * item;
  const fill = fillElement(dtype, dtype.kind === "b" ? false : 0);
  // Bounded in bytes as well as in chunks: photon's layout makes chunks of 100 whole frames
  // (hundreds of MiB), and eight of those in flight would hold gigabytes.
  const inFlight = Math.max(1, Math.min(opts.inFlight ?? 8, Math.floor(MAX_IN_FLIGHT_BYTES / Math.max(1, chunkBytes))));
  const pending = new Set<Promise<void>>();
  let failure: unknown = null;

  // Whole chunks of a C-ordered little-endian source are read straight into reused buffers (no
  // copy, no garbage: a 1 GiB insert would otherwise allocate and collect 2 GiB). An encoder on a
  // worker thread takes the buffer and hands it back once done (`recycle`); the others leave it.
  const spare: Uint8Array[] = [];
  const keepsInput = compressKeepsInput(opts.compressor);
  const canReuse = !opts.transform && src.readInto !== undefined && src.dtype.byteOrder !== ">" && (src.order === "C" || shape.length <= 1);
  const recycle = (buffer: Uint8Array) => {
    if (buffer.byteLength === chunkBytes) spare.push(buffer);
  };

  // Likewise the encoded chunks, when the encoder writes into a given buffer.
  const spareOut: Uint8Array[] = [];
  const fillsOutput = compressFillsOutput(opts.compressor, item);
  const outBytes = encodedBound(chunkBytes);

  /** Compress and store one chunk; a `reusable` input goes back to `spare` once nothing reads it. */
  const put = (k: string, data: Uint8Array, reusable = false) => {
    const p = (async () => {
      const out = fillsOutput && data.byteLength === chunkBytes ? (spareOut.pop() ?? new Uint8Array(outBytes)) : undefined;
      const payload = await compress(opts.compressor, data, item, out, reusable && !keepsInput ? recycle : undefined);
      if (reusable && keepsInput && payload !== data) spare.push(data);
      await store.set(`${prefix}/${k}`, payload);
      if (reusable && keepsInput && payload === data) spare.push(data);
      // A buffer that went to a worker thread comes back as the payload's memory.
      const back = !out ? null : out.byteLength > 0 ? out : payload.buffer.byteLength === outBytes ? new Uint8Array(payload.buffer) : null;
      if (back) spareOut.push(back);
    })().catch((err) => {
      failure ??= err;
    });
    const tracked = p.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  const rows = shape.length ? shape[0]! : 1;
  const rowsPerBlock = shape.length ? chunks[0]! : 1;
  const rest = shape.slice(1);
  const rowBytes = product(rest) * item;
  const sameTrailing = chunks.slice(1).every((c, i) => c === rest[i]);
  const ownBlocks = !keepsInput || src.dtype.byteOrder === ">";
  // An empty array has no chunks (readers fill missing chunks); a 0-d array has one.
  const blocks = product(shape) === 0 ? 0 : shape.length === 0 ? 1 : Math.ceil(rows / rowsPerBlock);
  const release = holdCompressors();
  try {
    for (let i0 = 0; i0 < blocks && !failure; i0++) {
      opts.signal?.throwIfAborted();
      const r0 = i0 * rowsPerBlock;
      const r1 = Math.min(rows, r0 + rowsPerBlock);
      let block: Uint8Array;
      const reusable = canReuse && sameTrailing && shape.length > 0 && (r1 - r0) * rowBytes === chunkBytes;
      if (reusable) {
        block = spare.pop() ?? new Uint8Array(chunkBytes);
        await src.readInto!(r0 * rowBytes, block);
      } else {
        block = await readRows(src, r0, r1, ownBlocks);
        if (opts.transform) block = opts.transform.apply(block, littleEndian(src.dtype));
      }
      const blockShape = shape.length ? [r1 - r0, ...rest] : [];
      for (const sub of gridIndices(grid.slice(1))) {
        const idx = shape.length ? [i0, ...sub] : [];
        if (sameTrailing && block.byteLength === chunkBytes) put(key(idx), block, reusable);
        else {
          const chunk = filled(chunkBytes, fill);
          const start = sub.map((s, d) => s * chunks[d + 1]!);
          const count = blockShape.map((n, d) => (d === 0 ? n : Math.min(chunks[d]!, n - start[d - 1]!)));
          copyRegion(block, blockShape, [0, ...start], chunk, chunks, chunks.map(() => 0), count, item);
          put(key(idx), chunk);
        }
        while (pending.size >= inFlight) await Promise.race(pending);
        if (failure) break;
      }
    }
  } catch (err) {
    failure ??= err;
  }
  // Every chunk in flight settles before the write fails: the caller's cleanup must not race
  // uploads that would land after it.
  await Promise.all(pending);
  release();
  if (failure) throw failure;

  const attrs = opts.attributes ?? {};
  if (opts.format === 2) {
    await store.set(`${prefix}/.zarray`, new TextEncoder().encode(zarrayText(base)));
    await store.set(`${prefix}/.zattrs`, new TextEncoder().encode(pyJson(attrs)));
  } else {
    await store.set(`${prefix}/zarr.json`, new TextEncoder().encode(zarrJsonV3(base, attrs)));
  }
  return { format: opts.format, ...base, chunkKey: key };
}
