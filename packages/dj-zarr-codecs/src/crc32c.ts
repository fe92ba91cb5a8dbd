/**
 * CRC-32C (Castagnoli), for Zarr v3's `crc32c` codec: the chunk ends with the checksum of the
 * bytes before it, little-endian. Node 20 has no CRC-32C of its own.
 */
let table: Uint32Array | null = null;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

export function crc32c(data: Uint8Array): number {
  const t = (table ??= makeTable());
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The chunk without its trailing checksum; throws when the checksum does not match. */
export function stripCrc32c(chunk: Uint8Array, key: string): Uint8Array {
  if (chunk.byteLength < 4) throw new Error(`chunk ${key}: too short for its crc32c checksum`);
  const body = chunk.subarray(0, chunk.byteLength - 4);
  const stored = new DataView(chunk.buffer, chunk.byteOffset + body.byteLength, 4).getUint32(0, true);
  if (crc32c(body) !== stored) throw new Error(`chunk ${key}: crc32c checksum mismatch (the chunk is corrupt)`);
  return body;
}
