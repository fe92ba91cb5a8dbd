/**
 * Where the launcher keeps V8's code cache for dj's bundle: one file per command, in a folder
 * only this user can write. Node 20 has no compile cache for user code (module.enableCompileCache
 * arrived in Node 22), and compiling the bundle is most of what an everyday command costs beyond
 * Node's own start: with the cache, `dj insert` skips parsing and compiling ~1.6 MB of code.
 *
 * A code cache is compiled code that V8 will run, so it is read only from a folder owned by this
 * user and writable by no one else (never the shared temporary folder). V8 itself rejects a cache
 * made for other source, another V8 or other flags; the file name also carries the build, so an
 * upgrade starts fresh and removes the old files. Nothing here may fail a command: every error
 * means "no cache".
 *
 *   DJ_COMPILE_CACHE=0 (or off/false)  no cache
 *   DJ_COMPILE_CACHE=DIR               the cache folder
 *   otherwise                          $XDG_CACHE_HOME/dj, else $HOME/.cache/dj, else none
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export interface CacheSlot {
  /** The cached data, if there is a trustworthy file. */
  read(): Buffer | undefined;
  /** Store `data()` (called only now) atomically, removing other builds' files. */
  write(data: () => Buffer): void;
}

function cacheDir(env: NodeJS.ProcessEnv): string | null {
  const setting = env.DJ_COMPILE_CACHE?.trim();
  if (setting && /^(0|off|false|no)$/i.test(setting)) return null;
  if (setting) return setting;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "dj");
  // $HOME rather than os.homedir(): loading node:os costs every command, and without HOME there is
  // simply no cache.
  return env.HOME && isAbsolute(env.HOME) ? join(env.HOME, ".cache", "dj") : null;
}

/** Owned by this user and writable by no one else (on systems with uids; elsewhere, a folder). */
function trusted(path: string, kind: "dir" | "file"): boolean {
  try {
    const st = lstatSync(path);
    if (kind === "dir" ? !st.isDirectory() : !st.isFile()) return false;
    const uid = process.getuid?.();
    return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/** The slot for `command` of build `buildId`, or null when caching is off or has no home. */
export function cacheSlot(buildId: string, command: string, env: NodeJS.ProcessEnv = process.env): CacheSlot | null {
  const dir = cacheDir(env);
  if (!dir) return null;
  const prefix = `main-${buildId}-${process.arch}-${process.versions.v8}-`;
  const file = join(dir, `${prefix}${command}.v8cache`);
  return {
    read() {
      if (!trusted(dir, "dir") || !trusted(file, "file")) return undefined;
      try {
        return readFileSync(file);
      } catch {
        return undefined;
      }
    },
    write(data) {
      const temp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!trusted(dir, "dir")) return;
        // A concurrent run of the same command may write too: each renames a whole file into place.
        writeFileSync(temp, data(), { mode: 0o600 });
        renameSync(temp, file);
        for (const name of readdirSync(dir)) if (name.startsWith("main-") && !name.startsWith(prefix)) rmSync(join(dir, name), { force: true });
      } catch {
        // A read-only or full disk only means the next run compiles again.
        try {
          rmSync(temp, { force: true });
        } catch {}
      }
    },
  };
}
