/**
 * dj gc on DataJoint's own store (fixtures/datajoint, copied): with DataJoint's rows loaded it
 * finds exactly what DataJoint's collector finds (nothing — every object is referenced); planted
 * orphans are found and removed, live objects never; young objects and failed scans are safe.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fixturesDir, repoRoot, runDj, tempProject } from "../helpers/cli.js";

const rowsFixture = JSON.parse(readFileSync(join(fixturesDir, "datajoint/rows.json"), "utf8"));
const tree = JSON.parse(readFileSync(join(fixturesDir, "datajoint/store-tree.json"), "utf8"));

describe("dj gc", () => {
  const { dir, cleanup } = tempProject({ "dj.config.json": { schema: "djgold", stores: { default: "main", main: { protocol: "file", location: "./store" } } } });
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const old = new Date(Date.now() - 3 * 3600_000);
  const gcJson = async (...a: string[]) => {
    const r = await dj("gc", "--schema", "djgold", "--json", ...a);
    return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
  };
  before(async () => {
    cpSync(join(fixturesDir, "datajoint/store"), join(dir, "store"), { recursive: true });
    for (const f of tree.files) utimesSync(join(dir, "store", f.path), old, old);
    assert.equal((await dj("declare", join(repoRoot, "examples/pipeline.dj"), "--schema", "djgold")).code, 0);
    // DataJoint's rows, verbatim, into the embedded database.
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const db = new Database(join(dir, ".dj/djgold.sqlite"));
    for (const table of ["#species", "subject", "session", "recording", "recording__channel"]) {
      for (const row of rowsFixture.tables[table].rows) {
        const cols = Object.keys(row);
        const vals = cols.map((c) => {
          const v = row[c];
          if (v && typeof v === "object" && "hex" in v) return Buffer.from(v.hex, "hex");
          if (v && typeof v === "object" && "iso" in v) return String(v.iso).replace("T", " ");
          return v;
        });
        db.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...vals);
      }
    }
    db.close();
  });
  after(cleanup);

  test("finds what DataJoint's collector finds on DataJoint's store: nothing orphaned", async () => {
    const { code, report } = await gcJson("--dry-run", "--min-age", "0");
    assert.equal(code, 0);
    assert.deepEqual(
      [report.hash_paths_stored, report.hash_paths_referenced, report.hash_paths_orphaned, report.schema_paths_stored, report.schema_paths_orphaned],
      [5, 5, 0, 4, 0],
    );
    assert.deepEqual(report.scan_errors, []);
  });

  test("planted orphans are found and removed; live objects stay and still decode", async () => {
    const hashOrphan = "_hash/djgold/aaaaaaaaaaaaaaaaaaaaaaaaaa";
    const schemaOrphan = "_schema/djgold/recording/subject_id=1/session_idx=1/recording_id=9/waveform_ZZZZZZZZ.npy";
    const notCandidate = "_hash/djgold/README.txt";
    for (const p of [hashOrphan, schemaOrphan, notCandidate]) {
      cpSync(join(fixturesDir, "datajoint/store", tree.files[0].path), join(dir, "store", p), { recursive: true });
      utimesSync(join(dir, "store", p), old, old);
    }
    const dry = await gcJson("--dry-run", "--min-age", "0");
    assert.deepEqual(dry.report.orphaned_hash_paths, [hashOrphan]);
    assert.deepEqual(dry.report.orphaned_schema_paths, [schemaOrphan]);
    assert.equal(dry.report.deleted, 0);
    const run = await gcJson(); // default --min-age 1h: these are 3 hours old
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.report.deleted, 2);
    const after = await gcJson("--dry-run", "--min-age", "0");
    assert.equal(after.report.hash_paths_orphaned + after.report.schema_paths_orphaned, 0);
    const f = await dj("fetch", "Recording", "--out", "out");
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stdout.trim().split("\n").length, 12);
  });

  test("young objects are kept; a failed scan refuses to delete (exit 5)", async () => {
    writeFileSync(join(dir, "store/_hash/djgold/bbbbbbbbbbbbbbbbbbbbbbbbbb"), "fresh");
    const young = await gcJson("--min-age", "1h");
    assert.equal(young.report.deleted, 0);
    assert.equal(young.report.skipped_young, 1);
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const db = new Database(join(dir, ".dj/djgold.sqlite"));
    const h = JSON.parse(db.prepare(`SELECT heading FROM "~dj_heading" WHERE table_name = '__spectrum'`).get().heading);
    h.attributes.find((a: any) => a.name === "power").type = "<mystery@main>";
    h.attributes.find((a: any) => a.name === "power").codec = { name: "mystery", store: "main" };
    db.prepare(`UPDATE "~dj_heading" SET heading = ? WHERE table_name = '__spectrum'`).run(JSON.stringify(h));
    db.close();
    const r = await dj("gc", "--schema", "djgold", "--min-age", "0");
    assert.equal(r.code, 5);
    assert.match(r.stderr, /Refusing to delete: 1 scan error/);
    assert.match(r.stderr, /mystery/);
  });
});
