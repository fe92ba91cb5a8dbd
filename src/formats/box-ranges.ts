/**
 * Reading one box of an array whose bytes are addressable by offset (a `.npy` file in a store, an
 * array in memory): the box is a set of contiguous runs of the source's layout; runs closer than
 * `gapBytes` are merged into one read (on S3 one range GET costs more than a few KiB of bytes), and
 * the reads go out `concurrency` at a time. The result is the box in C order, in the dtype's
 * byte order — the `NdArraySource.readBox` contract.
 */
import { elementCount, type NdArraySource } from "./ndarray.js";
import { gather } from "./gather.js";

export interface BoxReadOptions {
  /** Merge runs separated by at most this many bytes (default 64 KiB). */
  gapBytes?: number;
  /** Reads in flight at once (default 1: a source that decodes by block caches one block). */
  concurrency?: number;
  /** Never merge runs into one read longer than this (default 16 MiB), so memory stays bounded per read. */
  maxReadBytes?: number;
}

interface Run {
  /** Byte offset in the source. */
  offset: number;
  length: number;
  /** Byte offset in the box buffer (source layout). */
  at: number;
}

/**
 * The box's runs in the source's own order. In C order the trailing axes that the box covers whole
 * join the innermost run (in F order the leading ones); the other axes are walked odometer-style.
 */
function* runs(shape: readonly number[], lo: readonly number[], hi: readonly number[], itemsize: number, order: "C" | "F"): Generator<Run> {
  // F order is C order of the reversed axes.
  const s = order === "C" ? [...shape] : [...shape].reverse();
  const l = order === "C" ? [...lo] : [...lo].reverse();
  const h = order === "C" ? [...hi] : [...hi].reverse();
  const nd = s.length;
  if (nd === 0) {
    yield { offset: 0, length: itemsize, at: 0 };
    return;
  }
  const strides = new Array<number>(nd);
  let acc = itemsize;
  for (let d = nd - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= s[d]!;
  }
  // k: the innermost axis not covered whole; everything inside it is one run.
  let k = nd - 1;
  while (k > 0 && l[k] === 0 && h[k] === s[k]) k--;
  const runLength = (h[k]! - l[k]!) * strides[k]!;
  const idx = l.slice(0, k);
  let at = 0;
  for (;;) {
    let offset = l[k]! * strides[k]!;
    for (let d = 0; d < k; d++) offset += idx[d]! * strides[d]!;
    yield { offset, length: runLength, at };
    at += runLength;
    let d = k - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < h[d]!) break;
      idx[d] = l[d]!;
    }
    if (d < 0) return;
  }
}

/** Runs grouped into reads: a read covers consecutive runs whose gaps are small. */
function* reads(all: Iterable<Run>, gap: number, max: number): Generator<{ offset: number; length: number; members: Run[] }> {
  let cur: { offset: number; length: number; members: Run[] } | null = null;
  for (const r of all) {
    if (cur && r.offset - (cur.offset + cur.length) <= gap && r.offset + r.length - cur.offset <= max) {
      cur.length = r.offset + r.length - cur.offset;
      cur.members.push(r);
      continue;
    }
    if (cur) yield cur;
    cur = { offset: r.offset, length: r.length, members: [r] };
  }
  if (cur) yield cur;
}

/** Bytes of the box `[lo, hi)` of `source`, C order, read through `source.read`. */
export async function readBoxByRanges(source: NdArraySource, lo: readonly number[], hi: readonly number[], opts: BoxReadOptions = {}): Promise<Uint8Array> {
  const item = source.dtype.itemsize;
  const boxShape = hi.map((h, d) => h - lo[d]!);
  const out = new Uint8Array(elementCount(boxShape) * item);
  if (out.byteLength === 0) return out;
  const pending = reads(runs(source.shape, lo, hi, item, source.order), opts.gapBytes ?? 64 << 10, opts.maxReadBytes ?? 16 << 20);
  const worker = async () => {
    for (let next = pending.next(); !next.done; next = pending.next()) {
      const r = next.value;
      const data = await source.read(r.offset, r.length);
      for (const m of r.members) out.set(data.subarray(m.offset - r.offset, m.offset - r.offset + m.length), m.at);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  if (source.order === "C" || boxShape.length <= 1) return out;
  // The box came in F order: transpose it to C (one gather with F strides, every index selected).
  const fStrides: number[] = [];
  let acc = 1;
  for (const n of boxShape) {
    fStrides.push(acc);
    acc *= n;
  }
  return gather(out, fStrides, item, boxShape.map((n) => ({ start: 0, step: 1, count: n })));
}
