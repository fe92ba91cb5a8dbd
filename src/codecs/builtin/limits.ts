/**
 * Size limits of the built-in codecs that hold a whole value in memory. `<blob>` and `<attach>`
 * values are packed in memory and go to the database in one statement, so they are bounded by
 * MySQL's largest packet (`max_allowed_packet` cannot exceed 1 GiB). Codecs that stream —
 * `<hash@>`, `<object@>`, `<npy@>`, `<zarr@>` — have no size limit and hold a bounded amount.
 */
import { openInputStream } from "./input-stream.js";
import { InputError } from "../../errors.js";

export const BLOB_MAX_BYTES = 1 << 30;
export const ATTACH_MAX_BYTES = 1 << 30;

const mib = (n: number) => `${Math.round(n / (1 << 20))} MiB`;

/** The error for a value over a codec's limit, naming the codec that takes it. */
export function tooLarge(codec: string, what: string, size: number | null, limit: number, instead: string): InputError {
  return new InputError(`<${codec}> holds at most ${mib(limit)}; ${what} is ${size === null ? "larger" : `${size} bytes`}`, {
    hint: `use ${instead}, which streams values of any size`,
    code: "input.limit",
  });
}

/**
 * Read a file, pipe or FIFO into memory, refusing it once it passes `limit` bytes — so an endless
 * pipe costs at most `limit` bytes, not all the memory there is.
 */
export async function readBounded(path: string, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  const stream = openInputStream(path);
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).byteLength;
      if (total > limit) throw onTooLarge();
      parts.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, total);
}
