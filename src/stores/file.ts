/**
 * The `file` store: objects are files under `location` (relative locations resolve against the
 * config file's folder). Writes are atomic — a temporary file in the same folder, then rename —
 * so a reader or a killed process never sees half an object; `ifAbsent` never replaces one.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { constants } from "node:fs";
import { access, copyFile, link, mkdir, open, readFile, rename, rm, rmdir, stat, unlink, utimes } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { ConflictError, StoreError } from "../errors.js";
import { trackTempFile } from "../lifecycle.js";
import { checkKey } from "./addressing.js";
import { tempFilesUnder } from "./file-temps.js";
import { filesUnder, isMissing } from "./file-walk.js";
import type { Leftover, ObjectInfo, PutOptions, RangeQuery, Store } from "./types.js";


/**
 * Create `path` (never an existing file) holding `value`. One write call for the whole buffer:
 * fs.promises.writeFile splits it into 512 KiB writes, each a trip through the thread pool.
 */
async function writeAll(path: string, value: Uint8Array): Promise<void> {
  const handle = await open(path, "wx");
  try {
    let at = 0;
    while (at < value.byteLength) at += (await handle.write(value, at, value.byteLength - at, null)).bytesWritten;
  } finally {
    await handle.close();
  }
}

export class FileStore implements Store {
  readonly protocol = "file";

  constructor(
    readonly name: string,
    /** Absolute path of the store's location. */
    readonly root: string,
  ) {}

  /** Fail early, with the store's name, when the location is not an existing folder. */
  async assertRoot(): Promise<void> {
    try {
      if ((await stat(this.root)).isDirectory()) return;
    } catch {}
    throw new StoreError(`store "${this.name}": location ${this.root} does not exist or is not a directory`, {
      hint: `create it (mkdir -p ${this.root}) or fix stores.${this.name}.location`,
      code: "store.location",
    });
  }

  private path(key: string): string {
    const problem = checkKey(key);
    if (problem) throw new StoreError(`store "${this.name}": refusing ${problem}: ${JSON.stringify(key)}`, { code: "store.key" });
    return join(this.root, ...key.split("/"));
  }

  private fail(op: string, key: string, err: unknown): StoreError {
    return new StoreError(`store "${this.name}": cannot ${op} ${key}: ${(err as Error).message}`, { cause: err, code: "store.io" });
  }

  /**
   * A failed write, said plainly when the location is read-only or not writable: a recursive
   * mkdir on a read-only file system reports ENOENT, which would send the user looking for a
   * missing folder.
   */
  private async writeFailure(key: string, err: unknown): Promise<StoreError> {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EROFS" || code === "EACCES" || code === "EPERM") {
      const denied = await access(this.root, constants.W_OK).then(
        () => null,
        (e: NodeJS.ErrnoException) => e.code,
      );
      if (denied === "EROFS") return new StoreError(`store "${this.name}" is read-only: ${this.root} is on a read-only file system (writing ${key})`, { cause: err, hint: "mount it read-write, or configure a writable location", code: "store.readonly" });
      if (denied === "EACCES" || denied === "EPERM") return new StoreError(`store "${this.name}" is read-only for this user: no write permission on ${this.root} (writing ${key})`, { cause: err, hint: "fix the folder's permissions, or configure a writable location", code: "store.readonly" });
    }
    if (code === "ENOSPC" || code === "EDQUOT") return new StoreError(`store "${this.name}": cannot write ${key}: the disk is full (${code})`, { cause: err, hint: `free space under ${this.root}`, code: "store.full" });
    return this.fail("write", key, err);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const data = await readFile(this.path(key)); // its own buffer: a view, not a copy
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw this.fail("read", key, err);
    }
  }

  async getRange(key: string, range: RangeQuery): Promise<Uint8Array | undefined> {
    let handle;
    try {
      handle = await open(this.path(key), "r");
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.fail("read", key, err);
    }
    try {
      const buf = Buffer.alloc(range.length);
      let filled = 0;
      while (filled < range.length) {
        const { bytesRead } = await handle.read(buf, filled, range.length - filled, range.offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, filled);
    } finally {
      await handle.close();
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    const path = this.path(key);
    try {
      if (!(await stat(path)).isFile()) return undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.fail("read", key, err);
    }
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  /** Temporary files being written, each with its untrack function (see lifecycle.trackTempFile). */
  private readonly temps = new Map<string, () => void>();

  private tempPath(path: string): string {
    const tmp = `${path}.${randomBytes(6).toString("hex")}.saving`;
    this.temps.set(tmp, trackTempFile(tmp));
    return tmp;
  }

  private untrack(tmp: string): void {
    this.temps.get(tmp)?.();
    this.temps.delete(tmp);
  }

  /** Move a finished temporary file into place; with ifAbsent, a hard link fails if the target exists. */
  private async commit(tmp: string, path: string, key: string, ifAbsent?: boolean): Promise<void> {
    try {
      await this.commitTemp(tmp, path, key, ifAbsent);
    } finally {
      this.untrack(tmp);
    }
  }

  private async commitTemp(tmp: string, path: string, key: string, ifAbsent?: boolean): Promise<void> {
    try {
      if (ifAbsent) {
        await link(tmp, path);
        await unlink(tmp);
      } else {
        await rename(tmp, path);
      }
    } catch (err) {
      await rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ConflictError(`store "${this.name}": object ${key} already exists`, { code: "store.exists" });
      }
      throw await this.writeFailure(key, err);
    }
  }

  /** Folders known to exist: a Zarr insert writes hundreds of chunks into one folder. */
  private readonly folders = new Set<string>();

  private async ensureFolder(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.folders.add(dir);
  }

  async set(key: string, value: Uint8Array, opts: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    const tmp = this.tempPath(path);
    try {
      await this.ensureFolder(dirname(path));
      await writeAll(tmp, value);
    } catch (err) {
      await rm(tmp, { force: true });
      this.untrack(tmp);
      throw await this.writeFailure(key, err);
    }
    await this.commit(tmp, path, key, opts.ifAbsent);
  }

  async setStream(key: string, body: Readable, opts: PutOptions & { size?: number } = {}): Promise<void> {
    const path = this.path(key);
    const tmp = this.tempPath(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(body, createWriteStream(tmp, { flags: "wx", highWaterMark: 1 << 20 }), { signal: opts.signal });
    } catch (err) {
      await rm(tmp, { force: true });
      this.untrack(tmp);
      if ((err as { name?: string }).name === "AbortError") throw err;
      if (err instanceof StoreError || (err as { _dj?: boolean })._dj) throw err;
      throw await this.writeFailure(key, err);
    }
    await this.commit(tmp, path, key, opts.ifAbsent);
  }

  async putFile(key: string, localPath: string, opts: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    const tmp = this.tempPath(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await copyFile(localPath, tmp, constants.COPYFILE_EXCL);
    } catch (err) {
      await rm(tmp, { force: true });
      this.untrack(tmp);
      throw await this.writeFailure(key, err);
    }
    await this.commit(tmp, path, key, opts.ifAbsent);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.fail("stat", key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const start = prefix === "" ? this.root : this.path(prefix.replace(/\/+$/, ""));
    let startStat;
    try {
      startStat = await stat(start);
    } catch (err) {
      if (isMissing(err)) return;
      throw this.fail("list", prefix, err);
    }
    if (startStat.isFile()) {
      // "a/b" lists the object a/b itself; "a/b/" asks for what is under a folder.
      if (!prefix.endsWith("/")) yield { key: prefix, size: startStat.size, modified: startStat.mtime };
      return;
    }
    for await (const { full, name } of filesUnder(start, (dir, err) => this.fail("list", relative(this.root, dir), err))) {
      if (name.endsWith(".saving")) continue; // a write in progress, or a killed one's leftover (gc)
      const s = await stat(full);
      yield { key: relative(this.root, full).split(sep).join("/"), size: s.size, modified: s.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    try {
      await unlink(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A folder is not an object (deletePrefix removes folders); missing is not an error.
      if (isMissing(err) || code === "EISDIR" || code === "EPERM") return;
      throw this.fail("delete", key, err);
    }
    await this.pruneEmptyParents(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0;
    for await (const info of this.list(prefix)) {
      await unlink(this.path(info.key)).catch((err) => {
        if (!isMissing(err)) throw this.fail("delete", info.key, err);
      });
      count++;
    }
    const path = this.path(prefix.replace(/\/+$/, ""));
    this.folders.clear();
    await rm(path, { recursive: true, force: true }).catch(() => {});
    await this.pruneEmptyParents(dirname(path));
    return count;
  }

  async touch(key: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.path(key), now, now);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.fail("touch", key, err);
    }
  }

  /** Temporary files (`*.saving`) under `prefix` that this process is not writing: what killed writes left. */
  listLeftovers(prefix: string): AsyncIterable<Leftover> {
    return tempFilesUnder(this.root, this.path(prefix.replace(/\/+$/, "")), (full) => this.temps.has(full));
  }

  async removeLeftover(leftover: Leftover): Promise<void> {
    await this.delete(leftover.key);
  }

  /** Remove folders left empty by a delete, up to (not including) the store root. */
  private async pruneEmptyParents(dir: string): Promise<void> {
    this.folders.clear();
    while (dir.startsWith(this.root + sep) && dir !== this.root) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, or already gone
      }
      dir = dirname(dir);
    }
  }
}
