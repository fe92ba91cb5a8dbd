"""
Writes Zarr v3 sharded arrays (`sharding_indexed`) from the v3 specification with NumPy alone
(zarr-python 3 is not installable on these machines), for layouts the zarr-python fixture does not
cover: the index at the start, no index checksum, inner chunks stored out of order, empty inner
chunks, a missing shard, transposed and big-endian inner chunks. Also saves each array as `.npy`.

usage: python3 sharded-v3.py OUT_DIR
"""
import json
import os
import sys
import zlib

import numpy as np

EMPTY = 2**64 - 1


def crc32c(data: bytes) -> int:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0x82F63B78 ^ (c >> 1)) if c & 1 else c >> 1
        table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def write(root, a, shard, inner, fill, inner_codecs, encode, index_location, index_crc, skip_shard=None):
    os.makedirs(root, exist_ok=True)
    per = [s // c for s, c in zip(shard, inner)]
    grid = [-(-n // s) for n, s in zip(a.shape, shard)]
    for sidx in np.ndindex(*grid):
        if sidx == skip_shard:
            continue
        entries = np.full(per + [2], EMPTY, dtype=np.uint64)
        pieces = []
        # Stored in reverse C order: a reader must follow the index, not assume an order.
        for local in reversed(list(np.ndindex(*per))):
            start = [(s * p + l) * c for s, p, l, c in zip(sidx, per, local, inner)]
            if any(st >= n for st, n in zip(start, a.shape)):
                continue  # wholly outside the array: never written
            block = np.full(inner, fill, dtype=a.dtype)
            part = a[tuple(slice(st, st + c) for st, c in zip(start, inner))]
            block[tuple(slice(0, n) for n in part.shape)] = part
            if (block == fill).all():
                continue  # all fill: left out, as zarr-python does by default
            pieces.append((local, encode(block)))
        index_bytes = entries.size * 8 + (4 if index_crc else 0)
        offset = index_bytes if index_location == "start" else 0
        body = b""
        for local, data in pieces:
            entries[local] = (offset, len(data))
            offset += len(data)
            body += data
        index = entries.astype("<u8").tobytes()
        if index_crc:
            index += crc32c(index).to_bytes(4, "little")
        os.makedirs(os.path.join(root, "c", *map(str, sidx[:-1])), exist_ok=True)
        with open(os.path.join(root, "c", *map(str, sidx)), "wb") as f:
            f.write(index + body if index_location == "start" else body + index)
    index_codecs = [{"name": "bytes", "configuration": {"endian": "little"}}] + ([{"name": "crc32c"}] if index_crc else [])
    meta = {
        "shape": list(a.shape), "data_type": str(a.dtype.newbyteorder("=").name),
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(shard)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": fill.item() if hasattr(fill, "item") else fill,
        "codecs": [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(inner), "codecs": inner_codecs, "index_codecs": index_codecs, "index_location": index_location}}],
        "attributes": {}, "zarr_format": 3, "node_type": "array", "storage_transformers": [],
    }
    with open(os.path.join(root, "zarr.json"), "w") as f:
        json.dump(meta, f, indent=2)


out = sys.argv[1]
rng = np.random.default_rng(20261202)

# A: float32, index at the end with crc32c, inner chunks zlib; a missing shard, zeroed regions
# (all-fill inner chunks left out), partial edge shards on both axes.
a = rng.standard_normal((70, 45)).astype("<f4")
a[8:24, 0:12] = 1.5
write(f"{out}/a.zarr", a, (32, 24), (8, 6), np.float32(1.5),
      [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "numcodecs.zlib", "configuration": {"level": 3}}],
      lambda b: zlib.compress(b.astype("<f4").tobytes(), 3), "end", True, skip_shard=(1, 1))
a[32:64, 24:45] = 1.5
np.save(f"{out}/a.npy", a)

# B: uint16 3-d, index at the start without checksum, inner chunks transposed (2, 0, 1) and
# big-endian, uncompressed.
b = rng.integers(0, 60000, (20, 9, 13), dtype="<u2")
b[0:4, 0:3, 0:4] = 7
write(f"{out}/b.zarr", b, (8, 9, 8), (4, 3, 4), np.uint16(7),
      [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, {"name": "bytes", "configuration": {"endian": "big"}}],
      lambda blk: np.ascontiguousarray(blk.transpose(2, 0, 1)).astype(">u2").tobytes(), "start", False)
np.save(f"{out}/b.npy", b)
