/*
 * dj's portable Blosc-lz4 encoder, compiled to WebAssembly (scripts/build-blosc-wasm.sh) around
 * liblz4 1.9.4 (vendor/lz4, BSD-2-Clause): the version Debian's libblosc1 and numcodecs link.
 *
 * It makes the choices c-blosc 1.21 makes when numcodecs compresses a chunk on one thread (block
 * size from clevel and typesize, "forward compatible" splitting of each block into typesize
 * streams, LZ4_compress_fast with acceleration 10 - clevel, raw streams and a "memcpyed" chunk
 * for data that does not shrink, a destination of nbytes + 16 bytes), so the chunks it writes
 * are numcodecs' bytes. The chunk format is described in ../src/blosc-lz4.ts.
 *
 * No libc: the caller (../src/blosc-lz4.ts) owns the linear memory and passes offsets into it.
 */
#include <stdint.h>
#include <wasm_simd128.h>
#include "vendor/lz4/lz4.h"

#define OVERHEAD 16
#define MIN_BUFFERSIZE 128
#define MAX_SPLITS 16
#define MAX_TYPESIZE 255
#define MAX_BLOCKSIZE ((INT32_MAX - MAX_TYPESIZE * 4) / 3) /* c-blosc's BLOSC_MAX_BLOCKSIZE */
#define L1 (32 * 1024)

#define FLAG_SHUFFLE 0x1
#define FLAG_MEMCPYED 0x2
#define FLAG_DONT_SPLIT 0x10
#define LZ4_FORMAT 1

#define EXPORT(name) __attribute__((export_name(name)))

static void put32(uint8_t *p, int32_t v) {
  uint32_t u = (uint32_t)v;
  p[0] = (uint8_t)u;
  p[1] = (uint8_t)(u >> 8);
  p[2] = (uint8_t)(u >> 16);
  p[3] = (uint8_t)(u >> 24);
}

/* Whether c-blosc splits a block into typesize streams (its forward-compatible mode, for lz4). */
static int splits(int32_t typesize, int32_t blocksize) {
  return typesize <= MAX_SPLITS && blocksize / typesize >= MIN_BUFFERSIZE;
}

static int32_t effective_typesize(int32_t typesize) {
  return typesize > MAX_TYPESIZE || typesize < 1 ? 1 : typesize;
}

/* c-blosc's block size for lz4 (not a high-compression codec); `forced` is the config's blocksize. */
EXPORT("blocksize")
int32_t blocksize(int32_t nbytes, int32_t typesize, int32_t clevel, int32_t forced) {
  typesize = effective_typesize(typesize);
  if (nbytes < typesize) return 1;
  int32_t size = nbytes;
  if (forced) {
    size = forced < MIN_BUFFERSIZE ? MIN_BUFFERSIZE : forced > MAX_BLOCKSIZE ? MAX_BLOCKSIZE : forced;
  } else if (nbytes >= L1) {
    size = L1;
    if (clevel == 0) size /= 4;
    else if (clevel == 1) size /= 2;
    else if (clevel == 3) size *= 2;
    else if (clevel == 4 || clevel == 5) size *= 4;
    else if (clevel >= 6) size *= 8;
  }
  if (clevel > 0 && splits(typesize, size)) {
    if (size > (1 << 18)) size = 1 << 18;
    size *= typesize;
    if (size < (1 << 16)) size = 1 << 16;
    if (size > 1024 * 1024) size = 1024 * 1024;
  }
  if (size > nbytes) size = nbytes;
  if (size > typesize) size = size / typesize * typesize;
  return size;
}

/*
 * Byte shuffle for 4-byte elements, 16 at a time: each vector of 4 elements is regrouped by byte
 * (its 32-bit lanes become planes 0..3), then four such vectors are transposed as a 4x4 of lanes.
 */
static int32_t shuffle4_simd(const uint8_t *src, uint8_t *dst, int32_t n) {
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8_t *p = src + 4 * i;
    v128_t a = wasm_i8x16_shuffle(wasm_v128_load(p), wasm_v128_load(p), 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    v128_t b = wasm_i8x16_shuffle(wasm_v128_load(p + 16), wasm_v128_load(p + 16), 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    v128_t c = wasm_i8x16_shuffle(wasm_v128_load(p + 32), wasm_v128_load(p + 32), 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    v128_t d = wasm_i8x16_shuffle(wasm_v128_load(p + 48), wasm_v128_load(p + 48), 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    v128_t ab01 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
    v128_t cd01 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
    v128_t ab23 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t cd23 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    wasm_v128_store(dst + i, wasm_i64x2_shuffle(ab01, cd01, 0, 2));
    wasm_v128_store(dst + n + i, wasm_i64x2_shuffle(ab01, cd01, 1, 3));
    wasm_v128_store(dst + 2 * n + i, wasm_i64x2_shuffle(ab23, cd23, 0, 2));
    wasm_v128_store(dst + 3 * n + i, wasm_i64x2_shuffle(ab23, cd23, 1, 3));
  }
  return i;
}

/* 2-byte elements, 16 at a time: each vector's low bytes to its first half, high bytes to its second. */
static int32_t shuffle2_simd(const uint8_t *src, uint8_t *dst, int32_t n) {
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8_t *p = src + 2 * i;
    v128_t a = wasm_i8x16_shuffle(wasm_v128_load(p), wasm_v128_load(p), 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    v128_t b = wasm_i8x16_shuffle(wasm_v128_load(p + 16), wasm_v128_load(p + 16), 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    wasm_v128_store(dst + i, wasm_i64x2_shuffle(a, b, 0, 2));
    wasm_v128_store(dst + n + i, wasm_i64x2_shuffle(a, b, 1, 3));
  }
  return i;
}

/*
 * 8-byte elements, 16 at a time: each vector of 2 elements is regrouped by byte (its 16-bit lanes
 * become planes 0..7), then the eight vectors are transposed as an 8x8 of 16-bit lanes.
 */
static int32_t shuffle8_simd(const uint8_t *src, uint8_t *dst, int32_t n) {
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8_t *p = src + 8 * i;
    v128_t v[8];
    for (int r = 0; r < 8; r++) {
      v128_t x = wasm_v128_load(p + 16 * r);
      v[r] = wasm_i8x16_shuffle(x, x, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    }
    v128_t lo[4], hi[4];
    for (int k = 0; k < 4; k++) {
      lo[k] = wasm_i16x8_shuffle(v[2 * k], v[2 * k + 1], 0, 8, 1, 9, 2, 10, 3, 11);
      hi[k] = wasm_i16x8_shuffle(v[2 * k], v[2 * k + 1], 4, 12, 5, 13, 6, 14, 7, 15);
    }
    /* x[c/2]: lanes c and c+1 of vectors 0..3; y likewise for vectors 4..7. */
    v128_t x[4] = {
      wasm_i32x4_shuffle(lo[0], lo[1], 0, 4, 1, 5), wasm_i32x4_shuffle(lo[0], lo[1], 2, 6, 3, 7),
      wasm_i32x4_shuffle(hi[0], hi[1], 0, 4, 1, 5), wasm_i32x4_shuffle(hi[0], hi[1], 2, 6, 3, 7),
    };
    v128_t y[4] = {
      wasm_i32x4_shuffle(lo[2], lo[3], 0, 4, 1, 5), wasm_i32x4_shuffle(lo[2], lo[3], 2, 6, 3, 7),
      wasm_i32x4_shuffle(hi[2], hi[3], 0, 4, 1, 5), wasm_i32x4_shuffle(hi[2], hi[3], 2, 6, 3, 7),
    };
    for (int c = 0; c < 4; c++) {
      wasm_v128_store(dst + (2 * c) * n + i, wasm_i64x2_shuffle(x[c], y[c], 0, 2));
      wasm_v128_store(dst + (2 * c + 1) * n + i, wasm_i64x2_shuffle(x[c], y[c], 1, 3));
    }
  }
  return i;
}

/* Blosc's byte shuffle of one block: byte j of every element to plane j, a partial element's bytes as they are. */
static void shuffle(const uint8_t *src, uint8_t *dst, int32_t bytes, int32_t typesize) {
  int32_t n = bytes / typesize;
  int32_t done = typesize == 4 ? shuffle4_simd(src, dst, n) : typesize == 2 ? shuffle2_simd(src, dst, n) : typesize == 8 ? shuffle8_simd(src, dst, n) : 0;
  for (int32_t j = 0; j < typesize; j++)
    for (int32_t i = done; i < n; i++) dst[j * n + i] = src[i * typesize + j];
  for (int32_t k = n * typesize; k < bytes; k++) dst[k] = src[k];
}

/*
 * One block into dest (at offset `at` of the chunk, whose capacity is `capacity`): its streams,
 * each an int32 size then LZ4 data or the stream raw. Returns the bytes written, or 0 when the
 * block would overrun the capacity (the chunk is then stored memcpyed).
 */
static int32_t encode_block(const uint8_t *block, int32_t bytes, int32_t nsplits, int accel, uint8_t *chunk, int32_t at, int32_t capacity) {
  int32_t neblock = bytes / nsplits;
  int32_t start = at;
  for (int32_t s = 0; s < nsplits; s++) {
    at += 4;
    int32_t maxout = neblock;
    if (at + maxout > capacity) {
      maxout = capacity - at;
      if (maxout <= 0) return 0;
    }
    const uint8_t *stream = block + s * neblock;
    int32_t cbytes = LZ4_compress_fast((const char *)stream, (char *)chunk + at, neblock, maxout, accel);
    if (cbytes < 0 || cbytes > maxout) return -1;
    if (cbytes == 0 || cbytes == neblock) {
      if (at + neblock > capacity) return 0;
      __builtin_memcpy(chunk + at, stream, (unsigned long)neblock);
      cbytes = neblock;
    }
    put32(chunk + at - 4, cbytes);
    at += cbytes;
  }
  return at - start;
}

/*
 * Compress `nbytes` at `src` into a Blosc chunk at `dest` (room for nbytes + 16 bytes), using
 * `tmp` (blocksize(...) bytes) for the shuffled block. Returns the chunk's length, or -1 when
 * LZ4 misbehaves.
 */
EXPORT("encode")
int32_t encode(const uint8_t *src, int32_t nbytes, int32_t typesize, int32_t clevel, int32_t doshuffle, int32_t forced, uint8_t *dest, uint8_t *tmp) {
  typesize = effective_typesize(typesize);
  int32_t capacity = nbytes + OVERHEAD;
  int32_t bsize = blocksize(nbytes, typesize, clevel, forced);
  int32_t nblocks = nbytes / bsize + (nbytes % bsize > 0);
  int32_t leftover = nbytes % bsize;
  uint8_t flags = (uint8_t)(LZ4_FORMAT << 5);
  if (doshuffle == 1) flags |= FLAG_SHUFFLE;
  if (!splits(typesize, bsize)) flags |= FLAG_DONT_SPLIT;
  int memcpyed = clevel == 0 || nbytes < MIN_BUFFERSIZE;
  dest[0] = 2;
  dest[1] = 1;
  dest[3] = (uint8_t)typesize;
  put32(dest + 4, nbytes);
  put32(dest + 8, bsize);
  int32_t total = OVERHEAD + 4 * nblocks;
  if (!memcpyed) {
    int accel = 10 - clevel;
    for (int32_t b = 0; b < nblocks; b++) {
      int leftover_block = b == nblocks - 1 && leftover > 0;
      int32_t bytes = leftover_block ? leftover : bsize;
      const uint8_t *block = src + b * bsize;
      if (doshuffle == 1 && typesize > 1) {
        shuffle(block, tmp, bytes, typesize);
        block = tmp;
      }
      int32_t nsplits = !(flags & FLAG_DONT_SPLIT) && !leftover_block ? typesize : 1;
      put32(dest + OVERHEAD + 4 * b, total);
      int32_t written = encode_block(block, bytes, nsplits, accel, dest, total, capacity);
      if (written < 0) return -1;
      if (written == 0) {
        memcpyed = 1;
        break;
      }
      total += written;
    }
  }
  if (memcpyed) {
    flags |= FLAG_MEMCPYED;
    __builtin_memcpy(dest + OVERHEAD, src, (unsigned long)nbytes);
    total = OVERHEAD + nbytes;
  }
  dest[2] = flags;
  put32(dest + 12, total);
  return total;
}
