/**
 * Where the launcher keeps V8's code cache for dj's bundle: one file per command, in a folder
 * only this user can write. Node 20 has no compile cache for user code (module.enableCompileCache
 * arrived in Node 22), and compiling the bundle is most of what an everyday command costs beyond
 * Node's own start: with the cache, `dj insert` skips parsing and compiling ~1 MB of code.
 *
 * A code cache is compiled code that V8 will run, and V8 (11.3, Node 20) checks little of it: the
 * source's length and its own version and flags, not the content. So this file does the checking:
 *   - a cache is read only from a folder and a file owned by this user and writable by no one
 *     else, opened without following links and checked on the open descriptor (no race between
 *     the check and the read); never the shared temporary folder;
 *   - each file starts with a header naming the build, main.js's size and modification time, and
 *     the data's length, so an edited main.js or a short file is never run: any mismatch means
 *     "no cache". There is no checksum: with the writes below a file is whole or absent, and a
 *     disk that flips bits corrupts main.js and node_modules as readily, which Node runs unchecked
 *     too (a checksum in JS cost 2.5 ms per run, node:crypto ~2 ms to load);
 *   - files are written under a fresh random name (exclusive create) and renamed into place.
 * Nothing here may fail a command: every error means "no cache".
 *
 *   DJ_COMPILE_CACHE=0 (or off/false/no)  no cache
 *   DJ_COMPILE_CACHE=/an/absolute/dir     the cache folder (a relative path turns the cache off)
 *   otherwise                             $XDG_CACHE_HOME/dj, else $HOME/.cache/dj, else none
 */
import { closeSync, constants, fstatSync, futimesSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

export interface CacheSlot {
  /** The cached data, if there is a trustworthy file made for this main.js. */
  read(): Buffer | undefined;
  /** Store `data()` (called only now) atomically; clears dj's cache files unused for a month. */
  write(data: () => Buffer): void;
}

const MAGIC = "dj-v8cache-3";
/** The header's fixed size: one line, padded. */
const HEADER_BYTES = 128;
const UNUSED_DAYS = 30;
/** Our files (cacheFileName), and the temporary names they are written under (tempName). */
const CACHE_FILE = /^main-[0-9a-f]{16}-[a-z0-9]+-[0-9.]+(-node\.\d+)?-[a-z][a-z-]{0,23}(-f[0-9a-f]{8})?\.v8cache(\.[0-9a-f]{16}\.tmp)?$/;

export function cacheDir(env: NodeJS.ProcessEnv): string | null {
  const setting = env.DJ_COMPILE_CACHE?.trim();
  if (setting && /^(0|off|false|no)$/i.test(setting)) return null;
  if (setting && !/^(1|on|true|yes)$/i.test(setting)) return isAbsolute(setting) ? resolve(setting) : null;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(resolve(env.XDG_CACHE_HOME), "dj");
  // $HOME rather than os.homedir(): loading node:os costs every command, and without HOME there is
  // simply no cache.
  return env.HOME && isAbsolute(env.HOME) ? join(resolve(env.HOME), ".cache", "dj") : null;
}

const uid = process.getuid?.();

/** Owned by this user and writable by no one else (where there are uids). */
function ownedPrivately(st: { uid: number; mode: number }): boolean {
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

function trustedDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && ownedPrivately(st);
  } catch {
    return false;
  }
}

/**
 * The folder, created if needed, with any missing folders above it, but only inside an existing
 * folder this user owns and no one else can write (followed if it is a link): never as root
 * inside another user's home under `sudo -E`, never in a shared folder such as /tmp.
 */
function ensureDir(dir: string): boolean {
  if (trustedDir(dir)) return true;
  const parent = dirname(dir);
  if (parent === dir) return false;
  try {
    const st = statSync(parent);
    if (!st.isDirectory() || !ownedPrivately(st)) return false;
  } catch {
    if (!ensureDir(parent)) return false;
  }
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {}
  return trustedDir(dir);
}

interface Identity {
  buildId: string;
  /** main.js's size and modification time: V8 would run a cache made for other code of the same length. */
  sourceStamp: string;
}

function header(id: Identity, dataBytes: number): Buffer {
  const text = `${MAGIC} ${id.buildId} ${id.sourceStamp} ${dataBytes}`;
  return Buffer.from(text.padEnd(HEADER_BYTES - 1, " ") + "\n", "latin1");
}

/** A short hash of a string (FNV-1a), for names: not for integrity. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The V8 flags this process runs with (node's own and NODE_OPTIONS): V8 rejects a cache made under
 * other flags, so a run with, say, --max-old-space-size keeps a cache of its own instead of
 * rewriting the usual one on every alternation.
 */
export function flagsOf(env: NodeJS.ProcessEnv): string {
  return [...process.execArgv, env.NODE_OPTIONS ?? ""].join(" ").trim();
}

/** main-<build>-<arch>-<v8>-<command>[-f<flags hash>].v8cache */
export function cacheFileName(buildId: string, command: string, flags = ""): string {
  return `main-${buildId}-${process.arch}-${process.versions.v8}-${command}${flags ? `-f${shortHash(flags)}` : ""}.v8cache`;
}

/** Where a cache file is first written; exclusive create ("wx") makes any name safe, it only has to differ. */
export function tempName(file: string): string {
  const random = Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, "0");
  return `${file}.${random}${(process.pid >>> 0).toString(16).padStart(8, "0").slice(-8)}.tmp`;
}

/** The slot for `command` of this build, or null when caching is off or has no home. */
export function cacheSlot(buildId: string, command: string, mainPath: string, env: NodeJS.ProcessEnv = process.env): CacheSlot | null {
  const dir = cacheDir(env);
  if (!dir) return null;
  let sourceStamp: string;
  try {
    const st = statSync(mainPath);
    sourceStamp = `${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return null;
  }
  const id = { buildId, sourceStamp };
  const file = join(dir, cacheFileName(buildId, command, flagsOf(env)));
  return {
    read() {
      if (!trustedDir(dir)) return undefined;
      let fd: number | undefined;
      try {
        // No links; non-blocking, so a FIFO put in its place cannot hold the command at open.
        fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        const st = fstatSync(fd);
        if (!st.isFile() || !ownedPrivately(st) || st.size > 64 * 1024 * 1024) return undefined;
        const all = Buffer.allocUnsafe(st.size);
        let got = 0;
        while (got < all.length) {
          const n = readSync(fd, all, got, all.length - got, got);
          if (n === 0) return undefined;
          got += n;
        }
        if (all.length < HEADER_BYTES) return undefined;
        const data = all.subarray(HEADER_BYTES);
        if (!all.subarray(0, HEADER_BYTES).equals(header(id, data.length))) return undefined;
        // Marks the file as used, at most once a day, so pruning keeps what is in use; on a
        // read-only disk it simply stays as it is.
        if (Date.now() - st.mtimeMs > 86_400_000) {
          try {
            futimesSync(fd, new Date(), new Date());
          } catch {}
        }
        return data;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) {
          try {
            closeSync(fd);
          } catch {}
        }
      }
    },
    write(data) {
      if (!ensureDir(dir)) return;
      const temp = tempName(file);
      try {
        const payload = data();
        writeFileSync(temp, Buffer.concat([header(id, payload.length), payload]), { mode: 0o600, flag: "wx" });
        renameSync(temp, file);
        prune(dir);
      } catch (err) {
        // A read-only or full disk only means the next run compiles again. EEXIST: the name was
        // another run's (same pid, same random bits), so its file is not ours to remove.
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
        try {
          rmSync(temp, { force: true });
        } catch {}
      }
    },
  };
}

/** dj's cache files (only names of that exact form) not used for a month: other builds, killed writes. */
function prune(dir: string): void {
  const cutoff = Date.now() - UNUSED_DAYS * 86_400_000;
  for (const name of readdirSync(dir)) {
    if (!CACHE_FILE.test(name)) continue;
    try {
      const st = lstatSync(join(dir, name));
      if (st.isFile() && st.mtimeMs < cutoff) rmSync(join(dir, name));
    } catch {}
  }
}
