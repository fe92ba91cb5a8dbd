/**
 * `.npy` headers read by NumPy's rules: every case of tests/helpers/npy-cases.ts is judged by
 * NumPy's own `np.load` in this test, and dj's reader must agree — the same dtype, shape, order
 * and values where NumPy reads the file, an input error (exit 7) where NumPy refuses it.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNpy } from "../../src/formats/npy.js";
import { readAll, reorder } from "../../src/formats/ndarray.js";
import { isDjError } from "../../src/errors.js";
import { caseFile, npyCases, numpyVerdicts, type NumpyVerdict } from "../helpers/npy-cases.js";
import { isPresent } from "../helpers/requires.js";

describe(".npy headers: dj agrees with np.load", { skip: !isPresent("numpy") && "NumPy for python3 is missing (python3 -m pip install numpy)" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "dj-npy-rules-"));
  let verdicts: Map<string, NumpyVerdict>;
  before(() => {
    verdicts = numpyVerdicts(dir, npyCases);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of npyCases) {
    test(c.name, async () => {
      const numpy = verdicts.get(c.name)!;
      let opened: Awaited<ReturnType<typeof openNpy>> | undefined;
      let refused: unknown;
      try {
        opened = await openNpy(caseFile(dir, npyCases, c));
      } catch (err) {
        refused = err;
      }
      if (c.djStricter) {
        assert.ok(numpy.ok, `the case assumes NumPy reads it: ${numpy.error}`);
        assert.ok(isDjError(refused, "input"), `dj should refuse: ${refused}`);
        assert.match((refused as Error).message, c.djStricter);
        return;
      }
      if (!numpy.ok) {
        await opened?.close?.();
        assert.ok(isDjError(refused, "input"), `NumPy refuses (${numpy.error}); dj ${opened ? `read shape ${JSON.stringify(opened.shape)}` : `threw ${refused}`}`);
        assert.match((refused as Error).message, /not a valid \.npy file|not supported|unsupported/);
        return;
      }
      assert.ok(opened, `NumPy reads it as ${numpy.dtype}${JSON.stringify(numpy.shape)}; dj refused: ${(refused as Error)?.message}`);
      try {
        assert.equal(opened.dtype.descr, numpy.dtype);
        assert.deepEqual(opened.shape, numpy.shape);
        let data = await readAll(opened);
        if (opened.order === "F") data = reorder(data, opened.shape, opened.dtype.itemsize, false);
        const values = [...new Float64Array(new Uint8Array(data).buffer)].slice(0, 100);
        assert.deepEqual(values, numpy.values);
      } finally {
        await opened.close?.();
      }
    });
  }
});
