/** Finding the temporary files (`*.saving`) that killed writes leave in a file store. */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { StoreError } from "../errors.js";
import type { Leftover } from "./types.js";

/** `{path}.{12 hex}.saving` (dj) or `{path}.saving` (DataJoint for Python's safe_write). */
const TEMP_NAME = /\.saving$/;

export async function* tempFilesUnder(root: string, start: string, inUse: (full: string) => boolean): AsyncIterable<Leftover> {
  const stack = [start];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new StoreError(`cannot list ${relative(root, dir)}: ${(err as Error).message}`, { cause: err, code: "store.io" });
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile() && TEMP_NAME.test(e.name) && !inUse(full)) {
        const s = await stat(full).catch(() => null);
        if (s) yield { kind: "temp-file", key: relative(root, full).split(sep).join("/"), size: s.size, modified: s.mtime };
      }
    }
  }
}
