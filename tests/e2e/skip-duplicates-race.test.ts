/**
 * `--skip-duplicates` under a deterministic race, on every dialect: dj A checks the key, then is
 * held before its transaction (DJ_TEST_PAUSE=insert-before-commit); dj B inserts the same key and
 * finishes; A is released. Both must succeed — the loser skips the row (the dialect's key-only
 * conflict clause) instead of failing with a duplicate key — and the loser leaves no object behind.
 * Also: a key given twice in one rows file, and a missing parent that --skip-duplicates must not hide.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { holdFifo, makeFifo, startDj } from "../helpers/race.js";

for (const dialect of dialects)
describe(`--skip-duplicates races (${dialect.name})`, () => {
  const schema = schemaName("skiprace");
  let dir: string;
  let cleanup: () => void;
  let fifos = 0;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  const rows = async (table: string) =>
    JSON.parse((await dj("fetch", table, "--json")).stdout).rows.sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  const noOrphans = async () => {
    const report = JSON.parse((await dj("gc", "--min-age", "0", "--dry-run", "--json")).stdout);
    assert.equal(report.hash_paths_orphaned + report.schema_paths_orphaned, 0, JSON.stringify(report));
  };
  /** Start dj with `args`, held before its transaction; resolves once it waits there. */
  const held = async (args: string[]) => {
    const fifo = makeFifo(dir, `p${fifos++}`);
    const running = startDj(args, { cwd: dir, env: { DJ_TEST_PAUSE: `insert-before-commit:${fifo}` } });
    const hold = await holdFifo(fifo, running);
    return { running, release: () => hold.close() };
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, { schema, stores: { default: "main", main: { protocol: "file", location: "./store" } } }),
      "p.dj": `schema ${schema}\n\nPlain (manual)\n    id : int32\n    ---\n    v : varchar(16)\n\nArr (manual)\n    id : int32\n    ---\n    who : varchar(8)\n    n : <npy@>\n\nChild (manual)\n    -> Plain\n    c : int32\n`,
    }));
    mkdirSync(join(dir, "store"));
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(3000.0)); np.save("${dir}/b.npy", np.arange(7.0))`]);
    assert.equal(py.status, 0, String(py.stderr));
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("two single-row inserts of one key: both exit 0, the one that commits second skips", async () => {
    const a = await held(["insert", "Plain", "--key", "id=1", "--set", "v=from-a", "--skip-duplicates"]);
    const b = await dj("insert", "Plain", "--key", "id=1", "--set", "v=from-b", "--skip-duplicates");
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^inserted /);
    await a.release();
    const ra = await a.running.done;
    assert.equal(ra.status, 0, ra.stderr);
    assert.equal(ra.stderr, "");
    assert.match(ra.stdout, /^skipped .*Plain \(id=1\)/);
    assert.deepEqual(await rows("Plain"), [{ id: 1, v: "from-b" }]);
  });

  test("the losing insert of a row with an object removes its object", async () => {
    const a = await held(["insert", "Arr", "--key", "id=1", "--set", "who=a", "--from", "n=a.npy", "--skip-duplicates"]);
    const b = await dj("insert", "Arr", "--key", "id=1", "--set", "who=b", "--from", "n=b.npy", "--skip-duplicates");
    assert.equal(b.code, 0, b.stderr);
    await a.release();
    const ra = await a.running.done;
    assert.equal(ra.status, 0, ra.stderr);
    assert.match(ra.stdout, /^skipped /);
    const r = await rows("Arr");
    assert.deepEqual(r.map((x: { id: number; who: string }) => [x.id, x.who]), [[1, "b"]]);
    await noOrphans();
    const out = await dj("fetch", "Arr", "--key", "id=1", "--attr", "n", "--out", "n1.npy");
    assert.equal(out.code, 0, out.stderr);
    const check = spawnSync("python3", ["-c", `import numpy as np; a = np.load("${dir}/n1.npy"); assert (a == np.arange(7.0)).all(), a`]);
    assert.equal(check.status, 0, String(check.stderr));
  });

  test("a --rows batch that loses one key to a concurrent insert keeps the others and counts the skip", async () => {
    writeFileSync(join(dir, "batch.csv"), "id,v\n10,a\n11,a\n12,a\n");
    const a = await held(["insert", "Plain", "--rows", "batch.csv", "--skip-duplicates"]);
    const b = await dj("insert", "Plain", "--key", "id=11", "--set", "v=b", "--skip-duplicates");
    assert.equal(b.code, 0, b.stderr);
    await a.release();
    const ra = await a.running.done;
    assert.equal(ra.status, 0, ra.stderr);
    assert.match(ra.stdout, /inserted 2 rows into .*Plain, skipped 1 duplicate/);
    const got = (await rows("Plain")).filter((x: { id: number }) => x.id >= 10);
    assert.deepEqual(got, [{ id: 10, v: "a" }, { id: 11, v: "b" }, { id: 12, v: "a" }]);
  });

  test("without --skip-duplicates the loser fails with exit 8 and keeps nothing", async () => {
    const a = await held(["insert", "Arr", "--key", "id=2", "--set", "who=a", "--from", "n=a.npy"]);
    const b = await dj("insert", "Arr", "--key", "id=2", "--set", "who=b", "--from", "n=b.npy");
    assert.equal(b.code, 0, b.stderr);
    await a.release();
    const ra = await a.running.done;
    assert.equal(ra.status, 8, ra.stderr);
    assert.match(ra.stderr, /^dj: .*duplicate/);
    assert.doesNotMatch(ra.stderr, /\n\s+at /);
    assert.deepEqual((await rows("Arr")).map((x: { id: number; who: string }) => [x.id, x.who]), [[1, "b"], [2, "b"]]);
    await noOrphans();
  });

  test("a key given twice in one rows file: exit 8 naming the row, or skipped with --skip-duplicates", async () => {
    writeFileSync(join(dir, "twice.csv"), "id,v\n20,first\n21,x\n20,second\n");
    const plain = await dj("insert", "Plain", "--rows", "twice.csv");
    assert.equal(plain.code, 8, plain.stderr);
    assert.match(plain.stderr, /twice\.csv row 3: duplicate entry: .*id=20/);
    assert.deepEqual((await rows("Plain")).filter((x: { id: number }) => x.id >= 20), []);
    const skip = await dj("insert", "Plain", "--rows", "twice.csv", "--skip-duplicates");
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /inserted 2 rows .*skipped 1 duplicate/);
    assert.deepEqual((await rows("Plain")).filter((x: { id: number }) => x.id >= 20), [{ id: 20, v: "first" }, { id: 21, v: "x" }]);
  });

  test("--skip-duplicates does not hide a missing parent", async () => {
    const r = await dj("insert", "Child", "--key", "id=999", "--key", "c=1", "--skip-duplicates");
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^dj: /);
    assert.match(r.stderr, /999/);
    assert.deepEqual(await rows("Child"), []);
  });
});
