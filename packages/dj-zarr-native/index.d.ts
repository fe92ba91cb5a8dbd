/** Blosc 1 and Zstandard through the system's C libraries; every call runs on libuv's thread pool. */
/**
 * With `output` (at least data.length + 16 bytes) the chunk is written there and a view of it
 * returned. `threads` > 1 lets c-blosc split one big chunk over several threads.
 */
export declare function bloscEncode(data: Uint8Array, cname: string, clevel: number, shuffle: number, typesize: number, blocksize: number, output?: Uint8Array | null, threads?: number): Promise<Uint8Array>;
/** `limit`: the most bytes the caller expects; a chunk claiming more is refused before allocating. */
export declare function bloscDecode(data: Uint8Array, limit?: number): Promise<Uint8Array>;
/** With `output` (at least ZSTD_compressBound(data.length) bytes) the frame is written there. */
export declare function zstdEncode(data: Uint8Array, level: number, checksum: boolean, output?: Uint8Array): Promise<Uint8Array>;
export declare function zstdDecode(data: Uint8Array, limit?: number): Promise<Uint8Array>;
export declare const bloscVersion: string;
export declare const zstdVersion: string;
