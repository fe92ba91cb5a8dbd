/**
 * The same array gets the same `_hash` path from dj as from DataJoint for Python: arrays
 * inserted into `<blob@>` with the built binary are stored at `_hash/{schema}/{hash}` where
 * `hash` is what DataJoint's own `blob.pack` bytes hash to (fixtures/blob-crosstool, made by
 * DataJoint for Python), and the stored object is those very bytes.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";

const fixtures = join(repoRoot, "tests/fixtures/blob-crosstool");
const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8"));

describe("<blob@> content addressing matches DataJoint for Python (embedded database, file store)", () => {
  const schema = schemaName("xhash");
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema, stores: { default: "main", main: { protocol: "file", location: "./store" } } },
      "p.dj": `schema ${schema}\n\nArray (manual)\n    name : varchar(32)\n    ---\n    value : <blob@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    const r = await dj("declare", "p.dj");
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => cleanup());

  for (const c of manifest.cases) {
    test(`${c.name}: stored at _hash/${"{schema}"}/${c.hash}, byte for byte DataJoint's blob`, async () => {
      copyFileSync(join(fixtures, `${c.name}.npy`), join(dir, `${c.name}.npy`));
      const ins = await dj("insert", "Array", "--key", `name=${c.name}`, "--from", `value=${c.name}.npy`);
      assert.equal(ins.code, 0, ins.stderr);
      assert.equal(ins.stderr, "");
      const f = await dj("fetch", "Array", "--key", `name=${c.name}`, "--json");
      assert.equal(f.code, 0, f.stderr);
      const meta = JSON.parse(f.stdout).rows[0].value;
      assert.equal(meta.hash, c.hash);
      assert.equal(meta.path, `_hash/${schema}/${c.hash}`);
      assert.equal(meta.size, c.size);
      const stored = join(dir, "store", meta.path);
      assert.ok(existsSync(stored));
      assert.ok(readFileSync(stored).equals(readFileSync(join(fixtures, `${c.name}.blob`))));
    });
  }
});
