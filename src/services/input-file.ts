/**
 * What `--from FILE` may name: a regular file, a directory (for codecs that take folders), a
 * pipe or FIFO (streamed), or `-` for standard input (streamed). Character and block devices and
 * sockets are refused: `/dev/zero` or `/dev/urandom` never end, and `/dev/null` is no file.
 */
import type { Stats } from "node:fs";
import { constants, fstat as fstatCallback } from "node:fs";
import { access, stat } from "node:fs/promises";
import { promisify } from "node:util";
import { resolve } from "node:path";
import { InputError } from "../errors.js";

const fstat = promisify(fstatCallback);

/** `--from -`: standard input, read through its /dev/stdin link (a pipe, a FIFO or a file). */
export const STDIN = "-";

export async function checkInputFile(path: string, baseDir: string, attr: string): Promise<{ full: string; stats: Stats }> {
  const full = path === STDIN ? "/dev/stdin" : resolve(baseDir, path);
  const shown = path === STDIN ? "standard input" : path;
  const stats = await (path === STDIN ? fstat(0) : stat(full)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return null;
    // Not "missing": a folder on the way that may not be searched, a symlink loop, an I/O error.
    const why = e.code === "EACCES" || e.code === "EPERM" ? "permission denied" : e.code === "ELOOP" ? "too many levels of symbolic links" : (e.code ?? e.message);
    throw new InputError(`cannot read ${shown} (for ${attr}): ${why}`, { code: "input.file" });
  });
  if (!stats) throw new InputError(`${shown}: no such file or directory (for ${attr})`, { code: "input.file" });
  if (stats.isFile() || stats.isFIFO() || (stats.isDirectory() && path !== STDIN)) {
    if (path !== STDIN) {
      const denied = await access(full, constants.R_OK).then(() => null, (e: NodeJS.ErrnoException) => e.code ?? "EACCES");
      if (denied) throw new InputError(`cannot read ${shown} (for ${attr}): ${denied === "EACCES" || denied === "EPERM" ? "permission denied" : denied}`, { code: "input.file" });
    }
    return { full, stats };
  }
  // Standard input may be a socket when a program (Node's child_process, for one) starts dj.
  if (path === STDIN && stats.isSocket()) return { full, stats };
  const kind = stats.isCharacterDevice() ? (path === STDIN ? "a terminal or device" : "a character device") : stats.isBlockDevice() ? "a block device" : stats.isSocket() ? "a socket" : "not a regular file";
  throw new InputError(`${shown} is ${kind}, not a file (for ${attr})`, {
    hint: path === STDIN ? "pipe the data in: `cat FILE | dj insert … --from ATTR=-`" : "give a regular file, a folder, a FIFO or - for standard input",
    code: "input.file",
  });
}
