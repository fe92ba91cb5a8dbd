/**
 * dj-photon-codecs writes what DataJoint's Python photon codec writes: Anscombe-transformed
 * float64 in Zarr v2 (blosc zstd 5, bit-shuffle), chunks [min(100,T),H,W], the codec's .zattrs;
 * Python's zarr reads it; the inverses recover the counts.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";
import { skipRestWithout } from "../helpers/requires.js";

function py(script: string, python = "python3"): string {
  const r = spawnSync(python, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/**
 * A temporary project with both plugins linked, a Scan table with `movie : <photon@>` declared in
 * `schema`, `photon` as its `codecs.photon` options, and the movies NumPy writes with `movies`
 * (a Python snippet that may use `dir`).
 */
async function photonProject(schema: string, photon: Record<string, unknown> | null, movies: string) {
  const config = (options: Record<string, unknown> | null) =>
    ({ database: databaseSection, schema, stores: { default: "main", main: { protocol: "file", location: "./store" } }, ...(options ? { codecs: { photon: options } } : {}) });
  const project = tempProject({ "dj.config.json": config(photon), "p.dj": `schema ${schema}\n\nScan (manual)\n    scan_id : int32\n    ---\n    movie : <photon@>\n` });
  mkdirSync(join(project.dir, "store"));
  mkdirSync(join(project.dir, "node_modules"));
  for (const p of ["dj-photon-codecs", "dj-zarr-codecs"]) symlinkSync(join(repoRoot, "packages", p), join(project.dir, "node_modules", p));
  py(`import numpy as np\ndir = "${project.dir}"\n${movies}`);
  const r = await runDj(["declare", "p.dj"], { cwd: project.dir });
  assert.equal(r.code, 0, r.stderr);
  /** Rewrite the config with other `codecs.photon` options. */
  const configure = (options: Record<string, unknown> | null) => writeFileSync(join(project.dir, "dj.config.json"), JSON.stringify(config(options)));
  return { ...project, configure };
}

describe("<photon@store>", () => {
  const schema = schemaName("photon");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = await photonProject(schema, null, `rng = np.random.default_rng(3)
np.save(f"{dir}/movie.npy", rng.poisson(10, size=(130, 16, 12)).astype("uint16"))
np.save(f"{dir}/neg.npy", np.full((3, 4, 4), -1, dtype="int16"))
np.save(f"{dir}/flat.npy", np.zeros((10, 10), dtype="uint16"))`));
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  test("stores DataJoint's layout and metadata; Python's zarr reads the transform", async (t) => {
    const r = await dj("insert", "Scan", "--key", "scan_id=1", "--from", "movie.npy");
    assert.equal(r.code, 0, r.stderr);
    const [[row]] = await conn.query<any[]>(`SELECT movie FROM \`${schema}\`.scan`);
    const meta = typeof row.movie === "string" ? JSON.parse(row.movie) : row.movie;
    assert.deepEqual(Object.keys(meta), ["path", "store", "codec_version", "shape", "dtype", "transform"]);
    assert.deepEqual([meta.codec_version, meta.shape, meta.dtype, meta.transform], ["1.0", [130, 16, 12], "float64", "anscombe"]);
    if (skipRestWithout(t, "pythonZarr")) return;
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

/** A numcodecs filter written here from the anscombe-transform package's documented algorithm:
 * an independent reader of dj's quantised movies (the package itself is not installable here). */
const REFERENCE_FILTER = `
import numcodecs, numpy as np
from numcodecs.abc import Codec
class Anscombe(Codec):
    codec_id = "anscombe-v1"
    def __init__(self, zero_level, conversion_gain, encoded_dtype="uint8", decoded_dtype="int16", beta=0.5):
        # numcodecs' get_config() returns these attributes: they keep the constructor's names.
        self.zero_level, self.conversion_gain, self.beta = zero_level, conversion_gain, beta
        self.encoded_dtype, self.decoded_dtype = encoded_dtype, decoded_dtype
    z = property(lambda self: self.zero_level)
    g = property(lambda self: self.conversion_gain)
    enc = property(lambda self: np.dtype(self.encoded_dtype))
    dec = property(lambda self: np.dtype(self.decoded_dtype))
    def _consts(self):
        s = 1 / (self.beta * np.sqrt(3 / 8))
        return s, self.z * s / self.g
    def codes(self, x):
        s, off = self._consts()
        xn = (np.asarray(x, dtype="f8") - self.z) / self.g
        r = np.where(xn < 0, off + xn * s, off + (2 / self.beta) * (np.sqrt(np.maximum(xn, 0) + 3 / 8) - np.sqrt(3 / 8)))
        return np.clip(np.round(r), 0, np.iinfo(self.enc).max).astype(self.enc)
    def encode(self, buf):
        return self.codes(np.frombuffer(buf, dtype=self.dec)).tobytes()
    def decode(self, buf, out=None):
        k = np.frombuffer(buf, dtype=self.enc).astype("f8")
        s, off = self._consts()
        root = (k - off) * self.beta / 2 + np.sqrt(3 / 8)
        x = np.where(k < off, (k - off) / s * self.g + self.z, self.z + self.g * (root ** 2 - 3 / 8))
        if self.dec.kind in "ui":
            x = np.clip(np.floor(x + 0.5), np.iinfo(self.dec).min, np.iinfo(self.dec).max)
        return x.astype(self.dec)
numcodecs.register_codec(Anscombe)
`;

describe("<photon@store> quantised mode (codecs.photon.quantize)", () => {
  const schema = schemaName("photonq");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  let config: (photon: Record<string, unknown>) => void;
  const stored = async (id: number) => {
    const [[row]] = await conn.query<any[]>(`SELECT movie FROM \`${schema}\`.scan WHERE scan_id = ${id}`);
    return typeof row.movie === "string" ? JSON.parse(row.movie) : row.movie;
  };

  before(async () => {
    conn = await connect();
    // A camera movie: zero level 100, 2.5 units per photon, read noise σ = 1, rates 0.5–300.
    ({ dir, cleanup, configure: config } = await photonProject(schema, { quantize: true }, `rng = np.random.default_rng(5)
lam = np.linspace(0.5, 300, 96 * 64).reshape(96, 64)
x = 100 + 2.5 * rng.poisson(lam, size=(60, 96, 64)) + rng.normal(0, 1, size=(60, 96, 64))
np.save(f"{dir}/camera.npy", np.clip(np.round(x), 0, 65535).astype("uint16"))
np.save(f"{dir}/constant.npy", np.full((5, 8, 8), 7, dtype="uint16"))
np.save(f"{dir}/bright.npy", (np.arange(2 * 4 * 4).reshape(2, 4, 4) * 20000.0))`));
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  test("measures gain and zero level, stores uint8 codes with the anscombe-v1 filter; an independent decoder reads it", async (t) => {
    const r = await dj("insert", "Scan", "--key", "scan_id=1", "--from", "camera.npy");
    assert.equal(r.code, 0, r.stderr);
    const meta = await stored(1);
    assert.deepEqual([meta.codec_version, meta.shape, meta.dtype, meta.transform], ["1.0", [60, 96, 64], "uint16", "anscombe-quantized"]);
    const zarray = JSON.parse(readFileSync(join(dir, "store", meta.path, ".zarray"), "utf8"));
    const filter = zarray.filters[0];
    assert.deepEqual(Object.keys(filter).sort(), ["conversion_gain", "decoded_dtype", "encoded_dtype", "id", "zero_level"]);
    assert.equal(filter.id, "anscombe-v1");
    assert.equal(filter.encoded_dtype, "uint8");
    assert.equal(zarray.dtype, "<u2");
    // Read noise adds σ²/g to the intercept: the zero level comes out near 100 − 1/2.5.
    assert.ok(Math.abs(filter.conversion_gain - 2.5) < 0.05, `gain ${filter.conversion_gain}`);
    assert.ok(Math.abs(filter.zero_level - 99.6) < 1.5, `zero level ${filter.zero_level}`);
    const f = await dj("fetch", "Scan", "--key", "scan_id=1", "--out", "back.npy");
    assert.equal(f.code, 0, f.stderr);
    if (skipRestWithout(t, "pythonZarr")) return;
    const out = py(`${REFERENCE_FILTER}
import zarr
z = zarr.open("${dir}/store/${meta.path}", mode="r")
x = np.load("${dir}/camera.npy"); back = np.load("${dir}/back.npy")
ref = numcodecs.get_codec(z.filters[0].get_config())
raw = numcodecs.get_codec(z.compressor.get_config()).decode(open("${dir}/store/${meta.path}/0.0.0", "rb").read())
codes_same = np.array_equal(np.frombuffer(raw, dtype="u1"), ref.codes(x).ravel())
readers_agree = back.dtype == x.dtype and np.array_equal(z[...], back)
# Error within half a code step (β/2 noise standard deviations) plus the integer rounding.
xn = np.maximum((x - ref.z) / ref.g, 0)
bound = 0.5 * 0.5 * ref.g * (np.sqrt(xn + 3 / 8) + 0.2) + 1
print(codes_same, readers_agree, bool((np.abs(back.astype("f8") - x) <= bound).all()))`, "/usr/bin/python3");
    assert.equal(out, "True True True");
  });

  test("stores far fewer bytes than DataJoint's float64 layout of the same movie", async () => {
    config({});
    const r = await dj("insert", "Scan", "--key", "scan_id=2", "--from", "camera.npy");
    assert.equal(r.code, 0, r.stderr);
    config({ quantize: true });
    const size = (path: string) => readdirSync(join(dir, "store", path)).reduce((n, f) => n + statSync(join(dir, "store", path, f)).size, 0);
    const quantised = size((await stored(1)).path);
    const float64 = size((await stored(2)).path);
    assert.ok(quantised * 4 < float64, `quantised ${quantised} B vs float64 ${float64} B`);
  });

  test("configured gain and zero level are used as given; --inverse is refused on quantised movies", async () => {
    config({ quantize: true, conversion_gain: 2.5, zero_level: 100 });
    const r = await dj("insert", "Scan", "--key", "scan_id=3", "--from", "camera.npy");
    assert.equal(r.code, 0, r.stderr);
    const zarray = JSON.parse(readFileSync(join(dir, "store", (await stored(3)).path, ".zarray"), "utf8"));
    assert.deepEqual([zarray.filters[0].conversion_gain, zarray.filters[0].zero_level], [2.5, 100]);
    const inv = await dj("fetch", "Scan", "--key", "scan_id=3", "--out", "x.npy", "--inverse", "algebraic");
    assert.equal(inv.code, 7, inv.stderr);
    assert.match(inv.stderr, /--inverse does not apply: this movie is stored quantised/);
    config({ quantize: true, conversion_gain: 2.5 });
    const half = await dj("insert", "Scan", "--key", "scan_id=4", "--from", "camera.npy");
    assert.equal(half.code, 3, half.stderr);
    assert.match(half.stderr, /give both conversion_gain and zero_level/);
    config({ quantize: true });
  });

  test("movies the mode cannot take are refused (exit 7) and nothing is written", async () => {
    const before = readdirSync(join(dir, "store"), { recursive: true }).length;
    const flat = await dj("insert", "Scan", "--key", "scan_id=5", "--from", "constant.npy");
    assert.equal(flat.code, 7, flat.stderr);
    assert.match(flat.stderr, /cannot measure the gain of this movie: .*; set codecs\.photon\.conversion_gain and codecs\.photon\.zero_level/);
    config({ quantize: true, conversion_gain: 0.001, zero_level: 0 });
    const bright = await dj("insert", "Scan", "--key", "scan_id=6", "--from", "bright.npy");
    assert.equal(bright.code, 7, bright.stderr);
    assert.match(bright.stderr, /need more than 16-bit codes/);
    config({ quantize: true });
    assert.equal(readdirSync(join(dir, "store"), { recursive: true }).length, before);
    const [[{ n }]] = await conn.query<any[]>(`SELECT COUNT(*) AS n FROM \`${schema}\`.scan WHERE scan_id IN (5, 6)`);
    assert.equal(Number(n), 0);
  });
});
