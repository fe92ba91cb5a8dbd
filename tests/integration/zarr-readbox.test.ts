/**
 * `readBox` on Zarr sources (v2 and v3, sharded or not) against NumPy slicing of the full array,
 * for many boxes from a fixed seed (edge chunks, empty boxes and the whole array included); and,
 * through a store that counts what is read, that only the chunks a box intersects are read and a
 * shard's index once.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../../src/stores/file.js";
import type { RangeQuery, Store } from "../../src/stores/types.js";
import { openNpy } from "../../src/formats/npy.js";
import { readAll } from "../../src/formats/ndarray.js";
import { fixturesDir, repoRoot } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";
import { readMeta, writeZarr, zarrSource } from "../../packages/dj-zarr-codecs/dist/zarr.js";
import { closeCompressors } from "../../packages/dj-zarr-codecs/dist/compressors.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** mulberry32: a small seeded PRNG, so the boxes are the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

type Box = [number[], number[]];

/** Random boxes, plus the whole array, single corner elements, an empty box and chunk-aligned ones. */
function boxes(shape: number[], chunks: number[], seed: number, n = 40): Box[] {
  const r = rng(seed);
  const out: Box[] = [[shape.map(() => 0), [...shape]]];
  out.push([shape.map((s) => s - 1), [...shape]]);
  out.push([shape.map(() => 0), shape.map(() => 1)]);
  out.push([shape.map((s) => Math.min(1, s)), shape.map((s) => Math.min(1, s))]); // empty
  out.push([chunks.map((c, d) => Math.min(c, shape[d]!)), chunks.map((c, d) => Math.min(2 * c, shape[d]!))]);
  for (let k = 0; k < n; k++) {
    const start = shape.map((s) => r(s));
    // Mostly small boxes (a few chunks), some reaching the far edge.
    out.push([start, start.map((a, d) => (k % 5 === 0 ? shape[d]! : Math.min(shape[d]!, a + 1 + r(Math.max(1, Math.floor(shape[d]! / 2))))))]);
  }
  return out;
}

interface Job {
  path: string;
  npy: string;
  descr: string;
  boxes: Box[];
}

/** NumPy's slices of each job's `.npy` file, in `descr`'s byte order, as sha256 digests (one Python run). */
function numpySlices(jobs: Job[]): string[][] {
  const script = `
import hashlib, json, sys, numpy as np
out = []
for job in json.load(sys.stdin):
    a = np.load(job["npy"])
    d = job["descr"][0]
    a = a.astype(a.dtype.newbyteorder(d)) if d in "<>" else a
    out.append([hashlib.sha256(np.ascontiguousarray(a[tuple(slice(x, y) for x, y in zip(start, stop))]).tobytes()).hexdigest() for start, stop in job["boxes"]])
print(json.dumps(out))
`;
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(jobs), encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A file store that records every read: which keys, with which ranges. */
class CountingStore {
  readonly calls: Array<{ op: "get" | "getRange" | "size"; key: string; range?: RangeQuery }> = [];
  constructor(private readonly inner: FileStore) {}
  get name() { return this.inner.name; }
  get protocol() { return this.inner.protocol; }
  get root() { return this.inner.root; }
  get(key: string) { this.calls.push({ op: "get", key }); return this.inner.get(key); }
  getRange(key: string, range: RangeQuery) { this.calls.push({ op: "getRange", key, range }); return this.inner.getRange(key, range); }
  size(key: string) { this.calls.push({ op: "size", key }); return this.inner.size(key); }
  list(prefix: string) { return this.inner.list(prefix); }
  exists(key: string) { return this.inner.exists(key); }
  reset() { this.calls.length = 0; }
}

after(() => closeCompressors());

describe("readBox equals NumPy slicing", { skip: skipWithout("numpy") }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-box-"));
    const r = spawnSync("python3", [join(repoRoot, "tests/helpers/sharded-v3.py"), dir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sets: Array<[string, () => string]> = [
    ["zarr-v3", () => join(fixturesDir, "zarr-v3")],
    ["zarr-v2", () => join(fixturesDir, "zarr-v2")],
  ];
  for (const [set, root] of sets) {
    test(`every ${set} fixture array`, async () => {
      const cases = JSON.parse(readFileSync(join(root(), "manifest.json"), "utf8")).cases as Array<{ path: string; expected_npy: string }>;
      const store = new FileStore("f", root());
      await checkBoxes(store, cases.map((c, k) => ({ path: c.path, npy: join(root(), c.expected_npy), seed: 1000 + k })));
    });
  }
  test("sharded arrays NumPy wrote from the v3 spec (index first, no checksum, transposed big-endian inner chunks, a missing shard)", async () => {
    const store = new FileStore("f", dir);
    await checkBoxes(store, [
      { path: "a.zarr", npy: join(dir, "a.npy"), seed: 7, n: 80 },
      { path: "b.zarr", npy: join(dir, "b.npy"), seed: 8, n: 80 },
    ]);
  });
  test("a 0-d array: the one element", async () => {
    const store = new FileStore("f", dir);
    const src = { dtype: { descr: "<i4", byteOrder: "<", kind: "i", itemsize: 4, name: "int32" }, shape: [], order: "C", byteLength: 4, read: async () => new Uint8Array(new Int32Array([-5]).buffer), async *chunks() {} } as const;
    await writeZarr(store as never, "zero.zarr", src as never, { format: 3, chunks: [], compressor: { id: "zlib", level: 1 } });
    const box = await zarrSource(store as never, "zero.zarr", (await readMeta(store as never, "zero.zarr"))!).readBox!([], []);
    assert.deepEqual([...new Int32Array(box.slice().buffer)], [-5]);
  });

  /** Every array's boxes through readBox, compared with NumPy's slices of its `.npy`. */
  async function checkBoxes(store: FileStore, arrays: Array<{ path: string; npy: string; seed: number; n?: number }>) {
    const jobs: Job[] = [];
    for (const a of arrays) {
      const meta = (await readMeta(store as never, a.path))!;
      jobs.push({ path: a.path, npy: a.npy, descr: meta.dtype.descr, boxes: boxes(meta.shape, meta.shard?.chunks ?? meta.chunks, a.seed, a.n) });
    }
    const want = numpySlices(jobs);
    for (const [j, job] of jobs.entries()) {
      const meta = (await readMeta(store as never, job.path))!;
      const src = zarrSource(store as never, job.path, meta);
      for (const [k, [start, stop]] of job.boxes.entries()) {
        const got = await src.readBox!(start, stop);
        assert.equal(got.byteLength, stop.reduce((a, b, d) => a * (b - start[d]!), 1) * meta.dtype.itemsize);
        assert.equal(sha(got), want[j]![k], `${job.path} box [${start}]..[${stop}]`);
      }
    }
  }
});

describe("readBox reads only what the box needs", () => {
  test("unsharded: exactly the chunks the box intersects (zarr-v2 edge_chunks_i4_2d, chunks 10x8)", async () => {
    const store = new CountingStore(new FileStore("f", join(fixturesDir, "zarr-v2")));
    const meta = (await readMeta(store as unknown as Store, "edge_chunks_i4_2d.zarr"))!;
    const src = zarrSource(store as unknown as Store, "edge_chunks_i4_2d.zarr", meta);
    const read = async (start: number[], stop: number[]) => {
      store.reset();
      await src.readBox!(start, stop);
      return store.calls.map((c) => `${c.op} ${c.key.split("/").pop()}`).sort();
    };
    assert.deepEqual(await read([12, 9], [19, 15]), ["get 1.1"]);
    assert.deepEqual(await read([5, 5], [15, 10]), ["get 0.0", "get 0.1", "get 1.0", "get 1.1"]);
    assert.deepEqual(await read([20, 16], [23, 17]), ["get 2.2"]); // the partial corner chunk
    assert.deepEqual(await read([3, 3], [3, 9]), []); // empty: nothing read
  });

  test("sharded: the shard's index once, then only the inner chunks inside the box", async () => {
    const store = new CountingStore(new FileStore("f", join(fixturesDir, "zarr-v3")));
    const meta = (await readMeta(store as unknown as Store, "sharded_f4_2d.zarr"))!;
    const src = zarrSource(store as unknown as Store, "sharded_f4_2d.zarr", meta);
    const shardSize = readFileSync(join(fixturesDir, "zarr-v3/sharded_f4_2d.zarr/c/1/0")).byteLength;
    const indexBytes = 16 * 16 + 4; // 4x4 inner chunks of (offset, nbytes) uint64 + crc32c
    store.reset();
    // Rows 40..47, cols 3..12: inner chunk row 5 (shard 1, local row 1), inner cols 0 and 1.
    await src.readBox!([40, 3], [47, 12]);
    const ranges = store.calls.filter((c) => c.op === "getRange");
    assert.ok(store.calls.every((c) => c.key.endsWith("c/1/0")), JSON.stringify(store.calls));
    assert.equal(store.calls.filter((c) => c.op === "get").length, 0, "no whole-shard read");
    const index = ranges.filter((c) => c.range!.length === indexBytes && c.range!.offset === shardSize - indexBytes);
    assert.equal(index.length, 1);
    const data = ranges.filter((c) => !index.includes(c));
    assert.ok(data.length >= 1 && data.length <= 2, JSON.stringify(data));
    const bytes = data.reduce((a, c) => a + c.range!.length, 0);
    assert.ok(bytes < (shardSize - indexBytes) / 4, `read ${bytes} of ${shardSize} bytes for 2 of 16 inner chunks`);
    // The same shard again: the index is not read a second time.
    store.reset();
    await src.readBox!([32, 0], [34, 40]);
    const again = store.calls.filter((c) => c.op === "getRange" && c.key.endsWith("c/1/0") && c.range!.length === indexBytes);
    assert.equal(again.length, 0);
    assert.ok(store.calls.some((c) => c.key.endsWith("c/1/1")), "the other shard of the row is read");
  });

  test("a whole sharded read reads each shard's index once", async () => {
    const store = new CountingStore(new FileStore("f", join(fixturesDir, "zarr-v3")));
    const meta = (await readMeta(store as unknown as Store, "sharded_f4_2d.zarr"))!;
    await readAll(zarrSource(store as unknown as Store, "sharded_f4_2d.zarr", meta));
    const sizes = store.calls.filter((c) => c.op === "size").map((c) => c.key.split(".zarr/")[1]).sort();
    assert.deepEqual(sizes, ["c/0/0", "c/0/1", "c/1/0", "c/1/1"]);
    const idx = store.calls.filter((c) => c.op === "getRange" && c.range!.length === 16 * 16 + 4).map((c) => c.key.split(".zarr/")[1]).sort();
    assert.deepEqual(idx, ["c/0/0", "c/0/1", "c/1/0", "c/1/1"]);
  });

  test("bad boxes are input errors", async () => {
    const store = new FileStore("f", join(fixturesDir, "zarr-v3"));
    const src = zarrSource(store as never, "sharded_f4_2d.zarr", (await readMeta(store as never, "sharded_f4_2d.zarr"))!);
    for (const [start, stop] of [[[0], [1]], [[0, 0], [65, 1]], [[5, 0], [4, 1]], [[-1, 0], [1, 1]], [[0.5, 0], [1, 1]]] as Box[]) {
      await assert.rejects(src.readBox!(start, stop), (err: Error & { kind?: string }) => err.kind === "input" && /box|needs 2/.test(err.message), JSON.stringify([start, stop]));
    }
  });
});
