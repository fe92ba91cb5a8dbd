/**
 * Fault injection: `dj insert` killed with SIGKILL at random moments, 30+ times, on a file store
 * and on s3rver, with <zarr@>, <npy@> and <blob@> values. Afterwards every row's objects exist
 * and decode, and `dj gc` leaves no unreferenced object.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { djBin, repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";

const KILLS_PER_STORE = 16;

function insertAndKill(cwd: string, id: number, afterMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [djBin, "insert", "Sig", "--key", `id=${id}`, "--from", "w=a.npy", "--from", "n=a.npy", "--from", "b=small.npy"], { cwd, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), afterMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

for (const storeKind of ["file", "s3"] as const)
describe(`SIGKILL during dj insert (${storeKind} store)`, () => {
  let srv: S3Server | null = null;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    let store: Record<string, unknown> = { protocol: "file", location: "./store" };
    if (storeKind === "s3") {
      srv = await startS3rver("kill-bucket");
      const s = srv.spec();
      store = { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj", access_key: s.access_key, secret_key: s.secret_key, secure: false };
    }
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "lab", stores: { default: "main", main: store }, codecs: { zarr: { chunkBytes: 262144 } } },
      "p.dj": "schema lab\n\nSig (manual)\n    id : int32\n    ---\n    w : <zarr@>\n    n : <npy@>\n    b : <blob@>\n",
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    const py = spawnSync("python3", ["-c", `import numpy as np
np.save("${dir}/a.npy", np.random.default_rng(5).standard_normal((200000, 8)))
np.save("${dir}/small.npy", np.arange(12.0).reshape(3, 4))`]);
    assert.equal(py.status, 0, String(py.stderr));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
  });
  after(async () => {
    cleanup();
    await srv?.stop();
  });

  test(`${KILLS_PER_STORE} kills at random moments lose nothing and leak nothing after gc`, async () => {
    const outcomes: Array<number | null> = [];
    const spread = storeKind === "s3" ? 2500 : 900;
    for (let i = 0; i < KILLS_PER_STORE; i++) outcomes.push(await insertAndKill(dir, i, 150 + Math.floor(Math.random() * spread)));
    assert.ok(outcomes.some((c) => c === null), "at least some runs were killed mid-way");
    // One insert that runs to the end, so there is always a row to check.
    assert.equal(await insertAndKill(dir, 999, 120_000), 0);
    // Every row that exists decodes completely.
    const out = await runDj(["fetch", "Sig", "--out", "out"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    const rows = JSON.parse((await runDj(["fetch", "Sig", "--json"], { cwd: dir })).stdout).rows;
    assert.equal(out.stdout.trim() === "" ? 0 : out.stdout.trim().split("\n").length, rows.length * 3);
    // gc removes whatever the killed runs left, and then nothing is unreferenced.
    const gc = await runDj(["gc", "--min-age", "0", "--json"], { cwd: dir });
    assert.equal(gc.code, 0, gc.stderr);
    const again = JSON.parse((await runDj(["gc", "--min-age", "0", "--dry-run", "--json"], { cwd: dir })).stdout);
    assert.equal(again.hash_paths_orphaned + again.schema_paths_orphaned, 0);
    assert.equal(again.schema_paths_referenced, rows.length * 2);
    const after = await runDj(["fetch", "Sig", "--out", "out2"], { cwd: dir });
    assert.equal(after.code, 0, after.stderr);
  });
});
