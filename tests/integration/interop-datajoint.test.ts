/**
 * Rows and store objects that DataJoint for Python wrote (fixtures/datajoint), loaded into the
 * reference pipeline as dj declares it, are fetched by dj with the right values.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { openNpy } from "../../src/formats/npy.js";
import { readAll } from "../../src/formats/ndarray.js";
import { fixturesDir, repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";

const rowsFixture = JSON.parse(readFileSync(join(fixturesDir, "datajoint/rows.json"), "utf8"));
const inputs = rowsFixture.inputs.recording as any[];

async function shaCle(path: string): Promise<string> {
  const a = await openNpy(path);
  const data = await readAll(a);
  await a.close?.();
  return createHash("sha256").update(data).digest("hex");
}

describe("dj fetches what DataJoint for Python stored", () => {
  const schema = schemaName("interop");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: databaseSection,
        stores: { default: "main", main: { protocol: "file", location: join(fixturesDir, "datajoint/store") } },
      },
    }));
    const r = await runDj(["declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    // Load DataJoint's rows verbatim (JSON text as stored, blobs and uuids from hex).
    for (const table of ["#species", "subject", "session", "recording", "recording__channel", "#rig_config"]) {
      const t = rowsFixture.tables[table];
      for (const row of t.rows) {
        const cols = Object.keys(row);
        const values = cols.map((c) => {
          const v = row[c];
          if (v && typeof v === "object" && "hex" in v) return Buffer.from(v.hex, "hex");
          if (v && typeof v === "object" && "iso" in v) return String(v.iso).replace("T", " ");
          return v;
        });
        await conn.query(`INSERT INTO \`${schema}\`.\`${table}\` (${cols.map((c) => `\`${c}\``).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, values);
      }
    }
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  for (const input of inputs) {
    const key = ["--key", `subject_id=${input.subject_id}`, "--key", `session_idx=${input.session_idx}`, "--key", `recording_id=${input.recording_id}`];
    test(`recording ${input.recording_id}: every codec value`, async () => {
      const out = join(dir, `out${input.recording_id}`);
      const r = await runDj(["fetch", `${schema}.Recording`, ...key, "--out", out], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const folder = join(out, `subject_id=${input.subject_id}`, `session_idx=${input.session_idx}`, `recording_id=${input.recording_id}`);
      assert.equal(await shaCle(join(folder, "waveform.npy")), input.waveform.sha256_c_le, "<npy@> waveform");
      assert.equal(await shaCle(join(folder, "raw.npy")), input.raw.sha256_c_le, "<blob@> raw (ZL123-compressed for row 1)");
      const att = readFileSync(join(folder, "attachment", input.attachment.filename));
      assert.equal(att.toString("hex"), input.attachment.content_hex, "<attach@> restores its file name");
      const objHex = input.obj.bytes_hex ?? input.obj.tuple[1];
      const objFile = join(folder, `obj${input.obj.tuple ? input.obj.tuple[0] : ""}`);
      assert.equal(readFileSync(objFile).toString("hex"), objHex, "<object@>");
      assert.equal(readFileSync(join(folder, "sha.bin")).toString("hex"), input.sha.bytes_hex, "<hash@>");
      if (input.recording_id === 7) {
        const params = await openNpy(join(folder, "params.npy"));
        assert.deepEqual(params.shape, [2, 2]);
        assert.deepEqual([...new Float64Array((await readAll(params)).slice().buffer)], [1, 2, 3, 4], "<blob> inline, column-major in the blob");
        await params.close?.();
      } else {
        const params = JSON.parse(readFileSync(join(folder, "params.json"), "utf8"));
        assert.deepEqual(params, { fs: 30000, band: [300, 6000], name: "hp" });
      }
    });
  }

  test("rows print with metadata summaries, and --json gives the stored metadata and plain values", async () => {
    const r = await runDj(["fetch", `${schema}.Recording`, "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout).rows;
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0].waveform, { path: "_schema/djgold/recording/subject_id=1/session_idx=1/recording_id=1/waveform_wLgeOeiQ.npy", store: "main", dtype: "float32", shape: [4, 100] });
    assert.deepEqual(rows[0].meta, inputs[0].meta);
    assert.equal(rows[0].uid, inputs[0].uid);
    const table = await runDj(["fetch", `${schema}.Recording`], { cwd: dir });
    assert.match(table.stdout, /float32\[4,100\]/);
    assert.match(table.stdout, /int16\[2,50\]/);
  });
});
