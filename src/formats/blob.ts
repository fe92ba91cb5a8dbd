/**
 * DataJoint's blob format (datajoint-compat.md §5.2), byte for byte: `mYm\0` for plain numeric
 * arrays, `dj0\0` once anything else is packed, column-major array data, and the `ZL123\0`
 * zlib wrapper for blobs over 1000 bytes that compress. Content hashes — and so deduplication —
 * depend on identical bytes.
 *
 * Value model (Python → JS): None → null, bool → boolean, int → bigint, float → number,
 * complex → BlobComplex, str → string, bytes → Uint8Array, list → array, tuple → BlobTuple,
 * set → Set, dict → Map (or a plain object when writing), ndarray → InMemoryArray (or
 * BlobStringArray for unicode arrays), UUID → BlobUuid, Decimal → BlobDecimal.
 */
export { BlobComplex, BlobDecimal, BlobTuple, BlobUuid, type BlobStringArray, type BlobValue } from "./blob-values.js";
export { packBlob } from "./blob-pack.js";
export { unpackBlob } from "./blob-unpack.js";
