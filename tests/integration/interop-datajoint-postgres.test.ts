/**
 * Rows and store objects that DataJoint for Python wrote on PostgreSQL (rows-postgresql.json,
 * store-postgresql/), loaded into the reference pipeline as dj declares it on PostgreSQL, are
 * fetched by dj with the right values — including the uuid and in-table <attach> values that
 * DataJoint itself fails to insert or fetch there (errors-postgresql.json).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { openNpy } from "../../src/formats/npy.js";
import { readAll } from "../../src/formats/ndarray.js";
import { fixturesDir, repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { pgConnect, pgDatabaseSection, pgDropSchemas, pgSchemaName } from "../helpers/pg.js";

const fixture = (f: string) => JSON.parse(readFileSync(join(fixturesDir, "datajoint", f), "utf8"));
const rowsFixture = fixture("rows-postgresql.json");
const inputs = rowsFixture.inputs.recording as any[];

async function shaCle(path: string): Promise<string> {
  const a = await openNpy(path);
  const data = await readAll(a);
  await a.close?.();
  return createHash("sha256").update(data).digest("hex");
}

describe("dj fetches what DataJoint for Python stored on PostgreSQL", () => {
  const schema = pgSchemaName("pginterop");
  let client: pg.Client;
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  before(async () => {
    client = await pgConnect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: pgDatabaseSection,
        stores: { default: "main", main: { protocol: "file", location: join(fixturesDir, "datajoint/store-postgresql") } },
      },
    }));
    const r = await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", schema);
    assert.equal(r.code, 0, r.stderr);
    // DataJoint's rows as psycopg2 returned them: JSON as jsonb's text, bytea from hex, dates as ISO text.
    for (const table of ["#species", "subject", "session", "recording", "recording__channel", "#rig_config"]) {
      for (const row of rowsFixture.tables[table].rows) {
        const cols = Object.keys(row);
        const values = cols.map((c) => {
          const v = row[c];
          if (v && typeof v === "object" && "hex" in v) return Buffer.from(v.hex, "hex");
          if (v && typeof v === "object" && "iso" in v) return String(v.iso).replace("T", " ");
          return v;
        });
        await client.query(`INSERT INTO "${schema}"."${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, values);
      }
    }
  });
  after(async () => {
    await pgDropSchemas(client, schema);
    await client.end();
    cleanup();
  });

  for (const input of inputs) {
    const key = ["--key", `subject_id=${input.subject_id}`, "--key", `session_idx=${input.session_idx}`, "--key", `recording_id=${input.recording_id}`];
    test(`recording ${input.recording_id}: every codec value`, async () => {
      const out = join(dir, `out${input.recording_id}`);
      const r = await dj("fetch", `${schema}.Recording`, ...key, "--out", out);
      assert.equal(r.code, 0, r.stderr);
      const folder = join(out, `subject_id=${input.subject_id}`, `session_idx=${input.session_idx}`, `recording_id=${input.recording_id}`);
      assert.equal(await shaCle(join(folder, "waveform.npy")), input.waveform.sha256_c_le, "<npy@> waveform");
      assert.equal(await shaCle(join(folder, "raw.npy")), input.raw.sha256_c_le, "<blob@> raw (ZL123-compressed for row 1)");
      const att = readFileSync(join(folder, "attachment", input.attachment.filename));
      assert.equal(att.toString("hex"), input.attachment.content_hex, "<attach@> restores its file name");
      const objHex = input.obj.bytes_hex ?? input.obj.tuple[1];
      assert.equal(readFileSync(join(folder, `obj${input.obj.tuple ? input.obj.tuple[0] : ""}`)).toString("hex"), objHex, "<object@>");
      assert.equal(readFileSync(join(folder, "sha.bin")).toString("hex"), input.sha.bytes_hex, "<hash@>");
      if (input.recording_id === 7) {
        const params = await openNpy(join(folder, "params.npy"));
        assert.deepEqual(params.shape, [2, 2]);
        assert.deepEqual([...new Float64Array((await readAll(params)).slice().buffer)], [1, 2, 3, 4], "<blob> inline");
        await params.close?.();
      } else {
        assert.deepEqual(JSON.parse(readFileSync(join(folder, "params.json"), "utf8")), { fs: 30000, band: [300, 6000], name: "hp" });
      }
    });
  }

  test("--json gives the stored metadata (parsed: jsonb re-orders keys), the uuid DataJoint cannot fetch, plain values", async () => {
    const r = await dj("fetch", `${schema}.Recording`, "--json");
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout).rows;
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0].waveform, JSON.parse(rowsFixture.tables.recording.rows[0].waveform));
    assert.deepEqual(rows[0].meta, inputs[0].meta);
    assert.equal(rows[0].uid, "12345678-1234-5678-9abc-def012345678");
    assert.equal(rows[1].uid, null);
    const s = await dj("fetch", `${schema}.Session`, "--json");
    assert.deepEqual(JSON.parse(s.stdout).rows.map((x: any) => [x.session_idx, x.session_time, x.operator]), [
      [1, "2024-06-01 09:30:00", "alice"],
      [2, "2024-06-02 14:05:07", null],
    ]);
    const subj = await dj("fetch", `${schema}.Subject`, "--json");
    assert.deepEqual(JSON.parse(subj.stdout).rows.map((x: any) => [x.subject_id, x.species, x.date_of_birth, x.sex, x.notes]), [
      [1, "mouse", "2024-01-15", "F", "first"],
      [2, "rat", "2023-12-31", "M", ""],
    ]);
    const table = await dj("fetch", `${schema}.Recording`);
    assert.match(table.stdout, /float32\[4,100\]/);
    assert.match(table.stdout, /int16\[2,50\]/);
  });

  test("where DataJoint fails on PostgreSQL, dj works: uuid insert and fetch, in-table <attach> insert and fetch", async () => {
    // errors-postgresql.json: uuid insert (DatatypeMismatch), uuid fetch (ValueError), <attach> fetch (AttributeError).
    const errors = fixture("errors-postgresql.json").codec_probe as any[];
    assert.equal(errors.find((p) => p.type === "uuid").insert, "error");
    assert.equal(errors.find((p) => p.type === "<attach>").fetch, "error");
    writeFile(dir, "probe.dj", `schema ${schema}\n\nProbe (manual)\n    probe_id : int32\n    ---\n    u = null : uuid\n    a = null : <attach>\n`);
    writeFile(dir, "hello.txt", "hello, attach\n");
    assert.equal((await dj("declare", "probe.dj")).code, 0);
    const ins = await dj("insert", `${schema}.Probe`, "--key", "probe_id=1", "--set", "u=0f0e0d0c-0b0a-0908-0706-050403020100", "--from", "a=hello.txt");
    assert.equal(ins.code, 0, ins.stderr);
    const { rows } = await client.query(`SELECT u::text AS u, a FROM "${schema}"."probe"`);
    assert.equal(rows[0].u, "0f0e0d0c-0b0a-0908-0706-050403020100", "stored as PostgreSQL's uuid");
    assert.equal(rows[0].a.toString("latin1"), "hello.txt\0hello, attach\n", "DataJoint's in-table attach layout: name, NUL, content");
    const byKey = await dj("fetch", `${schema}.Probe`, "--key", "u=0f0e0d0c-0b0a-0908-0706-050403020100", "--json");
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.equal(JSON.parse(byKey.stdout).rows[0].u, "0f0e0d0c-0b0a-0908-0706-050403020100");
    const out = join(dir, "probe-out");
    mkdirSync(out);
    const f = await dj("fetch", `${schema}.Probe`, "--key", "probe_id=1", "--out", out);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(readdirSync(join(out, "probe_id=1", "a")), ["hello.txt"]);
    assert.equal(readFileSync(join(out, "probe_id=1", "a", "hello.txt"), "utf8"), "hello, attach\n");
  });
});
