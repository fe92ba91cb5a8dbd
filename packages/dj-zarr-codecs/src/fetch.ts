/**
 * Getting the encoded bytes of chunks from a store. Unsharded arrays: one object per chunk.
 * Sharded arrays (`sharding_indexed`): the read unit is the inner chunk; each shard's index is
 * range-read once (and kept while the shard is in use), then the inner chunks asked for together
 * are range-read, neighbours within one shard merged into one read.
 */
import type { Store } from "dj-cli";
import { crc32c } from "./crc32c.js";
import { ZarrFormatError, type ArrayMeta } from "./metadata.js";
import type { ShardLayout } from "./v3-codecs.js";

export interface ChunkFetcher {
  /** The read unit: the chunk shape, or the inner chunk shape of a sharded array. */
  readonly chunks: number[];
  /** Encoded bytes of each chunk of the read grid; undefined when it was never written. */
  fetch(indices: number[][]): Promise<Array<Uint8Array | undefined>>;
  /**
   * The same, each chunk's bytes as soon as they arrive (when chunks are separate objects), so
   * the first can decode while the others are still on the wire.
   */
  fetchEach?(indices: number[][]): Array<Promise<Uint8Array | undefined>>;
  /** How a chunk is named in messages (its key; `shard key[inner index]` inside a shard). */
  name(index: number[]): string;
}

/** What a missing stored object (a chunk, or a whole shard) means: the caller decides. */
export type OnMissing = (key: string) => void;

export function chunkFetcher(store: Store, prefix: string, meta: ArrayMeta, onMissing?: OnMissing): ChunkFetcher {
  return meta.shard ? new ShardFetcher(store, prefix, meta, meta.shard, onMissing) : plainFetcher(store, prefix, meta, onMissing);
}

function plainFetcher(store: Store, prefix: string, meta: ArrayMeta, onMissing?: OnMissing): ChunkFetcher {
  const fetchEach = (indices: number[][]) =>
    indices.map(async (idx) => {
      const key = meta.chunkKey(idx);
      const raw = await store.get(`${prefix}/${key}`);
      if (!raw) onMissing?.(key);
      return raw;
    });
  return {
    chunks: meta.chunks,
    name: (idx) => meta.chunkKey(idx),
    fetch: (indices) => Promise.all(fetchEach(indices)),
    fetchEach,
  };
}

/** Offsets and sizes of a shard's inner chunks (C order of the shard's inner grid); -1: empty. */
type ShardIndex = Float64Array;

const EMPTY = 0xffffffffffffffffn;
/** Inner chunks this close together in one shard are read as one range (the gap read and dropped). */
const MERGE_GAP = 64 << 10;
const MERGE_MAX = 32 << 20;

export class ShardFetcher implements ChunkFetcher {
  readonly chunks: number[];
  /** Inner chunks per shard along each axis. */
  private readonly per: number[];
  private readonly entries: number;
  private readonly indexBytes: number;
  private readonly indexes = new Map<string, Promise<ShardIndex | null>>();
  private readonly keep: number;
  /** Range reads made (the index reads included), for tests and benchmarks. */
  reads = 0;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly meta: ArrayMeta,
    private readonly layout: ShardLayout,
    private readonly onMissing?: OnMissing,
  ) {
    this.chunks = layout.chunks;
    this.per = meta.chunks.map((s, i) => s / layout.chunks[i]!);
    this.entries = this.per.reduce((a, b) => a * b, 1);
    this.indexBytes = this.entries * 16 + (layout.indexChecksum ? 4 : 0);
    // Keep the indexes of at least two rows of shards: a streamed read moves along the first
    // axis, every shard of a row in use at once.
    const rowShards = meta.shape.slice(1).reduce((a, s, i) => a * Math.max(1, Math.ceil(s / meta.chunks[i + 1]!)), 1);
    this.keep = Math.max(64, 2 * rowShards);
  }

  name(idx: number[]): string {
    const { shard, local } = this.locate(idx);
    return `${this.meta.chunkKey(shard)}[${local.join(",")}]`;
  }

  private locate(idx: number[]): { shard: number[]; local: number[]; entry: number } {
    const shard = idx.map((g, i) => Math.floor(g / this.per[i]!));
    const local = idx.map((g, i) => g - shard[i]! * this.per[i]!);
    let entry = 0;
    for (let i = 0; i < local.length; i++) entry = entry * this.per[i]! + local[i]!;
    return { shard, local, entry };
  }

  /** The shard's index, read once per shard while it is in use; null when the shard is absent. */
  index(shard: number[]): Promise<ShardIndex | null> {
    const key = this.meta.chunkKey(shard);
    let p = this.indexes.get(key);
    if (p) {
      this.indexes.delete(key); // most recently used last
      this.indexes.set(key, p);
      return p;
    }
    p = this.readIndex(key);
    p.catch(() => this.indexes.delete(key));
    this.indexes.set(key, p);
    while (this.indexes.size > this.keep) this.indexes.delete(this.indexes.keys().next().value!);
    return p;
  }

  private async readIndex(key: string): Promise<ShardIndex | null> {
    const path = `${this.prefix}/${key}`;
    const size = await this.store.size(path);
    if (size === undefined) {
      this.onMissing?.(key);
      return null;
    }
    const bad = (why: string) => new ZarrFormatError(`<zarr>: shard ${this.prefix}/${key}: ${why}`);
    if (size < this.indexBytes) throw bad(`${size} bytes, too short for its index of ${this.entries} chunks (${this.indexBytes} bytes)`);
    const at = this.layout.indexLocation === "end" ? size - this.indexBytes : 0;
    this.reads++;
    const raw = await this.store.getRange(path, { offset: at, length: this.indexBytes });
    if (!raw || raw.byteLength !== this.indexBytes) throw bad("the index could not be read whole");
    const body = raw.subarray(0, this.entries * 16);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (this.layout.indexChecksum && crc32c(body) !== view.getUint32(this.entries * 16, true)) throw bad("crc32c checksum mismatch in the shard index (the shard is corrupt)");
    const le = !this.layout.indexBigEndian;
    const out = new Float64Array(this.entries * 2);
    for (let e = 0; e < this.entries; e++) {
      const offset = view.getBigUint64(e * 16, le);
      const nbytes = view.getBigUint64(e * 16 + 8, le);
      if (offset === EMPTY && nbytes === EMPTY) {
        out[2 * e] = out[2 * e + 1] = -1;
        continue;
      }
      if (offset + nbytes > BigInt(size)) throw bad(`index entry ${e} points past the end of the shard`);
      out[2 * e] = Number(offset);
      out[2 * e + 1] = Number(nbytes);
    }
    return out;
  }

  async fetch(indices: number[][]): Promise<Array<Uint8Array | undefined>> {
    const out = new Array<Uint8Array | undefined>(indices.length);
    const byShard = new Map<string, { shard: number[]; items: Array<{ at: number; entry: number }> }>();
    indices.forEach((idx, at) => {
      const { shard, entry } = this.locate(idx);
      const key = this.meta.chunkKey(shard);
      let g = byShard.get(key);
      if (!g) byShard.set(key, (g = { shard, items: [] }));
      g.items.push({ at, entry });
    });
    await Promise.all(
      [...byShard].map(async ([key, { shard, items }]) => {
        const index = await this.index(shard);
        if (!index) return;
        const wanted = items.filter((it) => index[2 * it.entry]! >= 0).sort((a, b) => index[2 * a.entry]! - index[2 * b.entry]!);
        // Runs of nearby inner chunks, each read as one range.
        const runs: Array<typeof wanted> = [];
        for (const it of wanted) {
          const run = runs[runs.length - 1];
          const first = run?.[0];
          const last = run?.[run.length - 1];
          const start = index[2 * it.entry]!;
          if (run && first && last && start - (index[2 * last.entry]! + index[2 * last.entry + 1]!) <= MERGE_GAP && start + index[2 * it.entry + 1]! - index[2 * first.entry]! <= MERGE_MAX) run.push(it);
          else runs.push([it]);
        }
        await Promise.all(
          runs.map(async (run) => {
            const from = index[2 * run[0]!.entry]!;
            const to = Math.max(...run.map((it) => index[2 * it.entry]! + index[2 * it.entry + 1]!));
            this.reads++;
            const bytes = await this.store.getRange(`${this.prefix}/${key}`, { offset: from, length: to - from });
            if (!bytes || bytes.byteLength !== to - from) throw new ZarrFormatError(`<zarr>: shard ${this.prefix}/${key} is shorter than its index says`);
            for (const it of run) {
              const o = index[2 * it.entry]! - from;
              out[it.at] = bytes.subarray(o, o + index[2 * it.entry + 1]!);
            }
          }),
        );
      }),
    );
    return out;
  }
}
