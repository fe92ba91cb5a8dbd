/**
 * `readBox` for Zarr arrays: one box `start <= index < stop` of the array as C-order bytes in the
 * dtype's byte order, from only the chunks (inner chunks, for sharded arrays) the box intersects.
 * Chunks are asked for in batches, so a sharded array reads each shard's index once and merges
 * neighbouring inner chunks into one range read; a batch decodes while the next is fetched.
 */
import { copyRegion, filled, gridIndices } from "./chunking.js";

export interface BoxReader {
  shape: number[];
  /** The read unit's shape (the inner chunk shape of a sharded array). */
  chunks: number[];
  itemsize: number;
  /** One element holding the fill value, in the dtype's byte order. */
  fill: Uint8Array;
  /** These chunks of the read grid decoded to C order (undefined: the fill value). */
  decoded(indices: number[][]): Promise<Array<Uint8Array | undefined>>;
}

/** Chunks fetched and decoded together (bounds memory, and what a batch can merge into one read). */
const BATCH = 32;

function badBox(message: string): Error {
  return Object.assign(new Error(message), { _dj: true, kind: "input" });
}

export async function readBox(r: BoxReader, start: readonly number[], stop: readonly number[]): Promise<Uint8Array> {
  const { shape, chunks, itemsize } = r;
  const nd = shape.length;
  if (start.length !== nd || stop.length !== nd) throw badBox(`a box of this ${nd}-d array needs ${nd} start and stop indices, got ${start.length} and ${stop.length}`);
  for (let d = 0; d < nd; d++) {
    const a = start[d]!;
    const b = stop[d]!;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || a > b || b > shape[d]!) {
      throw badBox(`box [${start.join(", ")}]..[${stop.join(", ")}] does not fit the array's shape [${shape.join(", ")}] on axis ${d}`);
    }
  }
  const boxShape = stop.map((b, d) => b - start[d]!);
  const out = filled(boxShape.reduce((a, b) => a * b, 1) * itemsize, r.fill);
  if (out.byteLength === 0) return out;
  // The chunk indices the box touches on each axis: lo[d] .. hi[d]-1.
  const lo = start.map((a, d) => Math.floor(a / chunks[d]!));
  const hi = stop.map((b, d) => Math.ceil(b / chunks[d]!));
  const all = [...gridIndices(hi.map((h, d) => h - lo[d]!))].map((rel) => rel.map((i, d) => i + lo[d]!));

  const place = (idx: number[], data: Uint8Array) => {
    const c0 = idx.map((i, d) => i * chunks[d]!);
    const from = c0.map((c, d) => Math.max(c, start[d]!));
    const count = from.map((f, d) => Math.min(c0[d]! + chunks[d]!, stop[d]!) - f);
    copyRegion(data, chunks, from.map((f, d) => f - c0[d]!), out, boxShape, from.map((f, d) => f - start[d]!), count, itemsize);
  };

  let next: Promise<Array<Uint8Array | undefined>> | null = null;
  for (let b = 0; b < all.length; b += BATCH) {
    const batch = all.slice(b, b + BATCH);
    const current = next ?? r.decoded(batch);
    const following = all.slice(b + BATCH, b + 2 * BATCH);
    next = following.length ? r.decoded(following) : null;
    next?.catch(() => {}); // awaited on the next turn; a failure ahead is not unhandled
    const datas = await current;
    datas.forEach((data, k) => data && place(batch[k]!, data));
  }
  return out;
}
