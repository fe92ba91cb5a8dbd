/**
 * The launcher's code-cache folder (bin/compile-cache.ts). The cache is compiled code V8 runs and
 * V8 checks little of it, so these hold the file to what it promises: it is found where the
 * settings say, read only from what this user alone owns (no links, no shared folders), never
 * used when damaged or made for another main.js, written atomically, and pruned of nothing but
 * dj's own unused files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, cacheFileName, cacheSlot, flagsOf, tempName } from "../../bin/compile-cache.js";

const BUILD = "0123456789abcdef";
const OTHER_BUILD = "fedcba9876543210";
const isRoot = process.getuid?.() === 0;

/** Runs `body` with a scratch folder holding a stand-in main.js; the folder goes afterwards. */
function inScratch(body: (dir: string, main: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "dj-cc-"));
  const main = join(dir, "main.js");
  writeFileSync(main, "(function () {})");
  try {
    body(dir, main);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".v8cache"));

test("the folder: DJ_COMPILE_CACHE off, on or an absolute path; else XDG_CACHE_HOME/dj, else $HOME/.cache/dj", () => {
  for (const off of ["0", "off", "FALSE", "no"]) assert.equal(cacheDir({ DJ_COMPILE_CACHE: off, HOME: "/h" }), null, off);
  for (const on of ["1", "on", "TRUE", "yes"]) assert.equal(cacheDir({ DJ_COMPILE_CACHE: on, HOME: "/h" }), "/h/.cache/dj", on);
  assert.equal(cacheDir({ DJ_COMPILE_CACHE: "/var/cache/dj-lab/", HOME: "/h" }), "/var/cache/dj-lab");
  assert.equal(cacheDir({ DJ_COMPILE_CACHE: "relative/dir", HOME: "/h" }), null, "a relative path turns it off, never a folder in the project");
  assert.equal(cacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/dj");
  assert.equal(cacheDir({ XDG_CACHE_HOME: "relative", HOME: "/h" }), "/h/.cache/dj", "a relative XDG_CACHE_HOME is ignored, as the XDG rules say");
  assert.equal(cacheDir({}), null, "no HOME: no cache");
  assert.equal(cacheDir({ HOME: "relative" }), null);
});

test("what was written is read back, per build, command and main.js; a missing ~/.cache is made privately", () =>
  inScratch((dir, main) => {
    const env = { HOME: join(dir, "home") };
    mkdirSync(env.HOME);
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read(), undefined, "nothing yet");
    cacheSlot(BUILD, "insert", main, env)!.write(() => Buffer.from("insert code"));
    cacheSlot(BUILD, "fetch", main, env)!.write(() => Buffer.from("fetch code"));
    const folder = join(env.HOME, ".cache", "dj");
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(statSync(join(env.HOME, ".cache")).mode & 0o777, 0o700);
    assert.equal(String(cacheSlot(BUILD, "insert", main, env)!.read()), "insert code");
    assert.equal(String(cacheSlot(BUILD, "fetch", main, env)!.read()), "fetch code");
    assert.equal(cacheSlot(OTHER_BUILD, "insert", main, env)!.read(), undefined, "another build never reads them");
    assert.deepEqual(readdirSync(folder).filter((f) => !f.endsWith(".v8cache")), [], "no temporary file remains");
    for (const f of cacheFiles(folder)) assert.equal(statSync(join(folder, f)).mode & 0o777, 0o600);
  }));

test("a damaged header, a file shorter or longer than it says, or one made for another main.js of the same length is not used", () =>
  inScratch((dir, main) => {
    const env = { DJ_COMPILE_CACHE: join(dir, "cache") };
    cacheSlot(BUILD, "insert", main, env)!.write(() => Buffer.alloc(5000, 1));
    const [file] = cacheFiles(env.DJ_COMPILE_CACHE);
    const path = join(env.DJ_COMPILE_CACHE, file!);
    const good = readFileSync(path);
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read()?.length, 5000);
    const header = Buffer.from(good);
    header[20]! ^= 0x01;
    writeFileSync(path, header);
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read(), undefined, "a header byte changed");
    writeFileSync(path, Buffer.concat([good, Buffer.from("more")]));
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read(), undefined, "longer than its header says");
    writeFileSync(path, good.subarray(0, good.length - 1));
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read(), undefined, "truncated");
    writeFileSync(path, good);
    assert.ok(cacheSlot(BUILD, "insert", main, env)!.read(), "restored, it is used again");
    // An edit of main.js that keeps its length (V8 itself would accept the cache).
    const length = statSync(main).size;
    writeFileSync(main, "(function(){  })");
    assert.equal(statSync(main).size, length);
    utimesSync(main, new Date(), new Date(Date.now() + 5000));
    assert.equal(cacheSlot(BUILD, "insert", main, env)!.read(), undefined, "main.js changed");
  }));

test("a folder or file others can write, a link, or a file of another user is never read", { skip: process.getuid === undefined }, () =>
  inScratch((dir, main) => {
    const folder = join(dir, "cache");
    const env = { DJ_COMPILE_CACHE: folder };
    cacheSlot(BUILD, "insert", main, env)!.write(() => Buffer.from("code"));
    const read = () => cacheSlot(BUILD, "insert", main, env)!.read();
    assert.equal(String(read()), "code");
    const [file] = cacheFiles(folder);
    const path = join(folder, file!);
    chmodSync(path, 0o666);
    assert.equal(read(), undefined, "a world-writable file");
    chmodSync(path, 0o620);
    assert.equal(read(), undefined, "a group-writable file");
    chmodSync(path, 0o600);
    chmodSync(folder, 0o777);
    assert.equal(read(), undefined, "a world-writable folder");
    cacheSlot(BUILD, "fetch", main, env)!.write(() => Buffer.from("code"));
    assert.equal(cacheFiles(folder).length, 1, "nothing written into it");
    chmodSync(folder, 0o700);
    // A link in place of the file, even to a good cache file.
    const real = join(dir, "elsewhere.v8cache");
    writeFileSync(real, readFileSync(path), { mode: 0o600 });
    rmSync(path);
    symlinkSync(real, path);
    assert.equal(read(), undefined, "a link in place of the file");
    rmSync(path);
    writeFileSync(path, readFileSync(real), { mode: 0o600 });
    assert.equal(String(read()), "code");
    // A link in place of the folder.
    const linked = join(dir, "linked");
    symlinkSync(folder, linked);
    assert.equal(cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: linked })!.read(), undefined, "a linked folder");
    if (isRoot) {
      chownSync(path, 4242, 4242);
      assert.equal(read(), undefined, "a file of another user");
    }
  }));

test("writing never fails a command and never creates the folder inside another user's", () =>
  inScratch((dir, main) => {
    writeFileSync(join(dir, "file"), "not a folder");
    const onFile = cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: join(dir, "file") })!;
    assert.equal(onFile.read(), undefined);
    onFile.write(() => Buffer.from("code"));
    assert.equal(readFileSync(join(dir, "file"), "utf8"), "not a folder");
    const below = cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: join(dir, "file", "below") })!;
    below.write(() => Buffer.from("code"));
    assert.equal(below.read(), undefined);
    const failing = cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: join(dir, "real") })!;
    failing.write(() => {
      throw new Error("createCachedData failed");
    });
    assert.deepEqual(readdirSync(join(dir, "real")), [], "a failed write leaves nothing");
    if (isRoot) {
      // As root under `sudo -E`, HOME is still the user's: nothing is made in their folders.
      const home = join(dir, "alice");
      mkdirSync(home);
      chownSync(home, 4242, 4242);
      cacheSlot(BUILD, "insert", main, { HOME: home })!.write(() => Buffer.from("code"));
      assert.ok(!existsSync(join(home, ".cache")), "no root-owned ~/.cache in another user's home");
    }
  }));

test("pruning removes only dj's own cache files unused for 30 days; reading marks a file as used", () =>
  inScratch((dir, main) => {
    const folder = join(dir, "cache");
    const env = { DJ_COMPILE_CACHE: folder };
    mkdirSync(folder, { mode: 0o700 });
    const old = new Date(Date.now() - 40 * 86_400_000);
    const put = (name: string, when = new Date()) => {
      writeFileSync(join(folder, name), "x", { mode: 0o600 });
      utimesSync(join(folder, name), when, when);
    };
    put(cacheFileName(OTHER_BUILD, "insert"), old); // an old build's: removed
    put(cacheFileName(OTHER_BUILD, "fetch")); // another install still in use: kept
    put(cacheFileName(OTHER_BUILD, "fetch", "--max-old-space-size=4096"), old); // under other flags, unused: removed
    put(basename(tempName(join(folder, cacheFileName(BUILD, "gc")))), old); // a killed write's: removed
    put("main-notes.txt", old); // not dj's: kept
    mkdirSync(join(folder, cacheFileName(OTHER_BUILD, "tables"))); // a folder: kept, no error
    // A cache of this build last used 40 days ago, read now: touched, so kept.
    cacheSlot(BUILD, "count", main, env)!.write(() => Buffer.from("count code"));
    const own = (command: string) => cacheFileName(BUILD, command, flagsOf(env)); // as this process runs
    utimesSync(join(folder, own("count")), old, old);
    assert.equal(String(cacheSlot(BUILD, "count", main, env)!.read()), "count code");
    cacheSlot(BUILD, "insert", main, env)!.write(() => Buffer.from("code"));
    assert.deepEqual(
      readdirSync(folder).sort(),
      [own("count"), own("insert"), cacheFileName(OTHER_BUILD, "fetch"), cacheFileName(OTHER_BUILD, "tables"), "main-notes.txt"].sort(),
    );
  }));

test("a run under other V8 flags (NODE_OPTIONS) keeps a cache of its own", () =>
  inScratch((dir, main) => {
    const folder = join(dir, "cache");
    cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: folder })!.write(() => Buffer.from("plain"));
    cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: folder, NODE_OPTIONS: "--max-old-space-size=4096" })!.write(() => Buffer.from("big heap"));
    assert.equal(cacheFiles(folder).length, 2);
    assert.equal(String(cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: folder })!.read()), "plain");
  }));

test("the folder is never created inside a folder others can write", { skip: process.getuid === undefined }, () =>
  inScratch((dir, main) => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: join(shared, "dj") })!.write(() => Buffer.from("code"));
    assert.deepEqual(readdirSync(shared), []);
    // Nor through a link to such a folder.
    const link = join(dir, "home-cache");
    symlinkSync(shared, link);
    cacheSlot(BUILD, "insert", main, { DJ_COMPILE_CACHE: join(link, "dj") })!.write(() => Buffer.from("code"));
    assert.deepEqual(readdirSync(shared), []);
  }));
