#!/usr/bin/env node
// bench/zarr-sharded: reading a Zarr v3 array sharded (`sharding_indexed`) against the same array
// unsharded, through dj-zarr-codecs' reader (zarrSource(...).chunks(), the path `dj fetch`
// streams), side by side in one run. The unsharded array is written by dj (v3, bytes + zstd
// level 1, chunks of 16384 x 64 float32 = 4 MiB); the sharded one is built here from the v3
// spec's layout out of the very same encoded chunks (zarr-python 3 is not installable on these
// machines and dj does not write shards): shards of INNER_PER_SHARD inner chunks, inner chunks
// in C order, the index (offset, nbytes) uint64 little-endian + crc32c at the end. Both hold the
// same compressed bytes, so the ratio is the cost of sharding itself: one index read per shard and
// a range read per inner chunk instead of one file per chunk.
// Prints the median read time of each and the ratio sharded / unsharded (want <= 1.0).
// Usage: node bench/zarr-sharded.mjs [MiB=1024] [rounds=3] [innerPerShard=16]
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { makeWaveforms, median, project, root } from "./lib.mjs";

const mib = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);
const INNER_PER_SHARD = Number(process.argv[4] ?? 16);
const ROWS = 16384; // rows of 64 float32 per chunk: 4 MiB

const lib = (p) => import(join(root, p));
const { FileStore } = await lib("dist/src/stores/file.js");
const { openNpy } = await lib("dist/src/formats/npy.js");
const { readMeta, writeZarr, zarrSource } = await lib("packages/dj-zarr-codecs/dist/zarr.js");
const { closeCompressors } = await lib("packages/dj-zarr-codecs/dist/compressors.js");
const { crc32c } = await lib("packages/dj-zarr-codecs/dist/crc32c.js");
const { nativeCodecs } = await lib("packages/dj-zarr-codecs/dist/native.js");

const dir = project({});
const storeDir = join(dir, "store");
const store = new FileStore("bench", storeDir);
try {
  const npy = join(dir, "waves.npy");
  makeWaveforms(npy, mib);
  const src = await openNpy(npy);
  await writeZarr(store, "plain.zarr", src, { format: 3, chunks: [ROWS, 64], compressor: { id: "zstd", level: 1 } });
  await src.close?.();
  rmSync(npy);

  // The sharded copy: shard s holds plain chunks s*K .. s*K+K-1, then the index.
  const plain = JSON.parse(readFileSync(join(storeDir, "plain.zarr/zarr.json"), "utf8"));
  const rows = plain.shape[0];
  const chunkCount = Math.ceil(rows / ROWS);
  const shardCount = Math.ceil(chunkCount / INNER_PER_SHARD);
  // Shards are (K*ROWS, 64) arrays: keys c/<s>/0.
  mkdirSync(join(storeDir, "sharded.zarr/c"), { recursive: true });
  for (let s = 0; s < shardCount; s++) {
    const index = Buffer.alloc(INNER_PER_SHARD * 16 + 4, 0xff);
    mkdirSync(join(storeDir, `sharded.zarr/c/${s}`));
    const fd = openSync(join(storeDir, `sharded.zarr/c/${s}/0`), "w");
    let offset = 0;
    for (let k = 0; k < INNER_PER_SHARD; k++) {
      const chunk = s * INNER_PER_SHARD + k;
      if (chunk >= chunkCount) break;
      const bytes = readFileSync(join(storeDir, `plain.zarr/c/${chunk}/0`));
      writeSync(fd, bytes);
      index.writeBigUInt64LE(BigInt(offset), k * 16);
      index.writeBigUInt64LE(BigInt(bytes.byteLength), k * 16 + 8);
      offset += bytes.byteLength;
    }
    index.writeUInt32LE(crc32c(index.subarray(0, INNER_PER_SHARD * 16)), INNER_PER_SHARD * 16);
    writeSync(fd, index);
    closeSync(fd);
  }
  const sharded = {
    ...plain,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [ROWS * INNER_PER_SHARD, 64] } },
    codecs: [{ name: "sharding_indexed", configuration: { chunk_shape: [ROWS, 64], codecs: plain.codecs, index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }], index_location: "end" } }],
  };
  writeFileSync(join(storeDir, "sharded.zarr/zarr.json"), JSON.stringify(sharded, null, 2));

  /** One full streamed read; returns seconds (and checks the two arrays give the same bytes). */
  async function read(name) {
    const meta = await readMeta(store, name);
    const t0 = process.hrtime.bigint();
    let n = 0;
    let x = 0;
    for await (const piece of zarrSource(store, name, meta, { missingChunks: "error" }).chunks()) {
      n += piece.byteLength;
      x ^= piece[piece.byteLength - 1];
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== rows * 64 * 4) throw new Error(`${name}: read ${n} bytes`);
    return { s, x };
  }

  console.log(`${mib} MiB float32 (${rows} x 64), zstd level 1, inner chunks ${ROWS} x 64 (4 MiB); ${chunkCount} chunks unsharded vs ${shardCount} shards of ${INNER_PER_SHARD}; decoder: ${nativeCodecs() ? "native libzstd" : "portable (WASM)"}; ${rounds} rounds (median)`);
  await read("plain.zarr"); // warm the page cache and the decoders for both
  await read("sharded.zarr");
  const times = { plain: [], sharded: [] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always follows the other's garbage.
    for (const name of r % 2 ? ["sharded", "plain"] : ["plain", "sharded"]) {
      const { s, x } = await read(`${name}.zarr`);
      times[name].push(s);
      times[`${name}X`] = x;
    }
  }
  if (times.plainX !== times.shardedX) throw new Error("the two arrays read differently");
  const p = median(times.plain);
  const q = median(times.sharded);
  console.log(`unsharded  ${p.toFixed(3)} s  (${(mib / p).toFixed(0)} MiB/s)  runs ${times.plain.map((t) => t.toFixed(3)).join(" ")}`);
  console.log(`sharded    ${q.toFixed(3)} s  (${(mib / q).toFixed(0)} MiB/s)  runs ${times.sharded.map((t) => t.toFixed(3)).join(" ")}`);
  console.log(`ratio sharded/unsharded: ${(q / p).toFixed(3)}`);
} finally {
  await closeCompressors();
  rmSync(dir, { recursive: true, force: true });
}
