/**
 * Blosc's byte shuffle and its inverse, as c-blosc does them on one block: byte j of every
 * element goes to plane j (planes of n = floor(bytes / typesize) bytes), the tail of fewer than
 * typesize bytes is copied as it is. The 4- and 8-byte cases (float32/int32, float64/int64: the
 * arrays dj sees most) move whole 32-bit words where the planes are aligned, a few times faster
 * than byte by byte in V8.
 */

const aligned = (a: Uint8Array) => a.byteOffset % 4 === 0;

function words(a: Uint8Array, count: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, count);
}

/** src (elements) → dst (planes). */
export function shuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  if (typesize === 4 && n % 4 === 0 && aligned(src) && aligned(dst)) shuffle4(src, dst, n);
  else if (typesize === 8 && n % 4 === 0 && aligned(src) && aligned(dst)) shuffle8(src, dst, n);
  else {
    for (let j = 0; j < typesize; j++) {
      const o = j * n;
      for (let i = 0; i < n; i++) dst[o + i] = src[i * typesize + j]!;
    }
  }
  dst.set(src.subarray(n * typesize), n * typesize);
}

/** src (planes) → dst (elements). */
export function unshuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  if (typesize === 4 && n % 4 === 0 && aligned(src) && aligned(dst)) unshuffle4(src, dst, n);
  else {
    for (let j = 0; j < typesize; j++) {
      const o = j * n;
      for (let i = 0; i < n; i++) dst[i * typesize + j] = src[o + i]!;
    }
  }
  dst.set(src.subarray(n * typesize, src.length), n * typesize);
}

function shuffle4(src: Uint8Array, dst: Uint8Array, n: number): void {
  const w = words(src, n);
  const q = n >>> 2;
  const p0 = words(dst, q * 4);
  for (let i = 0, k = 0; k < q; i += 4, k++) {
    const a = w[i]!, b = w[i + 1]!, c = w[i + 2]!, d = w[i + 3]!;
    p0[k] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
    p0[q + k] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
    p0[2 * q + k] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
    p0[3 * q + k] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
  }
}

function shuffle8(src: Uint8Array, dst: Uint8Array, n: number): void {
  // An 8-byte element is two 32-bit words: low bytes 0..3 and high bytes 4..7.
  const w = words(src, 2 * n);
  const q = n >>> 2;
  const p = words(dst, q * 8);
  for (let i = 0, k = 0; k < q; i += 8, k++) {
    for (let half = 0; half < 2; half++) {
      const a = w[i + half]!, b = w[i + 2 + half]!, c = w[i + 4 + half]!, d = w[i + 6 + half]!;
      const base = half * 4 * q;
      p[base + k] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
      p[base + q + k] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
      p[base + 2 * q + k] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
      p[base + 3 * q + k] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
    }
  }
}

function unshuffle4(src: Uint8Array, dst: Uint8Array, n: number): void {
  const q = n >>> 2;
  const p = words(src, q * 4);
  const w = words(dst, n);
  for (let i = 0, k = 0; k < q; i += 4, k++) {
    const b0 = p[k]!, b1 = p[q + k]!, b2 = p[2 * q + k]!, b3 = p[3 * q + k]!;
    w[i] = (b0 & 0xff) | ((b1 & 0xff) << 8) | ((b2 & 0xff) << 16) | (b3 << 24);
    w[i + 1] = ((b0 >>> 8) & 0xff) | (b1 & 0xff00) | ((b2 & 0xff00) << 8) | ((b3 & 0xff00) << 16);
    w[i + 2] = ((b0 >>> 16) & 0xff) | ((b1 >>> 8) & 0xff00) | (b2 & 0xff0000) | ((b3 & 0xff0000) << 8);
    w[i + 3] = (b0 >>> 24) | ((b1 >>> 16) & 0xff00) | ((b2 >>> 8) & 0xff0000) | (b3 & 0xff000000);
  }
}
