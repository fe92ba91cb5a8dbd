/**
 * The launcher's code-cache folder (bin/compile-cache.ts): where it is, when it is trusted (the
 * cache is compiled code V8 runs, so a folder someone else can write must never be read), and
 * that writing is atomic and clears other builds' files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheSlot } from "../../bin/compile-cache.js";

function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dj-cc-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("DJ_COMPILE_CACHE turns the cache off or names its folder; else XDG_CACHE_HOME/dj, else $HOME/.cache/dj", () => {
  for (const off of ["0", "off", "FALSE", "no"]) assert.equal(cacheSlot("b", "insert", { DJ_COMPILE_CACHE: off }), null, off);
  const { dir, done } = scratch();
  try {
    const named = cacheSlot("b", "insert", { DJ_COMPILE_CACHE: join(dir, "named") })!;
    named.write(() => Buffer.from("x"));
    assert.equal(readdirSync(join(dir, "named")).length, 1);
    const xdg = cacheSlot("b", "insert", { XDG_CACHE_HOME: join(dir, "xdg"), HOME: join(dir, "home") })!;
    xdg.write(() => Buffer.from("x"));
    assert.equal(readdirSync(join(dir, "xdg", "dj")).length, 1);
    const home = cacheSlot("b", "insert", { XDG_CACHE_HOME: "relative", HOME: join(dir, "home") })!;
    home.write(() => Buffer.from("x"));
    assert.equal(readdirSync(join(dir, "home", ".cache", "dj")).length, 1, "a relative XDG_CACHE_HOME is ignored, as the XDG rules say");
    assert.equal(cacheSlot("b", "insert", {}), null, "no HOME: no cache");
  } finally {
    done();
  }
});

test("what was written is read back, per build and command; another build's files are removed", () => {
  const { dir, done } = scratch();
  try {
    const env = { DJ_COMPILE_CACHE: dir };
    assert.equal(cacheSlot("build1", "insert", env)!.read(), undefined, "nothing yet");
    cacheSlot("build1", "insert", env)!.write(() => Buffer.from("insert code"));
    cacheSlot("build1", "fetch", env)!.write(() => Buffer.from("fetch code"));
    assert.equal(String(cacheSlot("build1", "insert", env)!.read()), "insert code");
    assert.equal(String(cacheSlot("build1", "fetch", env)!.read()), "fetch code");
    assert.equal(cacheSlot("build2", "insert", env)!.read(), undefined, "another build never reads them");
    writeFileSync(join(dir, "unrelated.txt"), "kept");
    cacheSlot("build2", "insert", env)!.write(() => Buffer.from("new"));
    const left = readdirSync(dir).sort();
    assert.equal(left.length, 2, left.join());
    assert.ok(left.includes("unrelated.txt"), "files that are not dj's caches are left alone");
    assert.ok(left.some((f) => f.includes("build2") && f.endsWith("insert.v8cache")));
    assert.ok(!left.some((f) => f.endsWith(".tmp")), "no temporary file remains");
  } finally {
    done();
  }
});

test("a folder or file others can write is never read, and nothing is written into such a folder", { skip: process.getuid === undefined }, () => {
  const { dir, done } = scratch();
  try {
    const folder = join(dir, "cache");
    const env = { DJ_COMPILE_CACHE: folder };
    cacheSlot("b", "insert", env)!.write(() => Buffer.from("code"));
    assert.equal(String(cacheSlot("b", "insert", env)!.read()), "code");
    const [file] = readdirSync(folder);
    chmodSync(join(folder, file!), 0o666);
    assert.equal(cacheSlot("b", "insert", env)!.read(), undefined, "a world-writable file");
    chmodSync(join(folder, file!), 0o600);
    chmodSync(folder, 0o777);
    assert.equal(cacheSlot("b", "insert", env)!.read(), undefined, "a world-writable folder");
    cacheSlot("b", "fetch", env)!.write(() => Buffer.from("code"));
    assert.equal(readdirSync(folder).length, 1, "nothing new written into it");
    chmodSync(folder, 0o770);
    assert.equal(cacheSlot("b", "insert", env)!.read(), undefined, "a group-writable folder");
  } finally {
    done();
  }
});

test("a cache path that is a file, a link or unwritable means no cache, never an error", () => {
  const { dir, done } = scratch();
  try {
    writeFileSync(join(dir, "file"), "not a folder");
    const onFile = cacheSlot("b", "insert", { DJ_COMPILE_CACHE: join(dir, "file") })!;
    assert.equal(onFile.read(), undefined);
    onFile.write(() => Buffer.from("code"));
    assert.equal(readFileSync(join(dir, "file"), "utf8"), "not a folder");
    const below = cacheSlot("b", "insert", { DJ_COMPILE_CACHE: join(dir, "file", "below") })!;
    below.write(() => Buffer.from("code"));
    assert.equal(below.read(), undefined);
    mkdirSync(join(dir, "real"), { mode: 0o700 });
    const failing = cacheSlot("b", "insert", { DJ_COMPILE_CACHE: join(dir, "real") })!;
    failing.write(() => {
      throw new Error("createCachedData failed");
    });
    assert.deepEqual(readdirSync(join(dir, "real")), [], "a failed write leaves nothing");
  } finally {
    done();
  }
});
