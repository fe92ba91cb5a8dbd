/**
 * The launcher (bin/dj.ts) and its V8 code cache, through the built binary: a successful command
 * leaves one cache file for itself and later runs use it as it is; a damaged cache is replaced
 * without the command noticing; a failing command writes none; DJ_COMPILE_CACHE=0 writes nothing;
 * an untrusted folder is left alone; --verbose maps stack traces to the TypeScript sources.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";

describe("the launcher's code cache", () => {
  let dir: string;
  let cleanup: () => void;
  let n = 0;
  /** A fresh cache folder for one test. */
  const cacheDir = () => join(dir, `cache-${++n}`);
  const files = (cache: string) => {
    try {
      return readdirSync(cache).sort();
    } catch {
      return [];
    }
  };
  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "lab", stores: { default: "main", main: { protocol: "file", location: "./store" } } },
      "p.dj": "schema lab\n\nT (manual)\n    id : int32\n    ---\n    v : float64\n\nArr (manual)\n    id : int32\n    ---\n    a : <zarr@>\n",
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(12.0).reshape(3, 4))`]);
    assert.equal(py.status, 0, String(py.stderr));
    const d = await runDj(["declare", "p.dj"], { cwd: dir, env: { DJ_COMPILE_CACHE: "0" } });
    assert.equal(d.code, 0, d.stderr);
  });
  after(() => cleanup());

  test("a successful command leaves its cache, and the next run uses it without rewriting it", async () => {
    const cache = cacheDir();
    const first = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(first.code, 0, first.stderr);
    const [file, ...more] = files(cache);
    assert.ok(file?.endsWith("-tables.v8cache") && more.length === 0, files(cache).join());
    assert.ok(statSync(join(cache, file)).size > 10_000, "holds compiled code");
    assert.equal(statSync(cache).mode & 0o777, 0o700, "a private folder");
    const inode = statSync(join(cache, file)).ino;
    const second = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(join(cache, file)).ino, inode, "accepted, so not written again");
    const other = await runDj(["fetch", "T"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(other.code, 0, other.stderr);
    assert.equal(files(cache).length, 2, "one file per command");
  });

  test("a cache with a damaged dj header is not used and is replaced; the command's output is unchanged", async () => {
    const cache = cacheDir();
    const clean = await runDj(["--version"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    const [file] = files(cache);
    writeFileSync(join(cache, file!), Buffer.alloc(50_000, 7));
    const r = await runDj(["--version"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, clean.stdout);
    assert.equal(r.stderr, "");
    assert.notDeepEqual(readFileSync(join(cache, file!)), Buffer.alloc(50_000, 7), "replaced");
  });

  test("a cache V8 itself rejects (its own header damaged) is rewritten; the command's output is unchanged", async () => {
    const cache = cacheDir();
    const clean = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    const [file] = files(cache);
    const path = join(cache, file!);
    const damaged = readFileSync(path);
    damaged.fill(0xee, 128, 160); // after dj's 128-byte header: V8's own magic and version
    writeFileSync(path, damaged);
    const inode = statSync(path).ino;
    const r = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, clean.stdout);
    assert.notEqual(statSync(path).ino, inode, "rewritten");
    assert.notDeepEqual(readFileSync(path).subarray(128, 160), damaged.subarray(128, 160));
  });

  test("a failing command writes no cache; DJ_COMPILE_CACHE=0 writes nothing at all", async () => {
    const cache = cacheDir();
    const unknown = await runDj(["fetchh", "T"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(unknown.code, 2);
    const missing = await runDj(["fetch", "Nope"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.notEqual(missing.code, 0);
    assert.deepEqual(files(cache), []);
    // Off: nothing in the home folder, in XDG_CACHE_HOME, or in a folder named "0" here.
    const home = join(dir, "home-off");
    mkdirSync(home);
    const r = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: "0", HOME: home, XDG_CACHE_HOME: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(home), []);
    assert.ok(!existsSync(join(dir, "0")));
    // On by default: the same run makes ~/.cache/dj.
    const on = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: undefined, HOME: home, XDG_CACHE_HOME: undefined } });
    assert.equal(on.code, 0, on.stderr);
    assert.equal(files(join(home, ".cache", "dj")).length, 1);
  });

  test("a folder others can write is neither read nor written", { skip: process.getuid === undefined }, async () => {
    const cache = cacheDir();
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    const r = await runDj(["tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(files(cache), []);
  });

  test("a codec plugin (an ES module) loads with the cache cold, warm and off, with nothing on stderr", async () => {
    const cache = cacheDir();
    let id = 0;
    for (const setting of [cache, cache, "0"]) {
      const r = await runDj(["insert", "Arr", "--key", `id=${++id}`, "--from", "a=a.npy"], { cwd: dir, env: { DJ_COMPILE_CACHE: setting } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "", "no warning");
    }
    const [file] = files(cache);
    assert.equal(files(cache).length, 1);
    const inode = statSync(join(cache, file!)).ino;
    const warm = await runDj(["insert", "Arr", "--key", `id=${++id}`, "--from", "a=a.npy"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(statSync(join(cache, file!)).ino, inode, "the warm run used the cold run's cache");
    const back = await runDj(["fetch", "Arr", "--key", "id=2", "--out", "back.npy"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(back.code, 0, back.stderr);
    const check = spawnSync("python3", ["-c", `import numpy as np; assert (np.load("${dir}/back.npy") == np.arange(12.0).reshape(3, 4)).all()`]);
    assert.equal(check.status, 0, String(check.stderr));
  });

  test("help runs keep their own cache, so a command's first run with --help does not thin its cache", async () => {
    const cache = cacheDir();
    for (const args of [["insert", "--help"], ["help", "fetch"], ["codecs", "help", "check"]]) {
      const r = await runDj(args, { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(files(cache).map((f) => f.replace(/.*-/, "")), ["help.v8cache"]);
    const keyed = await runDj(["--json", "tables"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(keyed.code, 0, keyed.stderr);
    assert.ok(files(cache).some((f) => f.endsWith("-tables.v8cache")), "global flags before the command do not hide it");
  });

  test("--verbose: stack traces point into the TypeScript sources, and no cache is written", async () => {
    const cache = cacheDir();
    const r = await runDj(["fetch", "T", "--where", "id >< 3", "--verbose"], { cwd: dir, env: { DJ_COMPILE_CACHE: cache } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\n\s+at \S+ \(.*src\/services\/where-parse\.ts:\d+:\d+\)/);
    assert.deepEqual(files(cache), []);
  });
});
