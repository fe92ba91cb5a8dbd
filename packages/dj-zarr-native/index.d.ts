/** Blosc 1 and Zstandard through the system's C libraries; every call runs on libuv's thread pool. */
export declare function bloscEncode(data: Uint8Array, cname: string, clevel: number, shuffle: number, typesize: number, blocksize: number): Promise<Uint8Array>;
export declare function bloscDecode(data: Uint8Array): Promise<Uint8Array>;
export declare function zstdEncode(data: Uint8Array, level: number, checksum: boolean): Promise<Uint8Array>;
export declare function zstdDecode(data: Uint8Array): Promise<Uint8Array>;
export declare const bloscVersion: string;
export declare const zstdVersion: string;
