/**
 * A chunk missing from an array dj wrote is lost data: `dj fetch` fails with a store error (exit
 * 5) naming the chunk and writes no output file. An array another tool wrote with chunks left out
 * on purpose (zarr-python's region writes; here the reference fixture) still reads as zarr-python
 * reads it, missing chunks as the fill value.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";
import { skipWithout } from "../helpers/requires.js";
import { python } from "../helpers/python.js";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

describe("a missing chunk on fetch", { skip: skipWithout("numpy") }, () => {
  const schema = schemaName("zmiss");
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  /** The folder of row `rec`'s array in the file store. */
  const arrayDir = (rec: number) => {
    const zarray = filesUnder(join(dir, "store")).find((f) => f.includes(`/rec=${rec}/`) && f.endsWith("/.zarray"));
    assert.ok(zarray, `no array for rec=${rec}`);
    return zarray.slice(0, -"/.zarray".length);
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: databaseSection,
        schema,
        stores: { default: "local", local: { protocol: "file", location: "./store" } },
        // Three chunks of two rows each, so one can go missing.
        codecs: { zarr: { compressor: "zstd", chunks: [2, 10] } },
      },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    rec : int32\n    ---\n    w : <zarr@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    python(`import numpy as np; np.save("${dir}/a.npy", np.arange(60.0).reshape(6, 10))`);
    const r = await dj("declare", "p.dj");
    assert.equal(r.code, 0, r.stderr);
    for (const rec of [1, 2]) {
      const ins = await dj("insert", "Rec", "--key", `rec=${rec}`, "--from", "w=a.npy");
      assert.equal(ins.code, 0, ins.stderr);
    }
  });
  after(async () => {
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup?.();
  });

  test("of an array dj wrote: exit 5 naming the chunk, no output file; fetches again once restored", async () => {
    const chunk = join(arrayDir(1), "1.0");
    const saved = readFileSync(chunk);
    unlinkSync(chunk);
    try {
      const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--out", "back.npy");
      assert.equal(r.code, 5, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.match(lines[0]!, /^dj: <zarr>: chunk 1\.0 of \S+\/rec=1\/w_\S+\.zarr is missing from the store \(dj wrote every chunk of this array; 1 of its 3 chunks is missing\)$/);
      assert.match(lines[1]!, /^\s+hint: .*restore it from a backup/);
      assert.equal(lines.length, 2, r.stderr);
      assert.ok(!existsSync(join(dir, "back.npy")), "no output file");
      // Copying the Zarr tree as it is would carry the loss along in silence: refused the same.
      const tree = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--format", "zarr", "--out", "back.zarr");
      assert.equal(tree.code, 5, tree.stderr);
      assert.match(tree.stderr, /^dj: <zarr>: chunk 1\.0 of .* is missing from the store/);
      assert.ok(!existsSync(join(dir, "back.zarr")), "no output tree");
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes("partial")), [], "no temp file");
    } finally {
      writeFileSync(chunk, saved);
    }
    const ok = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--out", "back.npy");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(python(`import numpy as np; print(np.array_equal(np.load("${dir}/back.npy"), np.load("${dir}/a.npy")))`), "True");
  });

  test("of an array dj wrote, with --slice: only the chunks the slice needs are looked for", async () => {
    // The slice reads without listing the whole array: a slice that needs the missing chunk fails
    // as a full fetch does (exit 5, naming it, no output), one that does not reads NumPy's values.
    const chunk = join(arrayDir(1), "1.0"); // rows 2..3
    const saved = readFileSync(chunk);
    unlinkSync(chunk);
    try {
      const r = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--slice", "3:5, 1:9:2", "--out", "part.npy");
      assert.equal(r.code, 5, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.match(lines[0]!, /^dj: <zarr>: chunk 1\.0 of \S+\/rec=1\/w_\S+\.zarr is missing from the store \(dj wrote every chunk of this array; the slice needs it\)$/);
      assert.match(lines[1]!, /^\s+hint: .*restore it from a backup/);
      assert.ok(!existsSync(join(dir, "part.npy")), "no output file");
      for (const [slice, file] of [["4:6", "tail.npy"], ["0:2, 3", "head.npy"]] as const) {
        const ok = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--slice", slice, "--out", file);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(python(`import numpy as np; a = np.load("${dir}/${file}"); b = np.load("${dir}/a.npy")[${slice}]; print(a.shape == b.shape and np.array_equal(a, b))`), "True", slice);
      }
      // A full fetch of the same value is still refused whole, before anything is written.
      const full = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--out", "back.npy");
      assert.equal(full.code, 5, full.stderr);
      assert.match(full.stderr, /1 of its 3 chunks is missing/);
    } finally {
      writeFileSync(chunk, saved);
    }
  });

  test("of an array another tool wrote: the fill value, as zarr-python reads it", async () => {
    // Row 2 is turned into one that another tool wrote: its array is zarr-python's fixture with 13
    // of 16 chunks never written (fill_value -999), and its metadata has no dj provenance.
    const target = arrayDir(2);
    rmSync(target, { recursive: true });
    cpSync(join(fixturesDir, "zarr-v2/fill_i2_missing_chunks.zarr"), target, { recursive: true });
    const conn = await connect();
    try {
      const [rows] = await conn.query<any[]>(`SELECT w FROM \`${schema}\`.\`rec\` WHERE rec = 2`);
      const meta = typeof rows[0].w === "string" ? JSON.parse(rows[0].w) : rows[0].w;
      const foreign = { path: meta.path, store: meta.store, shape: [40, 40], dtype: "int16" };
      await conn.query(`UPDATE \`${schema}\`.\`rec\` SET w = ? WHERE rec = 2`, [JSON.stringify(foreign)]);
    } finally {
      await conn.end();
    }
    const r = await dj("fetch", "Rec", "--key", "rec=2", "--attr", "w", "--out", "foreign.npy");
    assert.equal(r.code, 0, r.stderr);
    const fixture = join(fixturesDir, "zarr-v2");
    const missing = JSON.parse(readFileSync(join(fixture, "manifest.json"), "utf8")).cases.find((c: { path: string }) => c.path === "fill_i2_missing_chunks.zarr").chunk_keys_missing;
    assert.equal(missing.length, 13);
    // The whole array equals zarr-python's reading, and every never-written chunk is the fill value.
    assert.equal(
      python(`import numpy as np
a = np.load("${dir}/foreign.npy")
b = np.load("${fixture}/fill_i2_missing_chunks.expected.npy")
filled = all((a[int(i) * 10:int(i) * 10 + 10, int(j) * 10:int(j) * 10 + 10] == -999).all() for i, j in (k.split(".") for k in ${JSON.stringify(missing)}))
print(a.dtype, a.shape, np.array_equal(a, b), filled)`),
      "int16 (40, 40) True True",
    );
  });
});
