/**
 * Deleting in a file store: one object, a prefix (a folder), and the folders a delete leaves
 * empty. Each failure is either a named condition that leaves nothing to do, or it is thrown:
 * gc counts an object as deleted only when its delete returned, so a file that stays must throw.
 */
import { lstat, rm, rmdir, unlink } from "node:fs/promises";
import { dirname, sep } from "node:path";

/**
 * What a failed unlink of an object's path means. Missing (ENOENT, ENOTDIR): gone already, as
 * deleting a missing object is not an error. A folder is not an object (deletePrefix removes
 * folders): Linux says EISDIR, macOS and the BSDs EPERM, so EPERM counts as a folder only when
 * the path is one. Any other EPERM (an immutable or append-only file, a sticky folder owned by
 * someone else) and every other code is a failure: the file is still there.
 */
export function unlinkFailure(code: string | undefined, isFolder: boolean): "missing" | "folder" | "failed" {
  if (code === "ENOENT" || code === "ENOTDIR") return "missing";
  if (code === "EISDIR" || (code === "EPERM" && isFolder)) return "folder";
  return "failed";
}

/** Unlink one object's file; false when there was nothing to delete (missing, or a folder). Throws the system's error otherwise. */
export async function unlinkObject(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const isFolder = code === "EPERM" && (await lstat(path).then((s) => s.isDirectory(), () => false));
    if (unlinkFailure(code, isFolder) === "failed") throw err;
    return false;
  }
}

/**
 * What a failed rmdir of a folder a delete may have emptied means. Not empty (ENOTEMPTY, or
 * EEXIST, which POSIX allows for the same): other objects live there, so it stays, as designed.
 * Missing (ENOENT): a concurrent delete removed it. Anything else is a failure.
 */
export function rmdirFailure(code: string | undefined): "in-use" | "missing" | "failed" {
  if (code === "ENOTEMPTY" || code === "EEXIST") return "in-use";
  if (code === "ENOENT") return "missing";
  return "failed";
}

/**
 * Remove the folders above a deleted object that it left empty, up to (not including) `root`.
 * Throws the system's error, with the folder, when one that is empty cannot be removed.
 */
export async function pruneEmptyParents(root: string, dir: string): Promise<void> {
  while (dir.startsWith(root + sep) && dir !== root) {
    try {
      await rmdir(dir);
    } catch (err) {
      if (rmdirFailure((err as NodeJS.ErrnoException).code) !== "failed") return;
      throw Object.assign(err as Error, { folder: dir });
    }
    dir = dirname(dir);
  }
}

/**
 * Remove what is left of a prefix's folder after its objects were unlinked (temporary files,
 * empty subfolders). Missing is fine (`force`); ENOTEMPTY means a write arrived meanwhile,
 * which is not this delete's to remove. Anything else is thrown.
 */
export async function removeFolder(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY") throw err;
  }
}
