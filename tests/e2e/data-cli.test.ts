/**
 * The main job end to end with the built binary — declare, insert from .npy, fetch back — on a
 * file store and on S3 (s3rver), with <zarr@> discovered as a plugin package; every built-in
 * codec from the shell; failed inserts leave nothing behind.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, repoRoot, runDj, tempProject, writeFile } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { dialects } from "../helpers/dialects.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { FileStore } from "../../src/stores/file.js";
import { S3Store } from "../../src/stores/s3.js";
import type { Store } from "../../src/stores/types.js";
import { skipRestWithout } from "../helpers/requires.js";

function numpy(script: string, python = "python3"): string {
  const r = spawnSync(python, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function keys(store: Store, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

for (const dialect of dialects)
describe(`dj insert / fetch (${dialect.name})`, () => {
  const schema = schemaName("data");
  let srv: S3Server;
  let dir: string;
  let cleanup: () => void;
  let local: FileStore;
  let remote: S3Store;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });

  /** Rows as dj prints them with --json (codec columns as their stored metadata). */
  const rowsOf = async (table: string, ...key: string[]) => {
    const r = await dj("fetch", table, ...key.flatMap((k) => ["--key", k]), "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).rows as any[];
  };

  before(async () => {
    srv = await startS3rver("data-bucket");
    const s3 = srv.spec();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        ...(dialect.database ? { database: dialect.database } : {}),
        schema,
        stores: {
          default: "local",
          local: { protocol: "file", location: "./store" },
          remote: { protocol: "s3", endpoint: s3.endpoint, bucket: s3.bucket, location: "dj", access_key: s3.access_key, secret_key: s3.secret_key, secure: false },
        },
        requiredCodecs: ["zarr"],
      },
      "pipeline.dj": `schema ${schema}

Subject (manual)
    subject_id : int32
    ---
    name = "" : varchar(32)

Recording (manual)
    -> Subject
    recording_id : int32
    ---
    waveform : <zarr@>          # multichannel waveform
    arr = null : <npy@>
    params = null : <blob>
    raw = null : <blob@>
    att = null : <attach@>
    obj = null : <object@>
    sha = null : <hash@>

Remote (manual)
    rid : int32
    ---
    waveform : <zarr@remote>
    arr = null : <npy@remote>
`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    local = new FileStore("local", join(dir, "store"));
    remote = new S3Store("remote", srv.spec());
    numpy(`import numpy as np; rng = np.random.default_rng(7)
np.save("${dir}/waves.npy", rng.standard_normal((3000, 32)).astype("float32"))
np.save("${dir}/ints.npy", np.arange(24, dtype="<i2").reshape(2, 3, 4))
np.save("${dir}/fortran.npy", np.asfortranarray(rng.standard_normal((5, 7))))`);
    writeFileSync(join(dir, "notes.txt"), "some notes\n");
    mkdirSync(join(dir, "folder/sub"), { recursive: true });
    writeFileSync(join(dir, "folder/a.txt"), "A");
    writeFileSync(join(dir, "folder/sub/b.txt"), "BB");
    const r = await dj("declare", "pipeline.dj");
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await dj("insert", "Subject", "--key", "subject_id=1", "--set", "name=mouse")).code, 0);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    await remote.close();
    await srv.stop();
    cleanup();
  });

  test("codecs check --required passes with the plugin installed in the project", async () => {
    const r = await dj("codecs", "check", "--required");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok\s+zarr \(dj-zarr-codecs@/);
  });

  test("the main job on the file store: --from routes the .npy to the Zarr attribute; Python reads it", async (t) => {
    const ins = await dj("insert", "Recording", "--from", "waves.npy", "--key", "subject_id=1", "--key", "recording_id=1");
    assert.equal(ins.code, 0, ins.stderr);
    assert.match(ins.stdout, /^inserted \S+\.Recording \(subject_id=1, recording_id=1\)/);
    const f = await dj("fetch", "Recording", "--key", "recording_id=1", "--attr", "waveform", "--out", "w.npy");
    assert.equal(f.code, 0, f.stderr);
    const zarrPath = (await keys(local, `_schema/${schema}/recording/subject_id=1/recording_id=1`)).find((k) => k.endsWith(".zarray"))!.replace(/\/\.zarray$/, "");
    assert.match(zarrPath, new RegExp(`^_schema/${schema}/recording/subject_id=1/recording_id=1/waveform_[A-Za-z0-9_-]{8}\\.zarr$`));
    if (skipRestWithout(t, "pythonZarr")) return;
    assert.equal(
      numpy(`import zarr, numpy as np
a = np.load("${dir}/waves.npy"); z = zarr.open("${dir}/store/${zarrPath}", mode="r")
print(z.shape == a.shape and z.dtype == a.dtype and (z[...] == a).all() and (np.load("${dir}/w.npy") == a).all())`, "/usr/bin/python3"),
      "True",
    );
  });

  test("every built-in codec from the shell, fetched back", async () => {
    const ins = await dj(
      "insert", "Recording", "--key", "subject_id=1", "--key", "recording_id=2",
      "--from", "waveform=ints.npy", "--from", "arr=fortran.npy", "--from", "params=ints.npy",
      "--set", 'raw={"fs": 30000.0, "band": [300, 6000]}', "--from", "att=notes.txt", "--from", "obj=folder", "--from", "sha=notes.txt",
    );
    assert.equal(ins.code, 0, ins.stderr);
    const out = join(dir, "out2");
    const f = await dj("fetch", "Recording", "--key", "recording_id=2", "--out", out);
    assert.equal(f.code, 0, f.stderr);
    const folder = join(out, "subject_id=1", "recording_id=2");
    assert.deepEqual(readdirSync(folder).sort(), ["arr.npy", "att", "obj", "params.npy", "raw.json", "sha.bin", "waveform.npy"]);
    assert.equal(
      numpy(`import numpy as np, json
i = np.load("${dir}/ints.npy"); fo = np.load("${dir}/fortran.npy")
ok = (np.load("${folder}/waveform.npy") == i).all() and (np.load("${folder}/params.npy") == i).all()
ok = ok and (np.load("${folder}/arr.npy") == fo).all()
ok = ok and json.load(open("${folder}/raw.json")) == {"fs": 30000.0, "band": [300, 6000]}
ok = ok and open("${folder}/att/notes.txt").read() == "some notes\\n" and open("${folder}/sha.bin").read() == "some notes\\n"
ok = ok and open("${folder}/obj/a.txt").read() == "A" and open("${folder}/obj/sub/b.txt").read() == "BB"
print(ok)`),
      "True",
    );
    // DataJoint's JSON key sets, with the resolved store name.
    const [row] = await rowsOf("Recording", "recording_id=2");
    // jsonb keeps its own key order (PostgreSQL re-serialises JSON): there only the key sets compare.
    const order = (keys: string[]) => (dialect.name === "postgresql" ? [...keys].sort() : keys);
    assert.deepEqual(order(Object.keys(row.arr)), order(["path", "store", "dtype", "shape"]));
    assert.deepEqual(order(Object.keys(row.raw)), order(["hash", "path", "schema", "store", "size"]));
    assert.deepEqual(order(Object.keys(row.obj)), order(["path", "store", "size", "ext", "is_dir", "item_count", "timestamp"]));
    assert.equal(row.sha.store, "local");
    assert.equal(row.att.path, `_hash/${schema}/${row.att.hash}`);
    assert.ok(await local.exists(`${row.obj.path}.manifest.json`));
  });

  test("without the native codecs (DJ_ZARR_NATIVE=0) the same command writes an array Python reads", async (t) => {
    const ins = await runDj(["insert", "Recording", "--from", "waves.npy", "--key", "subject_id=1", "--key", "recording_id=7"], { cwd: dir, env: { DJ_ZARR_NATIVE: "0" } });
    assert.equal(ins.code, 0, ins.stderr);
    const zarrPath = (await keys(local, `_schema/${schema}/recording/subject_id=1/recording_id=7`)).find((k) => k.endsWith(".zarray"))!.replace(/\/\.zarray$/, "");
    if (skipRestWithout(t, "pythonZarr")) return;
    assert.equal(
      numpy(`import zarr, numpy as np
z = zarr.open("${dir}/store/${zarrPath}", mode="r")
print(z.compressor.codec_id, (z[...] == np.load("${dir}/waves.npy")).all())`, "/usr/bin/python3"),
      "blosc True",
    );
  });

  test("the main job on S3 (s3rver)", async (t) => {
    const ins = await dj("insert", "Remote", "--from", "waveform=waves.npy", "--from", "arr=ints.npy", "--key", "rid=1");
    assert.equal(ins.code, 0, ins.stderr);
    const stored = await keys(remote, `_schema/${schema}/remote/rid=1`);
    assert.ok(stored.some((k) => k.endsWith(".zarr/.zarray")), stored.join("\n"));
    const f = await dj("fetch", "Remote", "--key", "rid=1", "--attr", "waveform", "--out", "r.npy");
    assert.equal(f.code, 0, f.stderr);
    const z = await dj("fetch", "Remote", "--key", "rid=1", "--attr", "waveform", "--format", "zarr", "--out", "copy.zarr");
    assert.equal(z.code, 0, z.stderr);
    if (skipRestWithout(t, "pythonZarr")) return;
    assert.equal(
      numpy(`import zarr, numpy as np
a = np.load("${dir}/waves.npy")
print((np.load("${dir}/r.npy") == a).all() and (zarr.open("${dir}/copy.zarr", mode="r")[...] == a).all())`, "/usr/bin/python3"),
      "True",
    );
  });

  test("a failed row insert removes the objects it wrote; bad input changes nothing", async () => {
    const before = { local: await keys(local), remote: await keys(remote) };
    const rowsBefore = (await rowsOf("Recording")).length;
    // No Subject 99: the foreign key fails after the Zarr and .npy objects were written.
    const fk = await dj("insert", "Recording", "--key", "subject_id=99", "--key", "recording_id=1", "--from", "waveform=waves.npy", "--from", "arr=ints.npy");
    assert.equal(fk.code, 4, fk.stderr);
    assert.match(fk.stderr, /^dj: the referenced parent row does not exist/m);
    const dup = await dj("insert", "Recording", "--key", "subject_id=1", "--key", "recording_id=1", "--from", "waveform=waves.npy");
    assert.equal(dup.code, 8);
    assert.match(dup.stderr, /duplicate entry/);
    const skip = await dj("insert", "Recording", "--key", "subject_id=1", "--key", "recording_id=1", "--from", "waveform=waves.npy", "--skip-duplicates");
    assert.equal(skip.code, 0);
    assert.match(skip.stdout, /^skipped/);
    const bad = await dj("insert", "Recording", "--key", "subject_id=1", "--key", "recording_id=5", "--from", `waveform=${join(fixturesDir, "npy/bad_truncated_data.npy")}`);
    assert.equal(bad.code, 7);
    assert.match(bad.stderr, /truncated \.npy file/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const badKey = await dj("insert", "Recording", "--key", "subject_id=abc", "--key", "recording_id=5", "--from", "waves.npy");
    assert.equal(badKey.code, 7);
    const several = await dj("insert", "Recording", "--key", "subject_id=1", "--key", "recording_id=6", "--from", "ints.npy", "--from", "waves.npy");
    assert.equal(several.code, 2);
    assert.match(several.stderr, /several attributes could take it/);
    assert.deepEqual({ local: await keys(local), remote: await keys(remote) }, before);
    assert.equal((await rowsOf("Recording")).length, rowsBefore);
  });

  test("rows files (.jsonl with @file references, .csv) and delete with part rows / --cascade", async () => {
    writeFile(dir, "rows/subjects.csv", 'subject_id,name\n2,"rat, large"\n3,hamster\n');
    writeFile(dir, "rows/recs.jsonl", `{"subject_id": 2, "recording_id": 1, "waveform": "@../ints.npy"}\n{"subject_id": 3, "recording_id": 1, "waveform": "@../ints.npy"}\n`);
    const s = await dj("insert", "Subject", "--rows", "rows/subjects.csv");
    assert.equal(s.code, 0, s.stderr);
    const r = await dj("insert", "Recording", "--rows", "rows/recs.jsonl", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).inserted, 2);
    // A batch with one bad row keeps nothing of the batch: no rows, no objects.
    const before = { rows: (await rowsOf("Recording")).length, local: await keys(local) };
    writeFile(dir, "rows/bad.jsonl", `{"subject_id": 3, "recording_id": 2, "waveform": "@../ints.npy"}\n{"subject_id": 77, "recording_id": 1, "waveform": "@../ints.npy"}\n`);
    const bad = await dj("insert", "Recording", "--rows", "rows/bad.jsonl");
    assert.equal(bad.code, 4, bad.stderr);
    assert.match(bad.stderr, /nothing of rows 1–2 was kept/);
    assert.deepEqual({ rows: (await rowsOf("Recording")).length, local: await keys(local) }, before);
    const refused = await dj("delete", "Subject", "--key", "subject_id=2", "--force");
    assert.equal(refused.code, 8);
    assert.match(refused.stderr, /recording \(1 row\)/);
    const cascade = await dj("delete", "Subject", "--key", "subject_id=2", "--force", "--cascade", "--json");
    assert.equal(cascade.code, 0, cascade.stderr);
    assert.deepEqual(JSON.parse(cascade.stdout).deleted.map((d: any) => [d.table, d.rows]).sort(), [["recording", 1], ["subject", 1]]);
  });
});
