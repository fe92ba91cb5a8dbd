/**
 * `<zarr@>` with Blosc-lz4 and no native addon (DJ_ZARR_NATIVE=0), through the built binary: the
 * chunk files dj writes are the bytes Python's numcodecs writes (on one thread) for the same
 * chunk contents and element size, for float32, int16 and float64 arrays, with byte shuffle, no
 * shuffle, and numcodecs' AUTOSHUFFLE (-1); Python's zarr reads each array back exactly.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";
import { debianPython as python } from "../helpers/python.js";

describe("<zarr@> with Blosc-lz4 on the portable encoder", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  let cleanup: () => void;
  const config = (compressor: object) => ({
    schema: "lab",
    stores: { default: "local", local: { protocol: "file", location: "./store" } },
    codecs: { zarr: { compressor, chunks: [1000, 16] } },
  });
  before(() => {
    ({ dir, cleanup } = tempProject({ "p.dj": "schema lab\n\nRec (manual)\n    id : int32\n    ---\n    z : <zarr@>\n" }));
    mkdirSync(join(dir, "node_modules"));
    mkdirSync(join(dir, "store"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    // Partial chunks in both axes (4321 x 40 in chunks of 1000 x 16).
    python(`import numpy as np
rng = np.random.default_rng(5)
w = np.sin(np.arange(4321 * 40).reshape(4321, 40) / 30) * 100 + rng.standard_normal((4321, 40))
np.save("${dir}/f4.npy", w.astype("<f4"))
np.save("${dir}/i2.npy", (w * 10).astype("<i2"))
np.save("${dir}/f8.npy", np.cumsum(w, axis=0))`);
  });
  after(() => cleanup());

  const cases = [
    { id: 1, file: "f4.npy", compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } },
    { id: 2, file: "i2.npy", compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } },
    { id: 3, file: "f8.npy", compressor: { id: "blosc", cname: "lz4", clevel: 9, shuffle: 1 } },
    { id: 4, file: "f4.npy", compressor: { id: "blosc", cname: "lz4", clevel: 3, shuffle: 0 } },
    { id: 5, file: "f4.npy", compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: -1 } },
  ];

  /** Per array: id, shuffle in .zarray, chunk files, how many are numcodecs' bytes, whether zarr reads it back. */
  const checkWithNumcodecs = (list: Array<{ id: number; file: string }>): string[] => {
    const arrays = list.map((c) => {
      const base = join(dir, "store/_schema/lab/rec", `id=${c.id}`);
      return { ...c, path: join(base, readdirSync(base).find((n) => n.endsWith(".zarr"))!) };
    });
    // Python decodes each of dj's chunks, encodes the contents again with numcodecs (one thread,
    // the array's element size, the array's own compressor config) and compares the bytes.
    return python(`import json, os, numpy as np, numcodecs, zarr
numcodecs.blosc.use_threads = False
for a in json.loads('${JSON.stringify(arrays)}'):
    z = zarr.open(a["path"], mode="r")
    codec = numcodecs.get_codec(z.compressor.get_config())
    names = sorted(n for n in os.listdir(a["path"]) if n[0].isdigit())
    same = 0
    for n in names:
        chunk = open(os.path.join(a["path"], n), "rb").read()
        contents = np.frombuffer(codec.decode(chunk), dtype=z.dtype)
        same += bytes(codec.encode(contents)) == chunk
    print(a["id"], z.compressor.shuffle, len(names), same, bool((z[...] == np.load(os.path.join("${dir}", a["file"]))).all()))`).split("\n");
  };

  test("every chunk file is numcodecs' encoding of its contents, and zarr reads the arrays", async () => {
    writeFileSync(join(dir, "dj.config.json"), JSON.stringify(config(cases[0]!.compressor)));
    const declared = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(declared.code, 0, declared.stderr);
    for (const c of cases) {
      writeFileSync(join(dir, "dj.config.json"), JSON.stringify(config(c.compressor)));
      const r = await runDj(["insert", "Rec", "--key", `id=${c.id}`, "--from", `z=${c.file}`], { cwd: dir, env: { DJ_ZARR_NATIVE: "0" } });
      assert.equal(r.code, 0, r.stderr);
    }
    const out = checkWithNumcodecs(cases);
    assert.deepEqual(out, ["1 1 15 15 True", "2 1 15 15 True", "3 1 15 15 True", "4 0 15 15 True", "5 -1 15 15 True"]);
  });

  test("the native addon takes numcodecs' AUTOSHUFFLE (-1) too, with the same bytes", { skip: skipWithout("nativeAddon") }, async () => {
    writeFileSync(join(dir, "dj.config.json"), JSON.stringify(config({ id: "blosc", cname: "lz4", clevel: 5, shuffle: -1 })));
    const r = await runDj(["insert", "Rec", "--key", "id=6", "--from", "z=f4.npy"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(checkWithNumcodecs([{ id: 6, file: "f4.npy" }]), ["6 -1 15 15 True"]);
  });
});
