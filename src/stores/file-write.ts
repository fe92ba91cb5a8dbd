/**
 * The parts of a file store's atomic write: a temporary file beside the target (tracked, so an
 * interrupted run removes it and gc knows it is in use), written in one call, then moved into
 * place by rename, or by a hard link when an existing object must never be replaced.
 */
import { randomBytes } from "node:crypto";
import { link, open, rename, unlink } from "node:fs/promises";
import { trackTempFile } from "../lifecycle.js";

/**
 * Create `path` (never an existing file) holding `value`. One write call for the whole buffer:
 * fs.promises.writeFile splits it into 512 KiB writes, each a trip through the thread pool.
 */
export async function writeAll(path: string, value: Uint8Array): Promise<void> {
  const handle = await open(path, "wx");
  try {
    let at = 0;
    while (at < value.byteLength) at += (await handle.write(value, at, value.byteLength - at, null)).bytesWritten;
  } finally {
    await handle.close();
  }
}

/** Temporary files this store is writing, each with its untrack function (see lifecycle.trackTempFile). */
export class TempFiles {
  private readonly temps = new Map<string, () => void>();

  /** A new temporary path beside `path`, `{path}.{12 hex}.saving`. */
  create(path: string): string {
    const tmp = `${path}.${randomBytes(6).toString("hex")}.saving`;
    this.temps.set(tmp, trackTempFile(tmp));
    return tmp;
  }

  has(tmp: string): boolean {
    return this.temps.has(tmp);
  }

  untrack(tmp: string): void {
    this.temps.get(tmp)?.();
    this.temps.delete(tmp);
  }
}

/** Move a finished temporary file into place; with `ifAbsent`, a hard link fails (EEXIST) if the target exists. */
export async function moveIntoPlace(tmp: string, path: string, ifAbsent?: boolean): Promise<void> {
  if (ifAbsent) {
    await link(tmp, path);
    await unlink(tmp);
  } else {
    await rename(tmp, path);
  }
}
