/**
 * Fault injection: `dj insert` killed with SIGKILL at random moments, 30+ times, on a file store
 * and on s3rver, with <zarr@>, <npy@> and <blob@> values (embedded database). A quarter of the
 * kills (and always the first) are taken at a hook dj is held at, its objects written and no row
 * yet, so the suite kills mid-way on any machine; the rest at random times, landing wherever dj
 * then is (or after it finished). Afterwards every row's objects exist and decode, and `dj gc`
 * leaves no unreferenced object.
 *
 * Then, on every dialect, kills at known points, held by FIFOs, never by timing: with the objects
 * written and no row yet (DJ_TEST_PAUSE=insert-before-commit), and — on the servers — inside the
 * row's transaction, blocked on a rival's uncommitted row of the same key (tests/helpers/rival.ts).
 * None leaves a row, and none leaves an object once the interrupt's undo (or, after SIGKILL, gc) ran.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { holdFifo, makeFifo, startDj } from "../helpers/race.js";
import { rivalFor } from "../helpers/rival.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";

const KILLS_PER_STORE = 16;

/**
 * Where a random kill lands. `before-commit`: at the test hook after every object is written and
 * before the row's transaction (DJ_TEST_PAUSE), so the run is killed mid-way by construction,
 * whatever the machine's speed. `after-ms`: that long after the start, landing wherever dj then is
 * (reading, uploading, committing, or already done); these runs add spread and are not counted on.
 */
type KillPoint = { kind: "before-commit" } | { kind: "after-ms"; ms: number };

function randomKillPoint(spreadMs: number): KillPoint {
  return Math.random() < 0.25 ? { kind: "before-commit" } : { kind: "after-ms", ms: 150 + Math.floor(Math.random() * spreadMs) };
}

/** dj insert of `id` killed at `at`: its exit code, or null when the kill took it, with its stderr. */
async function insertAndKill(cwd: string, id: number, at: KillPoint): Promise<{ code: number | null; stderr: string }> {
  const pause = at.kind === "before-commit" ? makeFifo(cwd, `pause-${id}`) : null;
  const running = startDj(["insert", "Sig", "--key", `id=${id}`, "--from", "w=a.npy", "--from", "n=a.npy", "--from", "b=small.npy"], { cwd, env: pause ? { DJ_TEST_PAUSE: `insert-before-commit:${pause}` } : {} });
  let timer: NodeJS.Timeout | undefined;
  if (pause) {
    // Should dj stall before the hook, the suite's timeout (below) fails the test rather than CI hanging.
    const held = await holdFifo(pause, running);
    running.child.kill("SIGKILL");
    await held.close();
  } else timer = setTimeout(() => running.child.kill("SIGKILL"), at.ms);
  const exit = await running.done;
  clearTimeout(timer);
  if (pause) rmSync(pause);
  if (pause) assert.equal(exit.signal, "SIGKILL", `dj ended on its own while held before its commit: ${exit.stderr}`);
  return { code: exit.signal === "SIGKILL" ? null : exit.code, stderr: exit.stderr };
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

  test(`${KILLS_PER_STORE} kills at random moments lose nothing and leak nothing after gc`, { timeout: 600_000 }, async () => {
    const spread = storeKind === "s3" ? 2500 : 900;
    const points = Array.from({ length: KILLS_PER_STORE }, () => randomKillPoint(spread));
    // Whatever the draw, one run is killed mid-way with its objects written and no row.
    points[0] = { kind: "before-commit" };
    for (const [i, at] of points.entries()) {
      const { code, stderr } = await insertAndKill(dir, i, at);
      assert.ok(code === null || code === 0, `run ${i} (${JSON.stringify(at)}) failed with exit ${code}: ${stderr}`);
    }
    // One insert that runs to the end, so there is always a row to check.
    assert.equal((await insertAndKill(dir, 999, { kind: "after-ms", ms: 120_000 })).code, 0);
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

for (const dialect of dialects)
describe(`kills at known points of dj insert (${dialect.name})`, () => {
  const schema = schemaName("kill");
  let dir: string;
  let cleanup: () => void;
  let fifos = 0;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  const storeFiles = () => (readdirSync(join(dir, "store"), { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const ids = async () => JSON.parse((await dj("fetch", "Sig", "--json")).stdout).rows.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b);
  /** dj insert of `id`, its <npy@> and <object@> values written; with `pause`, held before the transaction. */
  const insert = (id: number, pause?: string) =>
    startDj(["insert", "Sig", "--key", `id=${id}`, "--from", "n=a.npy", "--from", "o=a.npy"], { cwd: dir, env: pause ? { DJ_TEST_PAUSE: `insert-before-commit:${pause}` } : {} });
  const assertNoOrphans = async () => {
    const report = JSON.parse((await dj("gc", "--min-age", "0", "--dry-run", "--json")).stdout);
    assert.equal(report.hash_paths_orphaned + report.schema_paths_orphaned, 0, JSON.stringify(report));
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, { schema, stores: { default: "main", main: { protocol: "file", location: "./store" } } }),
      // Nullable values, so a rival can hold a row of the same key with nothing but its key.
      "p.dj": `schema ${schema}\n\nSig (manual)\n    id : int32\n    ---\n    n = null : <npy@>\n    o = null : <object@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(5000.0))`]);
    assert.equal(py.status, 0, String(py.stderr));
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await dj("insert", "Sig", "--key", "id=1", "--from", "n=a.npy", "--from", "o=a.npy")).code, 0);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("SIGKILL with the objects written and no row yet: no row; gc then removes what it wrote", async () => {
    const before = storeFiles();
    const pause = makeFifo(dir, `p${fifos++}`);
    const running = insert(10, pause);
    const held = await holdFifo(pause, running);
    assert.ok(storeFiles().length > before.length, "the insert wrote its objects before pausing");
    running.child.kill("SIGKILL");
    assert.equal((await running.done).signal, "SIGKILL");
    await held.close().catch(() => {});
    assert.deepEqual(await ids(), [1]);
    const gc = await dj("gc", "--min-age", "0", "--json");
    assert.equal(gc.code, 0, gc.stderr);
    assert.equal(JSON.parse(gc.stdout).stale_intents_removed, 1);
    assert.deepEqual(storeFiles(), before);
    await assertNoOrphans();
  });

  test("SIGINT at the same point: exit 130 with one line, no row, the objects removed without gc", async () => {
    const before = storeFiles();
    const pause = makeFifo(dir, `p${fifos++}`);
    const running = insert(11, pause);
    const held = await holdFifo(pause, running);
    running.child.kill("SIGINT");
    const r = await running.done;
    await held.close().catch(() => {});
    assert.equal(r.status, 130, r.stderr);
    assert.equal(r.stderr, "dj: interrupted by SIGINT; removed the objects this insert wrote\n");
    assert.deepEqual(await ids(), [1]);
    assert.deepEqual(storeFiles(), before);
    await assertNoOrphans();
  });

  const onServer = dialect.name === "embedded" ? "the embedded database has no second session to hold a row" : false;

  test("SIGKILL inside the row's transaction: the server rolls it back; gc then removes what it wrote", { skip: onServer }, async () => {
    const before = storeFiles();
    const rival = rivalFor(dialect);
    try {
      await rival.hold(schema, "sig", { id: 20 });
      const running = insert(20);
      await rival.waitUntilBlocked(running); // dj's INSERT waits on the rival's row: inside dj's transaction
      running.child.kill("SIGKILL");
      assert.equal((await running.done).signal, "SIGKILL");
      await rival.rollback();
    } finally {
      await rival.close();
    }
    assert.deepEqual(await ids(), [1], "neither the killed insert's row nor the rival's");
    const gc = await dj("gc", "--min-age", "0", "--json");
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(storeFiles(), before);
    await assertNoOrphans();
  });

  test("a duplicate race the server decides: the rival commits while dj waits; dj exits 8 and removes its objects", { skip: onServer }, async () => {
    const before = storeFiles();
    const rival = rivalFor(dialect);
    let r;
    try {
      await rival.hold(schema, "sig", { id: 21 });
      const running = insert(21);
      await rival.waitUntilBlocked(running);
      await rival.commit();
      r = await running.done;
    } finally {
      await rival.close();
    }
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /^dj: duplicate entry/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const row = JSON.parse((await dj("fetch", "Sig", "--key", "id=21", "--json")).stdout).rows;
    assert.deepEqual(row.map((x: { n: unknown; o: unknown }) => [x.n, x.o]), [[null, null]], "the rival's row, without dj's values");
    assert.deepEqual(storeFiles(), before, "the loser's objects are gone without gc");
    await assertNoOrphans();
    assert.equal((await dj("delete", "Sig", "--key", "id=21", "--force")).code, 0);
  });

  test("SIGINT while dj waits in its transaction: dj waits for the outcome (the rival wins), then undoes and exits 130", { skip: onServer }, async () => {
    const before = storeFiles();
    const rival = rivalFor(dialect);
    let r;
    try {
      await rival.hold(schema, "sig", { id: 22 });
      const handled = makeFifo(dir, "interrupt-handled");
      const running = startDj(["insert", "Sig", "--key", "id=22", "--from", "n=a.npy", "--from", "o=a.npy"], { cwd: dir, env: { DJ_TEST_PAUSE: `interrupt-handled:${handled}` } });
      await rival.waitUntilBlocked(running);
      running.child.kill("SIGINT");
      // Once dj has taken the interrupt (it holds at the hook), the rival commits: the interrupt
      // cannot undo a transaction the server may still commit, so dj keeps waiting for it.
      const fifo = await holdFifo(handled, running);
      await rival.commit();
      await fifo.close();
      r = await running.done;
    } finally {
      await rival.close();
    }
    assert.equal(r.status, 130, r.stderr);
    assert.equal(r.stderr, "dj: interrupted by SIGINT; removed the objects this insert wrote\n");
    assert.deepEqual(storeFiles(), before);
    await assertNoOrphans();
    assert.equal((await dj("delete", "Sig", "--key", "id=22", "--force")).code, 0);
  });
});
