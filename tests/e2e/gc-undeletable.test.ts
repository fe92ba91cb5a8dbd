/**
 * dj gc with an orphan that cannot be deleted: it is reported (exit 5, the object named) and
 * not counted as deleted; the orphan beside it that can be deleted is. Tests run as root, where
 * permissions do not stop a delete, so the orphan is made immutable with `chattr +i` (unlink
 * then fails with EPERM); skipped with the reason where chattr cannot set the flag.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";

const { dir, cleanup } = tempProject({ "dj.config.json": { schema: "gcperm", stores: { default: "main", main: { protocol: "file", location: "./store" } } } });
const chattr = (flag: "+i" | "-i", path: string) => spawnSync("chattr", [flag, path], { encoding: "utf8" });
const kept = join(dir, "store/_hash/gcperm/aaaaaaaaaaaaaaaaaaaaaaaaaa");
const gone = join(dir, "store/_hash/gcperm/bbbbbbbbbbbbbbbbbbbbbbbbbb");

const old = new Date(Date.now() - 3 * 3600_000);

const noImmutable = (() => {
  mkdirSync(join(dir, "store/_hash/gcperm"), { recursive: true });
  writeFileSync(kept, "orphan that stays");
  utimesSync(kept, old, old); // older than --min-age; an immutable file's times cannot be set
  const set = chattr("+i", kept);
  if (set.error) return `needs chattr (e2fsprogs): ${set.error.message}`;
  if (set.status !== 0) return `chattr +i does not work here: ${set.stderr.trim()}`;
  return false;
})();

describe("dj gc and an orphan that cannot be deleted", { skip: noImmutable }, () => {
  before(async () => {
    const d = await runDj(["declare", join(repoRoot, "examples/pipeline.dj"), "--schema", "gcperm"], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
    writeFileSync(gone, "orphan that goes");
    utimesSync(gone, old, old);
  });
  after(() => {
    chattr("-i", kept);
    cleanup();
  });

  test("exit 5 naming the object; only the deleted one is counted", async () => {
    const r = await runDj(["gc", "--schema", "gcperm"], { cwd: dir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /deleted 1 object,/);
    assert.match(r.stderr, /^dj: 1 object could not be deleted: _hash\/gcperm\/aaaaaaaaaaaaaaaaaaaaaaaaaa: .*cannot delete .*not permitted/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(existsSync(kept), true);
    assert.equal(existsSync(gone), false);
  });

});
