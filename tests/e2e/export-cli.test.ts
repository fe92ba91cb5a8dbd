/**
 * `dj fetch --format csv|jsonl` beyond plain values, with the built binary on every dialect:
 * codec attributes appear as what the row stores (an `<npy@>` value's JSON document with its
 * path, an in-table `<blob>` as base64 of its bytes) and nothing is read from the store (the
 * store folder is removed first); a reader that closes stdout early (`| head`) ends the export
 * quietly with exit 0; a few thousand rows come through whole and in key order.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { djBin, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { skipRestWithout } from "../helpers/requires.js";

const ROWS = 3000;
/** Long enough that the rows (~200 KB) outgrow a pipe's buffer (64 KiB), so a closed reader is met. */
const label = (n: number) => `item-${n}-`.padEnd(60, "x");

for (const dialect of dialects)
describe(`export of codec values and many rows (${dialect.name})`, () => {
  const schema = schemaName("export");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { ...configFor(dialect, { stores: { default: "local", local: { protocol: "file", location: "./store" } } }), schema },
      "p.dj": `schema ${schema}

Item (manual)
    item : int32
    ---
    label : varchar(64)
    arr = null : <npy@>
    params = null : <blob>
`,
    }));
    mkdirSync(join(dir, "store"));
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
    writeFile(dir, "rows.jsonl", Array.from({ length: ROWS }, (_, i) => JSON.stringify({ item: ROWS - i, label: label(ROWS - i) })).join("\n") + "\n");
    const ins = await dj("insert", "Item", "--rows", "rows.jsonl");
    assert.equal(ins.code, 0, ins.stderr);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("every row, in primary-key order, whole", async () => {
    const r = await dj("fetch", "Item", "--format", "jsonl", "--attr", "label");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, ROWS);
    lines.forEach((l, i) => assert.deepEqual(JSON.parse(l), { item: i + 1, label: label(i + 1) }));
    assert.match(r.stderr, /3000 rows/);
  });

  test("a reader that closes stdout early: exit 0, no error, no stack", async () => {
    const child = spawn(process.execPath, [djBin, "fetch", "Item", "--format", "csv"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let first = "";
    // Read one chunk, then close the pipe as `head -c` would.
    await new Promise<void>((resolve) => child.stdout.once("data", (d) => ((first = String(d)), resolve())));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, stderr);
    assert.match(first, /^item,label,arr,params\r\n/);
    assert.doesNotMatch(stderr, /error|EPIPE|\n\s+at /i);
    // The count on stderr says the export was cut short (so the early close was really met).
    assert.match(stderr, /^\d+ rows \(the reader closed stdout\)$/m);
  });

  test("codec values as stored: <npy@> its JSON document (no store read), <blob> base64", async (t) => {
    if (skipRestWithout(t, "numpy")) return;
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(6, dtype="<f4").reshape(2, 3))`], { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const ins = await dj("insert", "Item", "--key", "item=0", "--set", "label=coded", "--from", "arr=a.npy", "--from", "params=a.npy");
    assert.equal(ins.code, 0, ins.stderr);
    // --slice takes --where as its restriction too (one value), and refuses an order or a page.
    const sl = await dj("fetch", "Item", "--where", "label = 'coded'", "--attr", "arr", "--slice", "1,::2", "--out", "s.npy");
    assert.equal(sl.code, 0, sl.stderr);
    const back = spawnSync("python3", ["-c", `import numpy as np; print(np.load("${dir}/s.npy").tolist())`], { encoding: "utf8" });
    assert.equal(back.stdout.trim(), "[3.0, 5.0]");
    const paged = await dj("fetch", "Item", "--where", "label = 'coded'", "--attr", "arr", "--slice", "0", "--limit", "1", "--out", "t.npy");
    assert.equal(paged.code, 2);
    assert.match(paged.stderr, /--slice reads one value; --limit does not apply/);
    // The export reads rows only: with the store gone it still works.
    renameSync(join(dir, "store"), join(dir, "store-away"));
    try {
      const r = await dj("fetch", "Item", "--key", "item=0", "--format", "jsonl");
      assert.equal(r.code, 0, r.stderr);
      const row = JSON.parse(r.stdout) as { item: number; label: string; arr: Record<string, unknown>; params: string };
      assert.equal(row.item, 0);
      assert.equal(row.label, "coded");
      assert.deepEqual(row.arr.shape, [2, 3]);
      assert.equal(row.arr.dtype, "float32");
      assert.equal(row.arr.store, "local");
      assert.match(String(row.arr.path), new RegExp(`^_schema/${schema}/item/item=0/arr_`));
      // DataJoint's blob format starts "dj0\0" (compressed "ZL123\0" is not used for small values) or "mYm\0".
      const bytes = Buffer.from(row.params, "base64");
      assert.match(bytes.subarray(0, 4).toString("latin1"), /^(dj0|mYm)\0$/);
      const csv = await dj("fetch", "Item", "--key", "item=0", "--format", "csv", "--out", "one.csv");
      assert.equal(csv.code, 0, csv.stderr);
      const back = spawnSync("python3", ["-c", "import csv, json, sys; r = list(csv.DictReader(open(sys.argv[1], newline=''))); print(json.dumps(r))", join(dir, "one.csv")], { encoding: "utf8" });
      assert.equal(back.status, 0, back.stderr);
      const rec = JSON.parse(back.stdout)[0] as Record<string, string>;
      assert.deepEqual(JSON.parse(rec.arr!), row.arr);
      assert.equal(rec.params, row.params);
      assert.equal(readFileSync(join(dir, "one.csv"), "utf8").split("\r\n")[0], "item,label,arr,params");
    } finally {
      renameSync(join(dir, "store-away"), join(dir, "store"));
    }
  });
});
