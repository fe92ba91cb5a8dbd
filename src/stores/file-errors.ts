/**
 * What a failed file-system call means for a file store, as the StoreError the user sees:
 * one place, so a read-only location or a full disk reads the same from every operation.
 */
import { access, constants } from "node:fs/promises";
import { StoreError } from "../errors.js";

/** Any other failure of `op` on `key`, with the system's own message. */
export function ioFailure(store: string, op: string, key: string, err: unknown): StoreError {
  return new StoreError(`store "${store}": cannot ${op} ${key}: ${(err as Error).message}`, { cause: err, code: "store.io" });
}

/**
 * A failed write, said plainly when the location is read-only or not writable: a recursive
 * mkdir on a read-only file system reports ENOENT, which would send the user looking for a
 * missing folder.
 */
export async function writeFailure(store: string, root: string, key: string, err: unknown): Promise<StoreError> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "EROFS" || code === "EACCES" || code === "EPERM") {
    const denied = await access(root, constants.W_OK).then(
      () => null,
      (e: NodeJS.ErrnoException) => e.code,
    );
    if (denied === "EROFS") return new StoreError(`store "${store}" is read-only: ${root} is on a read-only file system (writing ${key})`, { cause: err, hint: "mount it read-write, or configure a writable location", code: "store.readonly" });
    if (denied === "EACCES" || denied === "EPERM") return new StoreError(`store "${store}" is read-only for this user: no write permission on ${root} (writing ${key})`, { cause: err, hint: "fix the folder's permissions, or configure a writable location", code: "store.readonly" });
  }
  if (code === "ENOSPC" || code === "EDQUOT") return new StoreError(`store "${store}": cannot write ${key}: the disk is full (${code})`, { cause: err, hint: `free space under ${root}`, code: "store.full" });
  return ioFailure(store, "write", key, err);
}
