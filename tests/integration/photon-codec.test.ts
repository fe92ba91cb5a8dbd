/**
 * dj-photon-codecs writes what DataJoint's Python photon codec writes: Anscombe-transformed
 * float64 in Zarr v2 (blosc zstd 5, bit-shuffle), chunks [min(100,T),H,W], the codec's .zattrs;
 * Python's zarr reads it; the inverses recover the counts.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";

function py(script: string, python = "python3"): string {
  const r = spawnSync(python, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("<photon@store>", () => {
  const schema = schemaName("photon");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: databaseSection, schema, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
      "p.dj": `schema ${schema}\n\nScan (manual)\n    scan_id : int32\n    ---\n    movie : <photon@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    for (const p of ["dj-photon-codecs", "dj-zarr-codecs"]) symlinkSync(join(repoRoot, "packages", p), join(dir, "node_modules", p));
    py(`import numpy as np
rng = np.random.default_rng(3)
np.save("${dir}/movie.npy", rng.poisson(10, size=(130, 16, 12)).astype("uint16"))
np.save("${dir}/neg.npy", np.full((3, 4, 4), -1, dtype="int16"))
np.save("${dir}/flat.npy", np.zeros((10, 10), dtype="uint16"))`);
    const r = await dj("declare", "p.dj");
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  test("stores DataJoint's layout and metadata; Python's zarr reads the transform", async () => {
    const r = await dj("insert", "Scan", "--key", "scan_id=1", "--from", "movie.npy");
    assert.equal(r.code, 0, r.stderr);
    const [[row]] = await conn.query<any[]>(`SELECT movie FROM \`${schema}\`.scan`);
    const meta = typeof row.movie === "string" ? JSON.parse(row.movie) : row.movie;
    assert.deepEqual(Object.keys(meta), ["path", "store", "codec_version", "shape", "dtype", "transform"]);
    assert.deepEqual([meta.codec_version, meta.shape, meta.dtype, meta.transform], ["1.0", [130, 16, 12], "float64", "anscombe"]);
    const out = py(`import zarr, numpy as np, json
z = zarr.open("${dir}/store/${meta.path}", mode="r")
x = np.load("${dir}/movie.npy")
ok = z.dtype == np.dtype("<f8") and z.chunks == (100, 16, 12) and z.compressor.get_config() == {"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 2, "blocksize": 0}
ok = ok and np.array_equal(z[...], 2 * np.sqrt(x + 3 / 8))
ok = ok and dict(z.attrs) == {"anscombe_gain": 1.0, "anscombe_offset": 0.0, "anscombe_variance": 0.0, "codec_name": "photon", "codec_version": "1.0", "original_dtype": "uint16"}
print(ok)`, "/usr/bin/python3");
    assert.equal(out, "True");
  });

  test("fetch gives the transform; --inverse algebraic recovers the counts, unbiased is close", async () => {
    for (const [name, extra] of [["y", []], ["alg", ["--inverse", "algebraic"]], ["unb", ["--inverse", "unbiased"]]] as const) {
      const r = await dj("fetch", "Scan", "--key", "scan_id=1", "--out", `${name}.npy`, ...extra);
      assert.equal(r.code, 0, r.stderr);
    }
    const out = py(`import numpy as np
x = np.load("${dir}/movie.npy").astype("f8")
y, alg, unb = (np.load(f"${dir}/{n}.npy") for n in ("y", "alg", "unb"))
print(np.array_equal(y, 2 * np.sqrt(x + 3 / 8)), np.allclose(alg, x), abs((unb - x).mean()) < 0.5)`);
    assert.equal(out, "True True True");
  });

  test("invalid movies are refused with exit 7 and nothing is written", async () => {
    const neg = await dj("insert", "Scan", "--key", "scan_id=2", "--from", "neg.npy");
    assert.equal(neg.code, 7);
    assert.match(neg.stderr, /photon counts cannot be negative/);
    const flat = await dj("insert", "Scan", "--key", "scan_id=3", "--from", "flat.npy");
    assert.equal(flat.code, 7);
    assert.match(flat.stderr, /at least 3 dimensions/);
    const ls = await dj("store", "ls", "main", `_schema/${schema}/scan`, "--json");
    assert.ok(JSON.parse(ls.stdout).objects.every((o: any) => o.key.includes("scan_id=1/")));
  });
});
