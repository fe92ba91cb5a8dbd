/**
 * The quantised photon mode never loses a movie in silence (issue 13, item 5): movies the
 * photon-noise model does not fit — a bright movie with an offset whose fit lands below zero, a
 * saturated movie, additive (non-Poisson) noise — are refused with exit 7, the measured figures and
 * a hint to store losslessly, and nothing is written; movies that fit still quantise, and
 * `dj insert --json` reports the worst reconstruction error in noise units. Every movie is made
 * by NumPy here; the errors of what comes back are computed by NumPy from the known noise.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";

function py(script: string): string {
  const r = spawnSync("python3", ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("<photon@> quantised mode: the fit is checked on the movie", () => {
  const schema = "fit";
  const { dir, cleanup } = tempProject({ "p.dj": `schema ${schema}\n\nScan (manual)\n    scan_id : int32\n    ---\n    movie : <photon@>\n` });
  const configure = (photon: Record<string, unknown>) =>
    writeFileSync(join(dir, "dj.config.json"), JSON.stringify({ schema, stores: { default: "main", main: { protocol: "file", location: "./store" } }, codecs: { photon } }));
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  const storeFiles = () => readdirSync(join(dir, "store"), { recursive: true }).length;

  before(async () => {
    configure({ quantize: true });
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    for (const p of ["dj-photon-codecs", "dj-zarr-codecs"]) symlinkSync(join(repoRoot, "packages", p), join(dir, "node_modules", p));
    // sigma.npy of each movie: its true noise standard deviation per value, for the NumPy checks.
    py(`import numpy as np
dir = "${dir}"
def save(name, x, sigma):
    np.save(f"{dir}/{name}.npy", x); np.save(f"{dir}/{name}.sigma.npy", sigma)
# Bright movies with an offset: 100 + Poisson(3000..3050), a narrow range far from zero.
for seed in range(6):
    rng = np.random.default_rng(seed)
    lam = np.broadcast_to(np.linspace(3000, 3050, 32 * 32).reshape(32, 32), (40, 32, 32))
    save(f"bright{seed}", (100 + rng.poisson(lam)).astype("uint16"), np.sqrt(lam))
rng = np.random.default_rng(11)
# Saturated: Poisson(10..3000) clipped by the sensor at 1000 (two thirds of the pixels).
lam = np.broadcast_to(np.linspace(10, 3000, 64 * 64).reshape(64, 64), (50, 64, 64))
save("saturated", np.minimum(rng.poisson(lam), 1000).astype("uint16"), np.sqrt(lam))
# Mostly non-Poisson: a static scene plus additive Gaussian noise of σ 5, and a photon part 5× weaker.
lam = np.broadcast_to(np.linspace(10, 2000, 64 * 64).reshape(64, 64), (50, 64, 64))
x = lam + 5 * rng.standard_normal(lam.shape) + 0.2 * (rng.poisson(lam) - lam)
save("additive", np.clip(np.round(x), 0, None).astype("uint16"), np.sqrt(25 + 0.04 * lam))
# A camera movie the model fits: zero level 100, 2.5 units per photon, read noise σ 1.
lam = np.broadcast_to(np.linspace(0.5, 300, 96 * 64).reshape(96, 64), (60, 96, 64))
x = 100 + 2.5 * rng.poisson(lam) + rng.normal(0, 1, size=lam.shape)
save("camera", np.clip(np.round(x), 0, 65535).astype("uint16"), np.sqrt(2.5 ** 2 * lam + 1))`);
    const r = await dj("declare", "p.dj");
    assert.equal(r.code, 0, r.stderr);
  });
  after(cleanup);

  /** The worst |fetched − original| of a stored movie, in its true noise standard deviations. */
  async function worstError(id: number, name: string): Promise<number> {
    const f = await dj("fetch", "Scan", "--key", `scan_id=${id}`, "--out", `${name}.back.npy`);
    assert.equal(f.code, 0, f.stderr);
    return Number(py(`import numpy as np
x = np.load("${dir}/${name}.npy").astype("f8"); back = np.load("${dir}/${name}.back.npy").astype("f8")
print(float((np.abs(back - x) / np.load("${dir}/${name}.sigma.npy")).max()))`));
  }

  /** A refusal: exit 7, one message line and a hint to store losslessly, nothing written. */
  async function assertRefused(id: number, name: string): Promise<string> {
    const before = storeFiles();
    const r = await dj("insert", "Scan", "--key", `scan_id=${id}`, "--from", `${name}.npy`);
    assert.equal(r.code, 7, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, /^dj: <photon> quantize: the photon-noise model does not fit this movie \(measured gain [\d.e-]+, zero level -?[\d.e-]+\): /);
    assert.match(lines[1]!, /^ {2}hint: store it losslessly in DataJoint's float64 layout with "codecs": \{"photon": \{"quantize": false\}\}/);
    assert.equal(storeFiles(), before);
    const rows = await dj("fetch", "Scan", "--key", `scan_id=${id}`, "--json");
    assert.deepEqual(JSON.parse(rows.stdout).rows, []);
    return lines[0]!;
  }

  test("bright movies with an offset: each is refused or comes back within one noise σ; a fit below zero is refused", async () => {
    let refused = 0;
    for (let seed = 0; seed < 6; seed++) {
      const before = storeFiles();
      const r = await dj("insert", "Scan", "--key", `scan_id=${10 + seed}`, "--from", `bright${seed}.npy`, "--json");
      if (r.code === 0) {
        assert.ok((await worstError(10 + seed, `bright${seed}`)) <= 1, `bright${seed} stored with a larger error`);
        continue;
      }
      assert.equal(r.code, 7, r.stdout);
      const { error } = JSON.parse(r.stdout);
      assert.equal(error.code, "input");
      // Either the fit fails outright or it is checked and refused; both say what was measured.
      assert.match(error.message, /does not fit this movie|cannot measure the gain of this movie/);
      assert.match(error.hint, /"quantize": false/);
      assert.equal(storeFiles(), before);
      refused++;
    }
    assert.ok(refused >= 1, "no bright movie was refused: the case of issue 13 is not exercised");
    // Seed 5 fits a zero level far below zero, which clamped every code to 0 before the check.
    const message = await assertRefused(20, "bright5");
    assert.match(message, /zero level -[\d.]+ is below 0 by more than 3× the noise of the darkest pixels/);
    assert.match(message, /worst reconstruction error [\d.]+ noise σ/);
    assert.match(message, /100\.0% of the sample clamped to the code range/);
  });

  test("a saturated movie is refused, with the saturated fraction", async () => {
    const message = await assertRefused(30, "saturated");
    assert.match(message, /6\d\.\d% of the movie sits at its largest value 1000, saturated \(limit 1\.0%\)/);
  });

  test("additive, non-Poisson noise is refused, with the reconstruction error", async () => {
    const message = await assertRefused(40, "additive");
    assert.match(message, /worst reconstruction error [\d.e+]+ noise σ at value \d+ \(limit 1\)/);
  });

  test("configured gain and zero level that do not fit are refused too", async () => {
    configure({ quantize: true, conversion_gain: 2.5, zero_level: -5000 });
    const r = await dj("insert", "Scan", "--key", "scan_id=50", "--from", "camera.npy");
    configure({ quantize: true });
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /does not fit this movie \(configured gain 2\.5, zero level -5000\)/);
  });

  test("the hint works: the refused movie stores losslessly with quantize false", async () => {
    configure({ quantize: false });
    const r = await dj("insert", "Scan", "--key", "scan_id=60", "--from", "bright5.npy");
    configure({ quantize: true });
    assert.equal(r.code, 0, r.stderr);
    const alg = await dj("fetch", "Scan", "--key", "scan_id=60", "--out", "lossless.npy", "--inverse", "algebraic");
    assert.equal(alg.code, 0, alg.stderr);
    assert.equal(py(`import numpy as np\nprint(np.allclose(np.load("${dir}/lossless.npy"), np.load("${dir}/bright5.npy")))`), "True");
  });

  test("a movie that fits still quantises; --json reports the worst error in noise units", async () => {
    const r = await dj("insert", "Scan", "--key", "scan_id=70", "--from", "camera.npy", "--json");
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, "inserted");
    const m = out.measured.movie;
    assert.equal(m.gain_and_zero_level, "measured");
    assert.ok(m.worst_error_noise_units > 0 && m.worst_error_noise_units <= 1, `worst error ${m.worst_error_noise_units}`);
    assert.ok(Math.abs(m.conversion_gain - 2.5) < 0.1, `gain ${m.conversion_gain}`);
    assert.equal(m.clamped_fraction, 0);
    const zarray = py(`import json, glob\nprint(json.load(open(glob.glob("${dir}/store/_schema/${schema}/scan/scan_id=70/*/.zarray")[0]))["filters"][0]["encoded_dtype"])`);
    assert.equal(zarray, "uint8");
    // Half a code step is a quarter of the noise; integer rounding adds at most half a unit.
    assert.ok((await worstError(70, "camera")) <= 1);
    const text = await dj("insert", "Scan", "--key", "scan_id=71", "--from", "camera.npy");
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, "");
  });
});
