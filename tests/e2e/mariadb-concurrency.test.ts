/**
 * 8 parallel `dj insert` processes into one MariaDB (and PostgreSQL) table with <zarr@> on s3rver: every row
 * present and readable; a duplicate-key attempt fails cleanly and leaves no orphan.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { mariadb, postgresql } from "../helpers/dialects.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { S3Store } from "../../src/stores/s3.js";

for (const dialect of [mariadb, postgresql])
describe(`parallel inserts on ${dialect.name} with <zarr@> on S3`, () => {
  const schema = schemaName("par");
  let srv: S3Server;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    srv = await startS3rver("par-bucket");
    const s = srv.spec();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: dialect.database,
        schema,
        stores: { default: "s3", s3: { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj", access_key: s.access_key, secret_key: s.secret_key, secure: false } },
      },
      "p.dj": `schema ${schema}\n\nWave (manual)\n    id : int32\n    ---\n    w : <zarr@>\n`,
    }));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(400000.0).reshape(-1, 40))`]);
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
    await srv.stop();
  });

  test("8 at once: all rows readable; a duplicate fails cleanly with no orphan", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runDj(["insert", "Wave", "--key", `id=${i}`, "--from", "a.npy"], { cwd: dir })));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const out = await runDj(["fetch", "Wave", "--out", "out"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim().split("\n").length, 8);
    const store = new S3Store("s3", srv.spec());
    const count = async () => {
      let n = 0;
      for await (const _ of store.list("")) n++;
      return n;
    };
    const before = await count();
    // Two processes race for one new key: one wins, the other fails (exit 8) and removes its objects.
    const race = await Promise.all([0, 1].map(() => runDj(["insert", "Wave", "--key", "id=100", "--from", "a.npy"], { cwd: dir })));
    assert.deepEqual(race.map((r) => r.code).sort(), [0, 8]);
    const loser = race.find((r) => r.code === 8)!;
    assert.match(loser.stderr, /duplicate entry/);
    const gc = JSON.parse((await runDj(["gc", "--min-age", "0", "--dry-run", "--json"], { cwd: dir })).stdout);
    assert.equal(gc.schema_paths_orphaned, 0, "the losing insert left nothing behind");
    assert.ok((await count()) > before);
    await store.close();
  });
});
