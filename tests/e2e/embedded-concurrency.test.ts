/**
 * The embedded database with several dj processes at once: 8 concurrent `dj insert` processes
 * (each writing a <npy@> object first, then its row) lose nothing; describe round-trips.
 */
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";

describe("embedded database", () => {
  const { dir, cleanup } = tempProject({
    "dj.config.json": { schema: "lab", stores: { default: "local", local: { protocol: "file", location: "./store" } } },
    "p.dj": "schema lab\n\nTrial (manual)\n    # one trial\n    trial : int32\n    ---\n    note = \"\" : varchar(64)  # free text\n    trace : <npy@>\n\nTrial.Sample (part)\n    -> master\n    k : int16\n    ---\n    v : float64\n",
  });
  mkdirSync(join(dir, "store"));
  after(cleanup);

  test("8 concurrent inserts: every row present, every object readable", async () => {
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/t.npy", np.arange(1000.0))`]);
    assert.equal(py.status, 0);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runDj(["insert", "Trial", "--key", `trial=${i}`, "--from", "t.npy", "--set", `note=n${i}`], { cwd: dir })),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse((await runDj(["fetch", "Trial", "--json"], { cwd: dir })).stdout).rows;
    assert.deepEqual(rows.map((r: any) => r.trial).sort((a: number, b: number) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    const out = await runDj(["fetch", "Trial", "--out", "out"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim().split("\n").length, 8);
  });

  test("describe round-trips through declare into another schema", async () => {
    const d = await runDj(["describe", "--schema", "lab"], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Trial\.Sample \(part\)\n    -> master\n    k : int16/);
    writeFile(dir, "copy.dj", d.stdout.replace("schema lab", "schema copy"));
    assert.equal((await runDj(["declare", "copy.dj"], { cwd: dir })).code, 0);
    const again = await runDj(["describe", "--schema", "copy"], { cwd: dir });
    assert.equal(again.stdout.replace("schema copy", "schema lab"), d.stdout);
    const redeclare = await runDj(["declare", "copy.dj", "--json"], { cwd: dir });
    assert.deepEqual([...new Set(JSON.parse(redeclare.stdout).tables.map((t: any) => t.status))], ["exists"]);
  });
});
