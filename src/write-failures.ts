/**
 * What the file system said when dj could not write its output, in words: for `dj fetch --out`
 * (services/output.ts) and for stdout itself (ui/stdio.ts). "store" causes are the file system
 * refusing (exit 5), "input" ones a path that cannot be (exit 7).
 */
import type { CodeOf } from "./error-codes.js";

export type WriteFailureCause = [kind: "store", words: string, code: CodeOf<"store">] | [kind: "input", words: string, code: CodeOf<"input">];
const CAUSES: Record<string, WriteFailureCause> = {
  ENOSPC: ["store", "no space left on the device", "output.enospc"],
  EDQUOT: ["store", "disk quota exceeded", "output.edquot"],
  EROFS: ["store", "the file system is read-only", "output.erofs"],
  EACCES: ["store", "permission denied", "output.eacces"],
  EPERM: ["store", "operation not permitted", "output.eperm"],
  EMFILE: ["store", "too many open files", "output.emfile"],
  ENFILE: ["store", "too many open files in the system", "output.enfile"],
  EIO: ["store", "input/output error", "output.eio"],
  EFBIG: ["store", "the file is larger than this file system or limit allows", "output.efbig"],
  ENOTDIR: ["input", "a part of the path is a file, not a folder", "output.enotdir"],
  EISDIR: ["input", "it is a folder", "output.eisdir"],
  ENAMETOOLONG: ["input", "the file name is too long", "output.enametoolong"],
  EEXIST: ["input", "a file is in the way", "output.eexist"],
  ENOENT: ["input", "a folder on the path does not exist", "output.enoent"],
  EINVAL: ["input", "the file name is not valid here", "output.einval"],
};

/** The cause for an errno code, when dj has words for it. */
export function writeFailureCause(code: string): WriteFailureCause | undefined {
  return Object.hasOwn(CAUSES, code) ? CAUSES[code] : undefined;
}
