import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { npyHeaderBytes, npyStream, openNpy } from "../../src/formats/npy.js";
import { byteSwap } from "../../src/formats/dtype.js";
import { readAll, reorder } from "../../src/formats/ndarray.js";
import { isDjError } from "../../src/errors.js";
import { fixturesDir } from "../helpers/cli.js";

const dir = join(fixturesDir, "npy");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "dj-npy-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

describe(".npy reader", () => {
  for (const c of manifest.cases.filter((x: any) => x.valid)) {
    test(`${c.file}: header and data`, async () => {
      const a = await openNpy(join(dir, c.file));
      assert.equal(a.dtype.descr, c.descr);
      assert.deepEqual(a.shape, c.shape);
      assert.equal(a.order, c.fortran_order ? "F" : "C");
      assert.equal(a.header.dataOffset, c.data_offset);
      let data = await readAll(a);
      if (a.order === "F") data = reorder(data, a.shape, a.dtype.itemsize, false);
      data = new Uint8Array(data);
      if (a.dtype.byteOrder === ">") byteSwap(data, a.dtype);
      assert.equal(createHash("sha256").update(data).digest("hex"), c.sha256_c_le);
      // Streaming in small pieces gives the same bytes as one read.
      const pieces: Uint8Array[] = [];
      for await (const p of a.chunks(7 * a.dtype.itemsize)) pieces.push(p);
      assert.deepEqual(Buffer.concat(pieces), Buffer.from(await readAll(a)));
      await a.close?.();
    });
  }

  for (const c of manifest.cases.filter((x: any) => !x.valid)) {
    test(`${c.file}: refused with exit 7 (${c.category})`, async () => {
      await assert.rejects(openNpy(join(dir, c.file)), (e) => {
        assert.ok(isDjError(e, "input"), String(e));
        assert.ok(e.message.includes(c.file), e.message);
        return true;
      });
    });
  }
});

describe(".npy writer", () => {
  for (const c of manifest.cases.filter((x: any) => x.valid && x.version[0] === 1)) {
    test(`${c.file}: header bytes as NumPy writes them, whole file byte-identical`, async () => {
      const a = await openNpy(join(dir, c.file));
      const header = Buffer.from(npyHeaderBytes(a.dtype, a.shape, a.order === "F"));
      assert.equal(header.subarray(10).toString("latin1"), c.header_text);
      const bytes = await collect(npyStream(a, 13));
      assert.equal(createHash("sha256").update(bytes).digest("hex"), c.file_sha256);
      await a.close?.();
    });
  }

  test("NumPy loads what the writer writes, identically", async () => {
    const files = manifest.cases.filter((x: any) => x.valid).map((x: any) => x.file);
    for (const f of files) {
      const a = await openNpy(join(dir, f));
      writeFileSync(join(tmp, f), await collect(npyStream(a)));
      await a.close?.();
    }
    const r = spawnSync("python3", ["-c", `
import numpy as np
bad = [f for f in ${JSON.stringify(files)} if not (lambda a, b: a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())(np.load("${dir}/" + f), np.load("${tmp}/" + f, allow_pickle=False))]
print(",".join(bad))`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "");
  });
});
