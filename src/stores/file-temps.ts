/** Finding the temporary files (`*.saving`) that killed writes leave in a file store. */
import { stat } from "node:fs/promises";
import { relative, sep } from "node:path";
import { StoreError } from "../errors.js";
import { filesUnder, isMissing } from "./file-walk.js";
import type { Leftover } from "./types.js";

/** `{path}.{12 hex}.saving` (dj) or `{path}.saving` (DataJoint for Python's safe_write). */
const TEMP_NAME = /\.saving$/;

export async function* tempFilesUnder(root: string, start: string, inUse: (full: string) => boolean): AsyncIterable<Leftover> {
  const listFailed = (dir: string, err: unknown) => new StoreError(`cannot list ${relative(root, dir)}: ${(err as Error).message}`, { cause: err, code: "store.io" });
  for await (const { full, name } of filesUnder(start, listFailed)) {
    if (!TEMP_NAME.test(name) || inUse(full)) continue;
    const s = await stat(full).catch((err: unknown) => {
      if (isMissing(err)) return null; // removed meanwhile (its write finished): nothing left over
      throw listFailed(full, err);
    });
    if (s) yield { kind: "temp-file", key: relative(root, full).split(sep).join("/"), size: s.size, modified: s.mtime };
  }
}
