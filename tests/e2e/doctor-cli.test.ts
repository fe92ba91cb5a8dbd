import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject } from "../helpers/cli.js";

test("dj doctor: one line per check, exit code of the first failure", async () => {
  const { dir, cleanup } = tempProject({
    "dj.config.json": { stores: { default: "ok", ok: { protocol: "file", location: "./ok" }, gone: { protocol: "file", location: "./gone" } }, requiredCodecs: ["blob", "zarr"] },
  });
  try {
    mkdirSync(join(dir, "ok"));
    const r = await runDj(["doctor"], { cwd: dir });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok\s+config\s/m);
    assert.match(r.stdout, /^ok\s+database\s+SQLite/m);
    assert.match(r.stdout, /^ok\s+store ok\s/m);
    assert.match(r.stdout, /^FAIL\s+store gone\s+.*does not exist/m);
    assert.match(r.stdout, /^ok\s+codec blob\s+built-in/m);
    assert.match(r.stdout, /^FAIL\s+codec zarr\s+Unknown codec: <zarr>/m);
    const j = JSON.parse((await runDj(["doctor", "--json"], { cwd: dir })).stdout);
    assert.equal(j.ok, false);
    assert.equal(j.checks.length, 6);
  } finally {
    cleanup();
  }
});
