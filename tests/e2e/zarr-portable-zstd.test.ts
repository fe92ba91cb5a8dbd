/**
 * `<zarr@>` with zstd and no native addon (DJ_ZARR_NATIVE=0), through the built binary: chunks
 * are encoded and decoded by zstd-napi on the worker threads, Python's zarr reads the array, the
 * chunk files are the very bytes numcodecs' WASM build writes (DJ_ZSTD_NAPI=0) and dj fetches
 * both back exactly.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";
import { python } from "../helpers/python.js";

describe("<zarr@> with zstd on the portable encoders", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  let cleanup: () => void;
  const portable = { DJ_ZARR_NATIVE: "0" };
  before(() => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        schema: "lab",
        stores: { default: "local", local: { protocol: "file", location: "./store" } },
        codecs: { zarr: { compressor: { id: "zstd", level: 1 }, chunks: [1000, 16] } },
      },
      "p.dj": "schema lab\n\nRec (manual)\n    id : int32\n    ---\n    z : <zarr@>\n",
    }));
    mkdirSync(join(dir, "node_modules"));
    mkdirSync(join(dir, "store"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    // 5 x 3 chunks, the last row and column of chunks partial.
    python(`import numpy as np
rng = np.random.default_rng(3)
np.save("${dir}/waves.npy", (np.sin(np.arange(4321 * 40).reshape(4321, 40) / 30) * 100 + rng.standard_normal((4321, 40))).astype("<f4"))`);
  });
  after(() => cleanup());

  const chunkFiles = (id: number) => {
    const base = join(dir, "store/_schema/lab/rec", `id=${id}`);
    const array = join(base, readdirSync(base).find((n) => n.endsWith(".zarr"))!);
    return Object.fromEntries(readdirSync(array).filter((n) => /^\d+\.\d+$/.test(n)).map((n) => [n, readFileSync(join(array, n))]));
  };

  test("zstd-napi writes what Python's zarr reads, and the WASM build's very bytes; dj reads both back", async () => {
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    const napi = await runDj(["insert", "Rec", "--key", "id=1", "--from", "z=waves.npy"], { cwd: dir, env: portable });
    assert.equal(napi.code, 0, napi.stderr);
    const wasm = await runDj(["insert", "Rec", "--key", "id=2", "--from", "z=waves.npy"], { cwd: dir, env: { ...portable, DJ_ZSTD_NAPI: "0" } });
    assert.equal(wasm.code, 0, wasm.stderr);

    const [byNapi, byWasm] = [chunkFiles(1), chunkFiles(2)];
    assert.equal(Object.keys(byNapi).length, 15);
    assert.deepEqual(Object.keys(byNapi).sort(), Object.keys(byWasm).sort());
    for (const [name, bytes] of Object.entries(byNapi)) assert.ok(bytes.equals(byWasm[name]!), `chunk ${name} differs between the two encoders`);

    const base = join(dir, "store/_schema/lab/rec/id=1");
    const array = join(base, readdirSync(base).find((n) => n.endsWith(".zarr"))!);
    assert.equal(
      python(`import zarr, numpy as np
z = zarr.open("${array}", mode="r")
print(z.compressor.codec_id, (z[...] == np.load("${dir}/waves.npy")).all())`, "/usr/bin/python3"),
      "zstd True",
    );
    for (const [id, env] of [[1, portable], [2, { ...portable, DJ_ZSTD_NAPI: "0" }]] as const) {
      const out = `back-${id}.npy`;
      const f = await runDj(["fetch", "Rec", "--key", `id=${id}`, "--attr", "z", "--out", out], { cwd: dir, env });
      assert.equal(f.code, 0, f.stderr);
      assert.equal(python(`import numpy as np; print((np.load("${dir}/${out}") == np.load("${dir}/waves.npy")).all())`), "True");
    }
  });
});
