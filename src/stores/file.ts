/**
 * The `file` store: objects are files under `location` (relative locations resolve against the
 * config file's folder). Writes are atomic — a temporary file in the same folder, then rename —
 * so a reader or a killed process never sees half an object; `ifAbsent` never replaces one.
 */
import { constants, createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ConflictError, StoreError } from "../errors.js";
import { checkKey } from "./addressing.js";
import { pruneEmptyParents, removeFolder, unlinkObject } from "./file-delete.js";
import { ioFailure, writeFailure } from "./file-errors.js";
import { tempFilesUnder } from "./file-temps.js";
import { moveIntoPlace, TempFiles, writeAll } from "./file-write.js";
import { filesUnder, isMissing } from "./file-walk.js";
import type { Leftover, ObjectInfo, PutOptions, RangeQuery, Store } from "./types.js";

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
    } catch (err) {
      if (!isMissing(err)) throw ioFailure(this.name, "open the location", this.root, err);
    }
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
    return ioFailure(this.name, op, key, err);
  }

  private writeFailure(key: string, err: unknown): Promise<StoreError> {
    return writeFailure(this.name, this.root, key, err);
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

  /** Temporary files being written (gc leaves them alone; an interrupt removes them). */
  private readonly temps = new TempFiles();

  /** Move a finished temporary file into place; with ifAbsent, an existing object is a conflict. */
  private async commit(tmp: string, path: string, key: string, ifAbsent?: boolean): Promise<void> {
    try {
      await moveIntoPlace(tmp, path, ifAbsent);
    } catch (err) {
      await rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ConflictError(`store "${this.name}": object ${key} already exists`, { code: "store.exists" });
      }
      throw await this.writeFailure(key, err);
    } finally {
      this.temps.untrack(tmp);
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
    const tmp = this.temps.create(path);
    try {
      await this.ensureFolder(dirname(path));
      await writeAll(tmp, value);
    } catch (err) {
      await rm(tmp, { force: true });
      this.temps.untrack(tmp);
      throw await this.writeFailure(key, err);
    }
    await this.commit(tmp, path, key, opts.ifAbsent);
  }

  async setStream(key: string, body: Readable, opts: PutOptions & { size?: number } = {}): Promise<void> {
    const path = this.path(key);
    const tmp = this.temps.create(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(body, createWriteStream(tmp, { flags: "wx", highWaterMark: 1 << 20 }), { signal: opts.signal });
    } catch (err) {
      await rm(tmp, { force: true });
      this.temps.untrack(tmp);
      if ((err as { name?: string }).name === "AbortError") throw err;
      if (err instanceof StoreError || (err as { _dj?: boolean })._dj) throw err;
      throw await this.writeFailure(key, err);
    }
    await this.commit(tmp, path, key, opts.ifAbsent);
  }

  async putFile(key: string, localPath: string, opts: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    const tmp = this.temps.create(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await copyFile(localPath, tmp, constants.COPYFILE_EXCL);
    } catch (err) {
      await rm(tmp, { force: true });
      this.temps.untrack(tmp);
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
      // Nothing to delete (missing, or a folder: not an object) needs no pruning either.
      if (!(await unlinkObject(path))) return;
    } catch (err) {
      throw this.fail("delete", key, err);
    }
    await this.prune(key, dirname(path));
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0;
    for await (const info of this.list(prefix)) {
      try {
        // Counted only when this call removed it: one deleted meanwhile is someone else's count.
        if (await unlinkObject(this.path(info.key))) count++;
      } catch (err) {
        throw this.fail("delete", info.key, err);
      }
    }
    const path = this.path(prefix.replace(/\/+$/, ""));
    this.folders.clear();
    try {
      await removeFolder(path);
    } catch (err) {
      throw this.fail("delete", prefix, err);
    }
    await this.prune(prefix, dirname(path));
    return count;
  }

  /** Remove the folders a delete of `key` left empty; a failure says the object itself is gone. */
  private async prune(key: string, dir: string): Promise<void> {
    this.folders.clear();
    try {
      await pruneEmptyParents(this.root, dir);
    } catch (err) {
      const folder = relative(this.root, (err as { folder?: string }).folder ?? dir).split(sep).join("/");
      throw new StoreError(`store "${this.name}": deleted ${key}, but cannot remove the folder ${folder} it left empty: ${(err as Error).message}`, { cause: err, code: "store.io" });
    }
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
}
