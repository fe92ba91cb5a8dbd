/**
 * A file store's delete says so when a file or folder stays. Only a missing path is "already
 * deleted", and only a folder is "not an object": gc counts an object as deleted when delete
 * returns, so an object that cannot be removed must throw.
 *
 * The tests run as root, where permissions do not stop a delete: the files are made immutable
 * with `chattr +i` instead (unlink then fails with EPERM, as it does for a user without rights
 * in a sticky folder). Where chattr cannot set the flag (no e2fsprogs, a file system without
 * it), those tests are skipped with the reason; the classification is tested directly as well.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isDjError } from "../../src/errors.js";
import { rmdirFailure, unlinkFailure } from "../../src/stores/file-delete.js";
import { FileStore } from "../../src/stores/file.js";

const dir = mkdtempSync(join(tmpdir(), "dj-file-delete-"));
const immutable: string[] = [];
const chattr = (flag: "+i" | "-i", path: string) => spawnSync("chattr", [flag, path], { encoding: "utf8" });

after(() => {
  for (const p of immutable) chattr("-i", p);
  rmSync(dir, { recursive: true, force: true });
});

/** Why chattr +i cannot be used here, or false when it can. */
const noImmutable = (() => {
  const probe = join(dir, "probe");
  writeFileSync(probe, "x");
  const set = chattr("+i", probe);
  if (set.error) return `needs chattr (e2fsprogs): ${set.error.message}`;
  if (set.status !== 0) return `chattr +i does not work here: ${set.stderr.trim()}`;
  chattr("-i", probe);
  return false;
})();

function makeImmutable(path: string): void {
  const r = chattr("+i", path);
  assert.equal(r.status, 0, r.stderr);
  immutable.push(path);
}

describe("what a failed unlink or rmdir means", () => {
  test("missing is already deleted; a folder is not an object; EPERM on a file is a failure", () => {
    assert.equal(unlinkFailure("ENOENT", false), "missing");
    assert.equal(unlinkFailure("ENOTDIR", false), "missing");
    assert.equal(unlinkFailure("EISDIR", true), "folder");
    assert.equal(unlinkFailure("EPERM", true), "folder", "macOS and the BSDs answer EPERM for a folder");
    assert.equal(unlinkFailure("EPERM", false), "failed");
    assert.equal(unlinkFailure("EACCES", false), "failed");
    assert.equal(unlinkFailure("EROFS", false), "failed");
  });

  test("a folder still in use stays; one already gone is fine; anything else is a failure", () => {
    assert.equal(rmdirFailure("ENOTEMPTY"), "in-use");
    assert.equal(rmdirFailure("EEXIST"), "in-use");
    assert.equal(rmdirFailure("ENOENT"), "missing");
    assert.equal(rmdirFailure("EPERM"), "failed");
    assert.equal(rmdirFailure("EACCES"), "failed");
    assert.equal(rmdirFailure("EBUSY"), "failed");
  });
});

describe("file store delete with files that cannot be removed", { skip: noImmutable }, () => {
  test("delete of an object that stays (EPERM) is a store error, and the object is still there", async () => {
    const root = join(dir, "one");
    mkdirSync(root);
    const store = new FileStore("local", root);
    await store.set("_hash/s/keep", Buffer.from("kept"));
    makeImmutable(join(root, "_hash/s/keep"));
    await assert.rejects(store.delete("_hash/s/keep"), (e) => isDjError(e, "store") && /cannot delete _hash\/s\/keep/.test(e.message) && /not permitted/.test(e.message));
    assert.equal(await store.exists("_hash/s/keep"), true);
  });

  test("deletePrefix stops at an object that stays, and counts none it did not delete", async () => {
    const root = join(dir, "prefix");
    mkdirSync(root);
    const store = new FileStore("local", root);
    await store.set("p/a", Buffer.from("a"));
    await store.set("p/b", Buffer.from("b"));
    makeImmutable(join(root, "p/a"));
    await assert.rejects(store.deletePrefix("p/"), (e) => isDjError(e, "store") && /cannot delete p\/a/.test(e.message));
    assert.equal(await store.exists("p/a"), true);
  });

  test("a folder left empty that cannot be removed is said, with the object deleted", async () => {
    const root = join(dir, "prune");
    mkdirSync(root);
    const store = new FileStore("local", root);
    await store.set("_schema/s/t/obj", Buffer.from("x"));
    // The object's own folder stays writable; its parent is immutable, so rmdir of t/ fails.
    makeImmutable(join(root, "_schema/s"));
    await assert.rejects(store.delete("_schema/s/t/obj"), (e) => isDjError(e, "store") && /deleted _schema\/s\/t\/obj, but cannot remove the folder _schema\/s\/t/.test(e.message));
    assert.equal(existsSync(join(root, "_schema/s/t/obj")), false);
    assert.equal(existsSync(join(root, "_schema/s/t")), true);
  });
});
