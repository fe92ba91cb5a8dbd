/**
 * Reading a `--from` input as a stream. Standard input (`--from ATTR=-`, passed to codecs as
 * /dev/stdin) is read through `process.stdin`: it may be a socket (a parent that spawned dj
 * from Node, socket activation), and a socket cannot be opened again by path.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

export const STDIN_PATH = "/dev/stdin";

export function openInputStream(path: string): Readable {
  return path === STDIN_PATH ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}
