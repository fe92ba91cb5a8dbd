/**
 * `dj fetch --slice` and `dj show` through the built binary: exit codes, stdout and stderr, the
 * `.npy` written (checked by NumPy), nothing written for a bad slice, and `show` answering from
 * metadata alone — it still works after a chunk of the Zarr array and the data of the `.npy` file
 * are gone, which a fetch of either would need.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { djBin, repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";
import { python } from "../helpers/python.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe("dj fetch --slice and dj show", { skip: skipWithout("numpy") }, () => {
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  /** NumPy's verdict on an output file: equal to a[text] of the original, same dtype and shape. */
  const sameAsNumpy = (file: string, text: string) =>
    python(`import numpy as np; a = np.load("${dir}/a.npy"); g = np.load("${file}"); e = np.asarray(eval("a[${text}]")); print(g.dtype == e.dtype and g.shape == e.shape and g.tobytes() == e.tobytes())`);

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "lab", stores: { default: "local", local: { protocol: "file", location: "./store" } }, codecs: { zarr: { compressor: "zstd", chunks: [4, 5] } } },
      "p.dj": "schema lab\n\nRec (manual)\n    rec : int32\n    ---\n    z : <zarr@>\n    n : <npy@>\n    note = null : varchar(20)\n",
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    // F order and big-endian: <npy@> keeps both; <zarr@> stores little-endian C order.
    python(`import numpy as np; np.save("${dir}/a.npy", np.asfortranarray(np.arange(10 * 12, dtype=">f4").reshape(10, 12)))`);
    for (const args of [["declare", "p.dj"], ["insert", "Rec", "--key", "rec=1", "--from", "z=a.npy", "--from", "n=a.npy"]]) {
      const r = await dj(...args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => cleanup?.());

  test("--slice --out writes the slice as .npy: the path on stdout, what it is on stderr", async () => {
    for (const [attr, dtype] of [["n", ">f4"], ["z", "float32"]] as const) {
      const out = join(dir, `s-${attr}.npy`);
      const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", attr, "--slice", "-3:1:-2, 2::4", "--out", out);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${out}\n`);
      assert.equal(r.stderr, `${dtype}[3,3] from ${attr}\n`);
      if (attr === "n") assert.equal(sameAsNumpy(out, "-3:1:-2, 2::4"), "True");
    }
  });

  test("--json prints what was written; without --out the .npy goes to a redirected stdout", async () => {
    const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "n", "--slice", "...,-1", "--out", "col.npy", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(JSON.parse(r.stdout), { written: ["col.npy"], attr: "n", key: { rec: 1 }, dtype: ">f4", shape: [10] });
    assert.equal(sameAsNumpy(join(dir, "col.npy"), "...,-1"), "True");
    const piped = spawnSync(process.execPath, [djBin, "fetch", "Rec", "--key", "rec=1", "--attr", "n", "--slice", "2,3"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(piped.status, 0, String(piped.stderr));
    assert.equal(String(piped.stderr), "");
    writeFileSync(join(dir, "piped.npy"), piped.stdout);
    assert.equal(sameAsNumpy(join(dir, "piped.npy"), "2,3"), "True");
  });

  test("bad slices: exit 2 for the syntax, 7 for an index out of range; one message, nothing written", async () => {
    const before = readdirSync(dir).sort();
    const cases: Array<[string, number, string, string]> = [
      ["1::0", 2, 'dj: --slice "1::0": slice step cannot be zero', "usage.slice"],
      ["1;2", 2, 'dj: --slice "1;2": "1;2" is not an integer, a slice (start:stop:step) or ...', "usage.slice"],
      ["...,...", 2, `dj: --slice "...,...": an index can only have a single ellipsis ('...')`, "usage.slice"],
      ["0,12", 7, 'dj: --slice "0,12": index 12 is out of bounds for axis 1 with size 12', "input.slice"],
      ["0,0,0", 7, 'dj: --slice "0,0,0": too many indices for array: array is 2-dimensional, but 3 were indexed', "input.slice"],
    ];
    for (const [text, code, message, jsonCode] of cases) {
      const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "z", "--slice", text, "--out", "bad.npy");
      assert.equal(r.code, code, text);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines[0], message);
      assert.match(lines[1]!, /^  hint: /);
      assert.equal(lines.length, 2, r.stderr);
      const j = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "z", "--slice", text, "--out", "bad.npy", "--json");
      assert.equal(j.code, code);
      assert.equal(j.stderr, "");
      assert.equal(JSON.parse(j.stdout).error.code, jsonCode);
    }
    // The text is checked before the table is looked up.
    const early = await dj("fetch", "NoSuchTable", "--slice", "1::0", "--out", "bad.npy");
    assert.equal(early.code, 2, early.stderr);
    assert.match(early.stderr, /^dj: --slice "1::0": slice step cannot be zero\n/);
    assert.deepEqual(readdirSync(dir).sort(), before);
  });

  test("--out DIR writes DIR/<attr>.npy", async () => {
    mkdirSync(join(dir, "outdir"));
    const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "n", "--slice", "0", "--out", "outdir");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join("outdir", "n.npy")}\n`);
    assert.equal(sameAsNumpy(join(dir, "outdir", "n.npy"), "0"), "True");
  });

  test("--slice needs one array value, and writes only .npy", async () => {
    const several = await dj("fetch", "Rec", "--key", "rec=1", "--slice", "0", "--out", "x.npy");
    assert.equal(several.code, 2);
    assert.equal(several.stderr, "dj: --slice reads one value, but 2 values match (1 row of lab.Rec, attributes z, n)\n  hint: name one attribute with --attr (z, n)\n");
    const format = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "z", "--slice", "0", "--out", "x.zarr", "--format", "zarr");
    assert.equal(format.code, 2);
    assert.match(format.stderr, /^dj: --slice writes \.npy; --format zarr does not apply\n$/);
    const jsonNoOut = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "z", "--slice", "0", "--json");
    assert.equal(jsonNoOut.code, 2);
    assert.equal(jsonNoOut.stderr, "");
    assert.equal(JSON.parse(jsonNoOut.stdout).error.code, "usage.out");
    const none = await dj("fetch", "Rec", "--key", "rec=2", "--attr", "z", "--slice", "0", "--out", "x.npy");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^dj: no row of lab\.Rec matches the key\n/);
    assert.equal(existsSync(join(dir, "x.npy")) || existsSync(join(dir, "x.zarr")), false);
  });

  test("dj show prints each value's metadata; --json the same as one document", async () => {
    const zarrDir = filesUnder(join(dir, "store")).find((f) => f.endsWith("/.zarray"))!.slice(0, -"/.zarray".length);
    const npyFile = filesUnder(join(dir, "store")).find((f) => f.endsWith(".npy"))!;
    const zarrBytes = filesUnder(zarrDir).reduce((n, f) => n + statSync(f).size, 0);
    const r = await dj("show", "Rec", "--key", "rec=1");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const rel = (p: string) => p.slice(join(dir, "store").length + 1);
    assert.equal(
      r.stdout,
      [
        "z  <zarr@>  (rec=1)",
        "  shape       [10, 12]",
        "  dtype       float32",
        "  order       C",
        "  chunks      [4, 5]",
        "  compressor  zstd(level=1)",
        "  zarr format 2",
        `  stored      ${zarrBytes < 1024 ? `${zarrBytes} bytes` : `${(zarrBytes / 1024).toFixed(1)} KiB (${zarrBytes} bytes)`} in ${filesUnder(zarrDir).length} objects`,
        `  path        ${rel(zarrDir)}`,
        "  store       local",
        "",
        "n  <npy@>  (rec=1)",
        "  shape       [10, 12]",
        "  dtype       >f4",
        "  order       F",
        `  stored      ${statSync(npyFile).size} bytes`,
        `  path        ${rel(npyFile)}`,
        "  store       local",
        "",
      ].join("\n"),
    );
    const restricted = await dj("show", "Rec", "--where", "rec >= 1 and rec < 2");
    assert.equal(restricted.code, 0, restricted.stderr);
    assert.equal(restricted.stdout, r.stdout, "--where restricts as --key does");
    const none = await dj("show", "Rec", "--where", "rec > 1000");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^dj: no row of \S+ matches the restriction$/m);
    const j = await dj("show", "Rec", "--key", "rec=1", "--attr", "z", "--json");
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.values.length, 1);
    assert.deepEqual(
      { ...doc.values[0], path: undefined },
      { attr: "z", key: { rec: 1 }, type: "<zarr@>", path: undefined, store: "local", storedBytes: zarrBytes, objects: filesUnder(zarrDir).length, zarrFormat: 2, shape: [10, 12], dtype: "float32", chunks: [4, 5], order: "C", compressor: "zstd(level=1)" },
    );
  });

  test("a slice reads only its byte ranges; dj show reads no chunk and no array data", async () => {
    const zarrDir = filesUnder(join(dir, "store")).find((f) => f.endsWith("/.zarray"))!.slice(0, -"/.zarray".length);
    const npyFile = filesUnder(join(dir, "store")).find((f) => f.endsWith(".npy"))!;
    // A slice reads only its byte ranges: with the file cut after the first two columns (F order:
    // 10 rows x 4 bytes each), ":,0:2" still reads, ":,2" meets the cut.
    truncateSync(npyFile, 128 + 2 * 40);
    const head = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "n", "--slice", ":,0:2", "--out", "cut.npy");
    assert.equal(head.code, 0, head.stderr);
    assert.equal(sameAsNumpy(join(dir, "cut.npy"), ":,0:2"), "True");
    const past = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "n", "--slice", ":,2", "--out", "cut2.npy");
    assert.equal(past.code, 5, past.stderr);
    assert.match(past.stderr, /is shorter than its header says/);
    assert.equal(existsSync(join(dir, "cut2.npy")), false);
    unlinkSync(join(zarrDir, "1.1"));
    truncateSync(npyFile, 128); // the header (128 bytes for this array) stays, the data goes
    const r = await dj("show", "Rec", "--key", "rec=1", "--json");
    assert.equal(r.code, 0, r.stderr);
    const [z, n] = JSON.parse(r.stdout).values;
    assert.deepEqual([z.shape, z.chunks, z.compressor], [[10, 12], [4, 5], "zstd(level=1)"]);
    assert.deepEqual([n.shape, n.dtype, n.order, n.storedBytes], [[10, 12], ">f4", "F", 128]);
    // A fetch needs what is gone: both fail (exit 5), which shows show never read it.
    for (const attr of ["z", "n"]) {
      const f = await dj("fetch", "Rec", "--key", "rec=1", "--attr", attr, "--out", `${attr}-full.npy`);
      assert.equal(f.code, 5, `${attr}: ${f.stderr}`);
    }
  });
});
