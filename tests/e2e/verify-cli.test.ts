/**
 * `dj verify` through the built binary, on the embedded database, MariaDB and PostgreSQL: a clean schema
 * exits 0; damage of each kind planted by hand in the file store — an object deleted, one
 * truncated, a `_hash` object's bytes altered, an `.npy` header rewritten with another shape, a
 * `.zarray` edited, one Zarr chunk corrupted (found only with --deep), a blob that no longer
 * unpacks (--deep) — is reported by row key, attribute, store path and what is wrong, in text and
 * in --json, with exit 5; verify itself changes nothing. Plugin codecs (photon, a codec without a
 * hook, one not installed) and an S3 store (s3rver) too.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { repoRoot, runDj, tempProject, writePlugin } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { pgConnect } from "../helpers/pg.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { S3Store } from "../../src/stores/s3.js";

function numpy(script: string): void {
  const r = spawnSync("python3", ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

const ROWS = [1, 2, 3, 4, 5, 6, 7];

for (const dialect of dialects)
describe(`dj verify (${dialect.name})`, () => {
  const schema = schemaName("verify");
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  /** Each row's stored metadata by attribute, as `dj fetch --json` prints it. */
  const meta: Record<number, Record<string, { path: string; hash?: string }>> = {};
  const storeFile = (path: string) => join(dir, "store", path);
  /** Every file of the store with its size and modification time, to show verify writes nothing. */
  const snapshot = () =>
    (readdirSync(join(dir, "store"), { recursive: true }) as string[])
      .sort()
      .map((f) => {
        const s = statSync(join(dir, "store", f));
        return `${f} ${s.size} ${s.mtimeMs}`;
      });

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, {
        schema,
        stores: { default: "main", main: { protocol: "file", location: "./store" } },
        codecs: { zarr: { chunks: [16, 10] } },
      }),
      "p.dj": `schema ${schema}\n\nRec (manual)\n    rec_id : int32\n    ---\n    arr : <npy@>\n    blb : <blob@>\n    obj : <object@>\n    z : <zarr@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages", "dj-zarr-codecs"), join(dir, "node_modules", "dj-zarr-codecs"));
    numpy(`import numpy as np
for i in ${JSON.stringify(ROWS)}:
    np.save(f"${dir}/a{i}.npy", np.full((4, 5), i, dtype="float32"))
    np.save(f"${dir}/z{i}.npy", np.arange(640, dtype="float64").reshape(64, 10) * i)
    open(f"${dir}/o{i}.bin", "wb").write(bytes(range(i, i + 100)))`);
    assert.equal((await dj("declare", "p.dj")).code, 0);
    for (const i of ROWS) {
      const r = await dj("insert", "Rec", "--key", `rec_id=${i}`, "--from", `arr=a${i}.npy`, "--from", `obj=o${i}.bin`, "--from", `z=z${i}.npy`, "--set", `blb={"row": ${i}}`);
      assert.equal(r.code, 0, r.stderr);
      const f = await dj("fetch", "Rec", "--key", `rec_id=${i}`, "--json");
      meta[i] = JSON.parse(f.stdout).rows[0];
    }
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("a clean schema exits 0, in text and --json", async () => {
    const r = await dj("verify", "--deep");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `verified 28 values in 7 rows of 1 table (deep): no problems\n`);
    const j = await dj("verify", "--json");
    assert.equal(j.code, 0, j.stderr);
    const report = JSON.parse(j.stdout);
    assert.deepEqual(
      [report.schema, report.tables, report.rows_checked, report.values_checked, report.problems, report.unchecked, report.clean],
      [schema, [`${schema}.Rec`], 7, 28, [], [], true],
    );
  });

  test("planted damage of each kind is found by row key, attribute and path; --deep finds corrupt chunks", async () => {
    // Row 2: the .npy object deleted.
    unlinkSync(storeFile(meta[2]!.arr!.path));
    // Row 3: the attached object truncated.
    truncateSync(storeFile(meta[3]!.obj!.path), 10);
    // Row 4: one byte of the blob's content-addressed object changed (same size).
    const hashed = readFileSync(storeFile(meta[4]!.blb!.path));
    hashed[hashed.length - 1] ^= 0xff;
    writeFileSync(storeFile(meta[4]!.blb!.path), hashed);
    // Row 5: the .npy header rewritten with another shape of the same size.
    const npy = readFileSync(storeFile(meta[5]!.arr!.path));
    writeFileSync(storeFile(meta[5]!.arr!.path), Buffer.from(npy.toString("latin1").replace("(4, 5)", "(5, 4)"), "latin1"));
    // Row 6: the .zarray edited to another shape.
    const zarray = storeFile(`${meta[6]!.z!.path}/.zarray`);
    writeFileSync(zarray, readFileSync(zarray, "utf8").replace(/"shape": \[\s*64,/, '"shape": [\n        65,'));
    // Row 7: one chunk overwritten with bytes that are not a blosc frame (its size kept).
    const chunk = storeFile(`${meta[7]!.z!.path}/1.0`);
    writeFileSync(chunk, Buffer.alloc(statSync(chunk).size, 0x5a));

    const expected = [
      [2, "arr", meta[2]!.arr!.path, /^missing$/],
      [3, "obj", meta[3]!.obj!.path, /^size 10 bytes, the row records 100$/],
      [4, "blb", meta[4]!.blb!.path, new RegExp(`^content hashes to [a-z2-7]{26}, not to its name ${meta[4]!.blb!.hash} \\(the bytes changed\\)$`)],
      [5, "arr", meta[5]!.arr!.path, /^header shape \[5, 4\], the row records \[4, 5\]$/],
      [6, "z", `${meta[6]!.z!.path}/.zarray`, /^shape \[65, 10\], the row records \[64, 10\]$/],
    ] as const;
    const deepOnly = [7, "z", `${meta[7]!.z!.path}/1.0`, /^chunk does not decode: /] as const;

    const before = snapshot();
    const shallow = await dj("verify", "--json");
    assert.equal(shallow.code, 5, shallow.stderr);
    const report = JSON.parse(shallow.stdout);
    assert.equal(report.clean, false);
    assert.equal(report.problems.length, expected.length, JSON.stringify(report.problems, null, 1));
    for (const [i, [row, attribute, path, problem]] of expected.entries()) {
      const p = report.problems[i];
      assert.deepEqual([p.table, p.key, p.attribute, p.store, p.path], [`${schema}.Rec`, { rec_id: row }, attribute, "main", path]);
      assert.match(p.problem, problem);
    }

    const deep = await dj("verify", "--deep");
    assert.equal(deep.code, 5);
    const lines = deep.stdout.trimEnd().split("\n");
    assert.equal(lines.length, expected.length + 1, deep.stdout);
    for (const [i, [row, attribute, path, problem]] of [...expected, deepOnly].entries()) {
      const prefix = `${schema}.Rec (rec_id=${row}) ${attribute}: main:${path}: `;
      assert.ok(lines[i]!.startsWith(prefix), `line ${i}: ${lines[i]}\nexpected to start with ${prefix}`);
      assert.match(lines[i]!.slice(prefix.length), problem);
    }
    assert.equal(
      deep.stderr,
      `dj: verify found 6 problems in 28 values in 7 rows of 1 table (deep)\n  hint: each line above names the row, attribute and object; restore those objects from a backup, or delete the rows and insert them again\n`,
    );
    assert.deepEqual(snapshot(), before, "verify changed the store");

    // One table, by name: the same problems.
    const one = await dj("verify", "Rec", "--json");
    assert.equal(one.code, 5);
    assert.equal(JSON.parse(one.stdout).problems.length, expected.length);
  });

  test("--deep decodes chained values: a blob object rewritten with valid hash but bad content is found", async () => {
    // A new row whose blob object is replaced by bytes that hash to the name but do not unpack:
    // the row is pointed at such an object, planted under its own content hash.
    const r = await dj("insert", "Rec", "--key", "rec_id=8", "--from", "arr=a1.npy", "--from", "obj=o1.bin", "--from", "z=z1.npy", "--set", 'blb={"row": 8}');
    assert.equal(r.code, 0, r.stderr);
    const { createHash } = await import("node:crypto");
    const junk = Buffer.from("not a DataJoint blob");
    const { base32 } = await import("../../src/stores/addressing.js");
    const name = base32(createHash("md5").update(junk).digest());
    const path = `_hash/${schema}/${name}`;
    writeFileSync(storeFile(path), junk);
    const value = JSON.stringify({ hash: name, path, schema, store: "main", size: junk.length });
    if (dialect.name === "mariadb") {
      const conn = await connect();
      await conn.query(`UPDATE \`${schema}\`.rec SET blb = ? WHERE rec_id = 8`, [value]);
      await conn.end();
    } else if (dialect.name === "postgresql") {
      const client = await pgConnect();
      await client.query(`UPDATE "${schema}".rec SET blb = $1 WHERE rec_id = 8`, [value]);
      await client.end();
    } else {
      const { createRequire } = await import("node:module");
      const Database = createRequire(import.meta.url)("better-sqlite3");
      const db = new Database(join(dir, `.dj/${schema}.sqlite`));
      db.prepare(`UPDATE "rec" SET "blb" = ? WHERE "rec_id" = 8`).run(value);
      db.close();
    }
    const shallow = await dj("verify", "--json");
    assert.ok(!JSON.parse(shallow.stdout).problems.some((p: any) => p.key.rec_id === 8), "the object hashes to its name: only --deep can tell");
    const deep = await dj("verify", "--deep", "--json");
    const found = JSON.parse(deep.stdout).problems.filter((p: any) => p.key.rec_id === 8);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.deepEqual([found[0].attribute, found[0].path], ["blb", path]);
    assert.match(found[0].problem, /^does not decode: /);
  });

  test("usage and lookup errors: one line and a hint, the documented exit codes", async () => {
    const missing = await dj("verify", "Nope");
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /^dj: table .*Nope does not exist\n {2}hint: /);
    const config = JSON.parse(readFileSync(join(dir, "dj.config.json"), "utf8"));
    delete config.schema;
    writeFileSync(join(dir, "noschema.json"), JSON.stringify(config));
    const noSchema = await dj("--config", "noschema.json", "verify");
    assert.equal(noSchema.code, 2);
    assert.equal(noSchema.stderr, 'dj: no schema to verify\n  hint: name it with --schema NAME, or set "schema" in the config\n');
    const json = await dj("verify", "--schema", "djtest_absent_schema_x", "--json");
    assert.equal(json.code, 4);
    assert.equal(JSON.parse(json.stdout).error.code, "db.schema");
  });
});

describe("dj verify with plugin codecs (embedded)", () => {
  const schema = "plug";
  const { dir, cleanup } = tempProject({
    "dj.config.json": { schema, stores: { default: "main", main: { protocol: "file", location: "./store" } }, codecs: { photon: { quantize: true } } },
    "p.dj": `schema ${schema}\n\nScan (manual)\n    scan_id : int32\n    ---\n    movie : <photon@>\n    note : <ref@>\n    folder : <object@>\n`,
  });
  const dj = (...args: string[]) => runDj(args, { cwd: dir });
  const rows: Record<number, Record<string, { path: string }>> = {};

  before(async () => {
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    for (const p of ["dj-photon-codecs", "dj-zarr-codecs"]) symlinkSync(join(repoRoot, "packages", p), join(dir, "node_modules", p));
    // A plugin store codec with referencedPaths but no verify hook: checked generically.
    writePlugin(dir, {
      name: "dj-ref-codec",
      codecs: { ref: "./ref.js" },
      apiVersion: 1,
      modules: {
        "ref.js": `export default {
  name: "ref", accepts: ["value"], schemaAddressed: true,
  getDtype() { return "json"; },
  async encode(v, ctx) { const path = ctx.objectPath(".txt"); ctx.onObjectWritten(path, ctx.store); await ctx.store.set(path, new TextEncoder().encode(JSON.stringify(v.value))); return { path, store: ctx.storeName }; },
  async decode(s, ctx) { return { kind: "bytes", data: await (await ctx.getStore(s.store)).get(s.path) }; },
  referencedPaths(s) { return [{ path: s.path, store: s.store }]; },
};\n`,
      },
    });
    numpy(`import numpy as np
rng = np.random.default_rng(5)
lam = np.broadcast_to(np.linspace(0.5, 300, 48 * 32).reshape(48, 32), (120, 48, 32))
np.save(f"${dir}/movie.npy", np.clip(np.round(100 + 2.5 * rng.poisson(lam) + rng.normal(0, 1, size=lam.shape)), 0, 65535).astype("uint16"))
import os
for i in (1, 2):
    os.makedirs(f"${dir}/folder{i}/sub", exist_ok=True)
    open(f"${dir}/folder{i}/a.txt", "w").write("a" * 10 * i)
    open(f"${dir}/folder{i}/sub/b.txt", "w").write("b" * 20)`);
    assert.equal((await dj("declare", "p.dj")).code, 0);
    for (const i of [1, 2]) {
      const r = await dj("insert", "Scan", "--key", `scan_id=${i}`, "--from", "movie=movie.npy", "--from", `folder=folder${i}`, "--set", `note={"n": ${i}}`);
      assert.equal(r.code, 0, r.stderr);
      rows[i] = JSON.parse((await dj("fetch", "Scan", "--key", `scan_id=${i}`, "--json")).stdout).rows[0];
    }
  });
  after(cleanup);

  test("clean: photon, a hookless plugin codec and folder objects pass, also --deep", async () => {
    const r = await dj("verify", "--deep");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "verified 6 values in 2 rows of 1 table (deep): no problems\n");
  });

  test("photon chunks (missing, corrupt), a hookless codec's object and a folder's file are checked", async () => {
    const movie = rows[1]!.movie!.path;
    unlinkSync(join(dir, "store", movie, "1.0.0")); // quantised movies are dj's: every chunk must exist
    const chunk = join(dir, "store", rows[2]!.movie!.path, "0.0.0");
    writeFileSync(chunk, Buffer.alloc(statSync(chunk).size, 0x5a));
    unlinkSync(join(dir, "store", rows[1]!.note!.path));
    truncateSync(join(dir, "store", rows[2]!.folder!.path, "sub/b.txt"), 5);
    const shallow = JSON.parse((await dj("verify", "--json")).stdout);
    const summary = (ps: any[]) => ps.map((p: any) => [p.key.scan_id, p.attribute, p.path, p.problem]);
    assert.deepEqual(summary(shallow.problems), [
      [1, "movie", `${movie}/1.0.0`, "chunk missing (dj writes every chunk; fetch would return the fill value here)"],
      [1, "note", rows[1]!.note!.path, "missing"],
      [2, "folder", `${rows[2]!.folder!.path}/sub/b.txt`, "size 5 bytes, the manifest records 20"],
    ]);
    const deep = await dj("verify", "--deep", "--json");
    assert.equal(deep.code, 5);
    const found = summary(JSON.parse(deep.stdout).problems);
    assert.equal(found.length, 4);
    assert.deepEqual(found[2]!.slice(0, 3), [2, "movie", `${rows[2]!.movie!.path}/0.0.0`]);
    assert.match(found[2]![3], /^chunk does not decode: /);
  });

  test("values whose codec is not installed are reported as not checked (exit 5)", async () => {
    rmSync(join(dir, "node_modules", "dj-ref-codec"), { recursive: true });
    const quiet = await dj("verify", "--quiet");
    assert.equal(quiet.code, 5);
    const j = JSON.parse((await dj("verify", "--json")).stdout);
    assert.equal(j.clean, false);
    assert.deepEqual(j.unchecked.map((u: any) => [u.table, u.attribute, u.rows]), [[`${schema}.Scan`, "note", 2]]);
    const text = await dj("verify");
    assert.equal(text.code, 5);
    assert.match(text.stderr, /^dj: warning: plug\.Scan note: 2 values not checked: .*ref/m);
    assert.match(text.stderr, /^dj: verify found 2 problems and 2 values not checked in 4 values in 2 rows of 1 table\n {2}hint: /m);
  });
});

describe("dj verify on an S3 store (s3rver, MariaDB)", () => {
  const schema = schemaName("verifys3");
  let srv: S3Server;
  let conn: Connection;
  let remote: S3Store;
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });

  before(async () => {
    conn = await connect();
    srv = await startS3rver("verify-bucket");
    const s3 = srv.spec();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: databaseSection,
        schema,
        stores: { default: "remote", remote: { protocol: "s3", endpoint: s3.endpoint, bucket: s3.bucket, location: "dj", access_key: s3.access_key, secret_key: s3.secret_key, secure: false } },
      },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    rec_id : int32\n    ---\n    arr : <npy@>\n    blb : <blob@>\n`,
    }));
    remote = new S3Store("remote", s3);
    numpy(`import numpy as np\nfor i in (1, 2, 3): np.save(f"${dir}/a{i}.npy", np.full((3, 7), i, dtype="int16"))`);
    assert.equal((await dj("declare", "p.dj")).code, 0);
    for (const i of [1, 2, 3]) {
      const r = await dj("insert", "Rec", "--key", `rec_id=${i}`, "--from", `arr=a${i}.npy`, "--set", `blb=[${i}, 2, 3]`);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    await srv.stop();
    cleanup();
  });

  test("a deleted object, a truncated .npy and altered _hash bytes are found, with the store name", async () => {
    const clean = await dj("verify", "--deep");
    assert.equal(clean.code, 0, clean.stderr);
    const rows = JSON.parse((await dj("fetch", "Rec", "--json")).stdout).rows as any[];
    const [one, two, three] = [1, 2, 3].map((i) => rows.find((r) => r.rec_id === i));
    await remote.delete(one.arr.path);
    const npy = (await remote.get(two.arr.path))!;
    await remote.set(two.arr.path, npy.subarray(0, npy.byteLength - 6));
    const blob = Buffer.from((await remote.get(three.blb.path))!);
    blob[blob.length - 1] ^= 0x01;
    await remote.set(three.blb.path, blob);
    const r = await dj("verify", "--json");
    assert.equal(r.code, 5);
    const found = JSON.parse(r.stdout).problems.map((p: any) => [p.key.rec_id, p.attribute, p.store, p.path, p.problem]);
    assert.equal(found.length, 3, JSON.stringify(found));
    assert.deepEqual(found[0], [1, "arr", "remote", one.arr.path, "missing"]);
    assert.deepEqual(found[1].slice(0, 4), [2, "arr", "remote", two.arr.path]);
    assert.match(found[1][4], /^size \d+ bytes, its header needs \d+ \(truncated\)$/);
    assert.deepEqual(found[2].slice(0, 4), [3, "blb", "remote", three.blb.path]);
    assert.match(found[2][4], /^content hashes to [a-z2-7]{26}, not to its name [a-z2-7]{26} \(the bytes changed\)$/);
  });
});
