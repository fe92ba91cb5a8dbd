/**
 * Zarr v3 through the built `dj`: `"format": 3, "compressor": "zlib"` inserts an array exactly as
 * zarr-python 3 writes it (`numcodecs.zlib`; zarr.json and chunks byte for byte the fixture's), and
 * rows whose arrays zarr-python 3 wrote (sharded, numcodecs.zlib, transposed, DataJoint's Python
 * plugin's default) fetch to NumPy's reading of them.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";
import { skipWithout } from "../helpers/requires.js";
import { python } from "../helpers/python.js";

const v3Dir = join(fixturesDir, "zarr-v3");
const cases = JSON.parse(readFileSync(join(v3Dir, "manifest.json"), "utf8")).cases as Array<Record<string, any>>;
const byPath = (p: string) => cases.find((c) => c.path === p)!;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

describe("Zarr v3 through dj insert and dj fetch", { skip: skipWithout("numpy") }, () => {
  const schema = schemaName("zv3");
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  const arrayDir = (rec: number) => {
    const meta = filesUnder(join(dir, "store")).find((f) => f.includes(`/rec=${rec}/`) && f.endsWith("/zarr.json"));
    assert.ok(meta, `no array for rec=${rec}`);
    return meta.slice(0, -"/zarr.json".length);
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: databaseSection,
        schema,
        stores: { default: "local", local: { protocol: "file", location: "./store" } },
        codecs: { zarr: { format: 3, compressor: "zlib", level: 6, chunks: [16, 16] } },
      },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    rec : int32\n    ---\n    w : <zarr@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    const r = await dj("declare", "p.dj");
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup?.();
  });

  test('"format": 3 with "compressor": "zlib" writes zarr-python 3\'s numcodecs.zlib array, byte for byte', async () => {
    const npy = join(v3Dir, "numcodecs_zlib_u1.expected.npy");
    const ins = await dj("insert", "Rec", "--key", "rec=1", "--from", `w=${npy}`);
    assert.equal(ins.code, 0, ins.stderr);
    assert.equal(ins.stderr, "");
    const c = byPath("numcodecs_zlib_u1.zarr");
    const at = arrayDir(1);
    assert.equal(readFileSync(join(at, "zarr.json"), "utf8"), c.zarr_json_text);
    const files = filesUnder(at).map((f) => f.slice(at.length + 1));
    assert.deepEqual(files, (c.files as Array<{ path: string }>).map((f) => f.path).sort());
    for (const f of c.files as Array<{ path: string; sha256: string }>) {
      assert.equal(createHash("sha256").update(readFileSync(join(at, f.path))).digest("hex"), f.sha256, f.path);
    }
    const out = await dj("fetch", "Rec", "--key", "rec=1", "--attr", "w", "--out", "back.npy");
    assert.equal(out.code, 0, out.stderr);
    assert.equal(python(`import numpy as np; print(np.array_equal(np.load("${dir}/back.npy"), np.load("${npy}")))`), "True");
  });

  // Rows whose arrays zarr-python 3 wrote: each row's folder replaced by the fixture, its JSON by
  // what another tool records (no dj provenance).
  const foreign = ["sharded_f4_2d.zarr", "numcodecs_zlib_u1.zarr", "transpose_c16.zarr", "datajoint_default_f8_2d.zarr", "bigendian_f8.zarr", "fill_i4_missing_chunks.zarr"];
  for (const [k, name] of foreign.entries()) {
    test(`an array zarr-python 3 wrote fetches as NumPy reads it: ${name}`, async () => {
      const rec = 10 + k;
      const c = byPath(name);
      const placeholder = join(dir, `p${rec}.npy`);
      python(`import numpy as np; np.save("${placeholder}", np.zeros((2, 2), "u1"))`);
      const ins = await dj("insert", "Rec", "--key", `rec=${rec}`, "--from", `w=${placeholder}`);
      assert.equal(ins.code, 0, ins.stderr);
      const target = arrayDir(rec);
      rmSync(target, { recursive: true });
      cpSync(join(v3Dir, name), target, { recursive: true });
      const conn = await connect();
      try {
        const [rows] = await conn.query<any[]>(`SELECT w FROM \`${schema}\`.\`rec\` WHERE rec = ?`, [rec]);
        const meta = typeof rows[0].w === "string" ? JSON.parse(rows[0].w) : rows[0].w;
        await conn.query(`UPDATE \`${schema}\`.\`rec\` SET w = ? WHERE rec = ?`, [JSON.stringify({ path: meta.path, store: meta.store, shape: c.shape, dtype: c.data_type }), rec]);
      } finally {
        await conn.end();
      }
      const r = await dj("fetch", "Rec", "--key", `rec=${rec}`, "--attr", "w", "--out", `f${rec}.npy`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.equal(
        python(`import numpy as np
a = np.load("${dir}/f${rec}.npy")
b = np.load("${v3Dir}/${c.expected_npy}")
print(a.dtype.newbyteorder("=") == b.dtype.newbyteorder("="), a.shape == b.shape, np.array_equal(a, b))`),
        "True True True",
      );
    });
  }
});
