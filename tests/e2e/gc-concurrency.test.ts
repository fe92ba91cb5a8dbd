/**
 * `dj gc` against inserts in flight, through the built binary, on the embedded database, MariaDB
 * and PostgreSQL, each with a file store and with s3rver. Each race is held open by a FIFO (an attribute's input,
 * or the test-only DJ_TEST_PAUSE hook), never by timing. After every scenario each committed row
 * fetches byte-identical, and gc still removes true orphans.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { holdFifo, makeFifo, startDj } from "../helpers/race.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { FileStore } from "../../src/stores/file.js";
import { S3Store } from "../../src/stores/s3.js";
import type { Store } from "../../src/stores/types.js";

const combos = dialects.flatMap((dialect) => (["file", "s3"] as const).map((store) => ({ dialect, store })));

for (const combo of combos)
describe(`gc and inserts in flight (${combo.dialect.name} database, ${combo.store} store)`, () => {
  const schema = combo.dialect.database ? schemaName("gcrace") : "lab";
  let srv: S3Server | null = null;
  let dir: string;
  let cleanup: () => void;
  let store: Store;
  let fifoCount = 0;
  const dj = (args: string[], env?: Record<string, string>) => runDj(args, { cwd: dir, env });
  const gcJson = async (...args: string[]) => {
    const r = await dj(["gc", "--json", ...args]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout);
  };
  const keys = async () => {
    const out: string[] = [];
    for await (const o of store.list("")) out.push(o.key);
    return out.sort();
  };
  const fifo = () => makeFifo(dir, `in${fifoCount++}`);
  const npy = (name: string, expr: string) => {
    const r = spawnSync("python3", ["-c", `import numpy as np; np.save("${join(dir, name)}", ${expr})`]);
    assert.equal(r.status, 0, String(r.stderr));
  };
  /** The row's attribute, fetched to a file, is byte-identical to `expected`. */
  const assertFetches = async (table: string, id: number, attr: string, expected: Buffer) => {
    const out = join(dir, `fetched-${table}-${id}-${attr}-${fifoCount++}`);
    const r = await dj(["fetch", table, "--key", `id=${id}`, "--attr", attr, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(out).equals(expected), `${table} id=${id} ${attr} differs`);
  };
  const ageStore = () => {
    if (combo.store !== "file") return;
    const old = new Date(Date.now() - 3 * 3600_000);
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else utimesSync(join(d, e.name), old, old);
      }
    };
    walk(join(dir, "store"));
  };

  before(async () => {
    let main: Record<string, unknown> = { protocol: "file", location: "./store" };
    if (combo.store === "s3") {
      srv = await startS3rver("gcrace");
      const s = srv.spec();
      main = { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj", access_key: s.access_key, secret_key: s.secret_key, secure: false };
      store = new S3Store("main", s);
    }
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(combo.dialect, { schema, stores: { default: "main", main }, codecs: { zarr: { chunkBytes: 65536 } } }),
      "p.dj": `schema ${schema}\n\nT (manual)\n    id : int32\n    ---\n    b : <blob@>\n    o : <object@>\n\nZ (manual)\n    id : int32\n    ---\n    z : <zarr@>\n    o : <object@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    if (combo.store === "file") store = new FileStore("main", join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    for (let i = 1; i <= 5; i++) npy(`a${i}.npy`, `np.arange(${1000 * i}.0)`);
    npy("big.npy", "np.random.default_rng(3).standard_normal((20000, 8))");
    const d = await dj(["declare", "p.dj"]);
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => {
    await combo.dialect.dropSchemas(schema);
    cleanup();
    await srv?.stop();
  });

  test("an insert reusing an old orphan is safe from gc with the default --min-age and with 0", async () => {
    assert.equal((await dj(["insert", "T", "--key", "id=1", "--from", "b=a1.npy", "--from", "o=a1.npy"])).code, 0);
    const [hashKey] = (await keys()).filter((k) => k.startsWith("_hash/"));
    assert.equal((await dj(["delete", "T", "--key", "id=1", "--force"])).code, 0);
    ageStore(); // the orphans are now hours old (file store: mtimes the test sets)
    const input = fifo();
    const insert = startDj(["insert", "T", "--key", "id=2", "--from", "b=a1.npy", "--from", `o=${input}`], { cwd: dir });
    const held = await holdFifo(input, insert); // the insert has reused the blob and waits on its second value
    const byDefault = await gcJson();
    assert.equal(byDefault.hash_paths_deleted, 0);
    const withZero = await gcJson("--min-age", "0");
    assert.equal(withZero.hash_paths_deleted, 0, "the reused object was deleted");
    assert.ok(withZero.skipped_in_flight >= 1);
    assert.equal(byDefault.schema_paths_deleted + withZero.schema_paths_deleted, 1, "the deleted row's own object is a true orphan");
    assert.ok((await keys()).includes(hashKey!));
    await held.write("second value");
    await held.close();
    const r = await insert.done;
    assert.equal(r.code, 0, r.stderr);
    await assertFetches("T", 2, "b", readFileSync(join(dir, "a1.npy")));
    await assertFetches("T", 2, "o", Buffer.from("second value"));
    const after = await gcJson("--min-age", "0", "--dry-run");
    assert.equal(after.hash_paths_orphaned + after.schema_paths_orphaned, 0);
  });

  test("Zarr chunks an insert already wrote survive gc --min-age 0", async () => {
    const input = fifo();
    const insert = startDj(["insert", "Z", "--key", "id=1", "--from", "z=big.npy", "--from", `o=${input}`], { cwd: dir });
    const held = await holdFifo(input, insert); // every chunk is written; the row is not committed yet
    const chunks = (await keys()).filter((k) => k.includes(".zarr/")).length;
    assert.ok(chunks > 10, `only ${chunks} chunks`);
    const report = await gcJson("--min-age", "0");
    assert.equal(report.deleted, 0);
    assert.ok(report.skipped_in_flight >= chunks);
    await held.write("z");
    await held.close();
    const r = await insert.done;
    assert.equal(r.code, 0, r.stderr);
    const out = join(dir, "z-fetched.npy");
    const f = await dj(["fetch", "Z", "--key", "id=1", "--attr", "z", "--out", out]);
    assert.equal(f.code, 0, f.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(join(dir, "big.npy"))));
  });

  test("gc paused before deleting: an insert that reuses one of its orphans waits, and both end safely", async () => {
    assert.equal((await dj(["insert", "T", "--key", "id=5", "--from", "b=a4.npy", "--from", "o=a4.npy"])).code, 0);
    assert.equal((await dj(["delete", "T", "--key", "id=5", "--force"])).code, 0);
    const pause = fifo();
    const gc = startDj(["gc", "--min-age", "0", "--json"], { cwd: dir, env: { DJ_TEST_PAUSE: `gc-before-delete:${pause}` } });
    const gcHeld = await holdFifo(pause, gc); // gc has chosen its orphans, a4's blob among them
    const insert = startDj(["insert", "T", "--key", "id=6", "--from", "b=a4.npy", "--from", "o=a2.npy"], { cwd: dir });
    await insert.waitForStderr(/waiting for dj gc/);
    await gcHeld.close();
    const g = await gc.done;
    assert.equal(g.code, 0, g.stderr);
    const report = JSON.parse(g.stdout);
    assert.ok(report.skipped_in_flight >= 1, "gc re-read the intents before deleting");
    assert.equal(report.hash_paths_deleted, 0);
    const r = await insert.done;
    assert.equal(r.code, 0, r.stderr);
    await assertFetches("T", 6, "b", readFileSync(join(dir, "a4.npy")));
  });

  test("SIGKILL mid-insert: once the insert is dead its objects are ordinary orphans; temp files go too", async () => {
    const before = await keys();
    const input = fifo();
    const insert = startDj(["insert", "T", "--key", "id=3", "--from", "b=a3.npy", "--from", `o=${input}`], { cwd: dir });
    const held = await holdFifo(input, insert);
    await held.write(Buffer.alloc(1 << 20, 7));
    insert.child.kill("SIGKILL");
    await insert.done;
    await held.close().catch(() => {});
    if (combo.store === "file") {
      // A temp file as a killed write leaves it, old enough to collect.
      const tmp = join(dir, "store", "_schema", schema, "t", "id=3", "o_XXXXXXXX.0123456789ab.saving");
      mkdirSync(join(tmp, ".."), { recursive: true });
      writeFileSync(tmp, "partial");
      const old = new Date(Date.now() - 3 * 3600_000);
      utimesSync(tmp, old, old);
    }
    const report = await gcJson("--min-age", "0");
    assert.equal(report.stale_intents_removed, 1);
    assert.equal(report.hash_paths_deleted, 1, "the killed insert's blob");
    if (combo.store === "file") assert.ok(report.temp_files_deleted >= 1);
    const left = await keys();
    assert.deepEqual(left.filter((k) => k.endsWith(".saving") || k.startsWith(".dj-gc/")), []);
    assert.deepEqual(left, before);
    await assertFetches("T", 2, "b", readFileSync(join(dir, "a1.npy")));
  });

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const)
  test(`${signal} mid-insert removes what the insert wrote and exits ${code} with one line`, async () => {
    const before = await keys();
    const input = fifo();
    // Every Zarr chunk is written, then the insert streams its second value from the FIFO.
    const insert = startDj(["insert", "Z", "--key", `id=${code}`, "--from", "z=a2.npy", "--from", `o=${input}`], { cwd: dir });
    const held = await holdFifo(input, insert);
    await held.write(Buffer.alloc(1 << 16, 1));
    insert.child.kill(signal);
    const r = await insert.done;
    await held.close().catch(() => {});
    assert.equal(r.status, code, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^dj: interrupted by ${signal}`));
    const left = await keys();
    assert.deepEqual(left.filter((k) => !before.includes(k)), [], "nothing the insert wrote is left");
    const rows = JSON.parse((await dj(["fetch", "Z", "--json"])).stdout).rows;
    assert.ok(!rows.some((row: { id: number }) => row.id === code));
  });

  test("SIGINT mid-fetch removes the partial file and exits 130 with one line", async () => {
    const pause = fifo();
    const out = join(dir, "interrupted.npy");
    const f = startDj(["fetch", "T", "--key", "id=2", "--attr", "b", "--out", out], { cwd: dir, env: { DJ_TEST_PAUSE: `fetch-partial:${pause}` } });
    const held = await holdFifo(pause, f);
    assert.ok(readdirSync(dir).some((n) => n.endsWith(".partial")), "the fetch is writing its temp file");
    f.child.kill("SIGINT");
    const r = await f.done;
    await held.close().catch(() => {});
    assert.equal(r.status, 130, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^dj: interrupted by SIGINT; removed 1 temporary file/);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".partial") || n === "interrupted.npy"), []);
  });
});
