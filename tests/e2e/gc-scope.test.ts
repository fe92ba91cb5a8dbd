/**
 * What `dj gc` may delete: only objects in dj's own sections, with every store name that points
 * at the same location counted as one store; section prefixes that would break that are config
 * errors; and codecs that write objects must say which (the references contract), or dj refuses.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { runDj, tempProject, writePlugin } from "../helpers/cli.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { S3Store } from "../../src/stores/s3.js";

const OLD = new Date(Date.now() - 3 * 3600_000);
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}
function age(root: string) {
  for (const f of files(root)) utimesSync(join(root, f), OLD, OLD);
}
const npy = (dir: string, name: string, expr: string) => assert.equal(spawnSync("python3", ["-c", `import numpy as np; np.save("${join(dir, name)}", ${expr})`]).status, 0);

describe("section prefixes dj cannot own safely are config errors (exit 3)", () => {
  for (const [key, value, pattern] of [
    ["schema_prefix", "", /stores\.main\.schema_prefix: is empty/],
    ["hash_prefix", "/abs/_hash", /stores\.main\.hash_prefix: is absolute/],
    ["schema_prefix", "a/../_schema", /stores\.main\.schema_prefix: \("a\/\.\.\/_schema"\) must be a plain relative folder/],
    ["filepath_prefix", "", /stores\.main\.filepath_prefix: is empty; use null/],
    ["hash_prefix", ".dj-gc/h", /control area/],
    ["schema_prefix", "_hash/s", /overlap/],
  ] as const) {
    test(`${key}=${JSON.stringify(value)}`, async () => {
      const { dir, cleanup } = tempProject({ "dj.config.json": { schema: "lab", stores: { default: "main", main: { protocol: "file", location: "./store", [key]: value } } } });
      mkdirSync(join(dir, "store"));
      try {
        const v = await runDj(["config", "validate"], { cwd: dir });
        assert.equal(v.code, 3);
        assert.match(v.stderr, pattern);
        const gc = await runDj(["gc", "--min-age", "0"], { cwd: dir });
        assert.equal(gc.code, 3, gc.stderr);
        assert.match(gc.stderr, /^dj: /);
        assert.doesNotMatch(gc.stderr, /\n\s+at /, "no stack trace");
        assert.equal(gc.stdout, "");
      } finally {
        cleanup();
      }
    });
  }
});

describe("two store names for one file location are one store to gc", () => {
  const { dir, cleanup } = tempProject({
    "dj.config.json": {
      schema: "lab",
      stores: { default: "main", main: { protocol: "file", location: "./store" }, other: { protocol: "file", location: "./link/" }, files: { protocol: "file", location: "./store" } },
    },
    "p.dj": "schema lab\n\nA (manual)\n    id : int32\n    ---\n    b : <blob@main>\n    o : <object@main>\n\nB (manual)\n    id : int32\n    ---\n    b : <blob@other>\n    o : <object@other>\n\nF (manual)\n    id : int32\n    ---\n    f : <filepath@files>\n",
  });
  after(cleanup);
  before(async () => {
    mkdirSync(join(dir, "store"));
    symlinkSync(join(dir, "store"), join(dir, "link"));
    npy(dir, "a.npy", "np.arange(10.0)");
    npy(dir, "b.npy", "np.arange(20.0)");
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
  });

  test("dj config validate names them (exit 0)", async () => {
    const r = await runDj(["config", "validate"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: stores files, main, other share one location/);
    const j = JSON.parse((await runDj(["config", "validate", "--json"], { cwd: dir })).stdout);
    assert.deepEqual(j.shared_locations[0].stores, ["files", "main", "other"]);
  });

  test("gc of either name keeps the other's live objects, user files and filepath targets; removes true orphans", async () => {
    for (const [t, f] of [["A", "a.npy"], ["B", "b.npy"]]) {
      const r = await runDj(["insert", t!, "--key", "id=1", "--from", `b=${f}`, "--from", `o=${f}`], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    writeFileSync(join(dir, "store", "notes.txt"), "not dj's");
    mkdirSync(join(dir, "store", "raw"));
    writeFileSync(join(dir, "store", "raw", "data.bin"), "raw data");
    assert.equal((await runDj(["insert", "F", "--key", "id=1", "--set", "f=raw/data.bin"], { cwd: dir })).code, 0);
    const live = files(join(dir, "store"));
    const orphan = "_hash/lab/aaaaaaaaaaaaaaaaaaaaaaaaaa";
    writeFileSync(join(dir, "store", orphan), "orphan");
    age(join(dir, "store"));
    for (const name of ["main", "other"]) {
      const r = await runDj(["gc", "--store", name, "--min-age", "0", "--json"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.deepEqual(report.stores_in_scope.sort(), ["files", "main", "other"]);
      assert.equal(report.deleted, name === "main" ? 1 : 0);
    }
    assert.deepEqual(files(join(dir, "store")), live);
    for (const [t, f] of [["A", "a.npy"], ["B", "b.npy"]]) {
      const out = join(dir, `${t}.npy`);
      const r = await runDj(["fetch", t!, "--key", "id=1", "--attr", "b", "--out", out], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readFileSync(out).equals(readFileSync(join(dir, f!))));
    }
  });
});

describe("two S3 store names for one bucket location are one store to gc", () => {
  let srv: S3Server;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    srv = await startS3rver("alias");
    const s = srv.spec();
    const creds = { access_key: s.access_key, secret_key: s.secret_key, secure: false };
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        schema: "lab",
        stores: {
          default: "main",
          main: { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj", ...creds },
          // The same place spelled differently: no scheme (secure: false → http), slashes around the location.
          other: { protocol: "s3", endpoint: s.endpoint.replace("http://", ""), bucket: s.bucket, location: "/dj/", ...creds },
          inner: { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj/nested", ...creds },
        },
      },
      "p.dj": "schema lab\n\nA (manual)\n    id : int32\n    ---\n    b : <blob@main>\n\nB (manual)\n    id : int32\n    ---\n    b : <blob@other>\n",
    }));
    npy(dir, "a.npy", "np.arange(10.0)");
    npy(dir, "b.npy", "np.arange(30.0)");
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
  });
  after(async () => {
    cleanup();
    await srv.stop();
  });

  test("validate names them; gc of main keeps other's objects", async () => {
    const v = await runDj(["config", "validate"], { cwd: dir });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, /stores inner, main, other share one location/);
    for (const [t, f] of [["A", "a.npy"], ["B", "b.npy"]]) assert.equal((await runDj(["insert", t!, "--key", "id=1", "--from", `b=${f}`], { cwd: dir })).code, 0);
    const r = await runDj(["gc", "--min-age", "0", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.deleted, 0);
    assert.equal(report.hash_paths_stored, 2);
    assert.equal(report.hash_paths_referenced, 2);
    const out = join(dir, "B.npy");
    assert.equal((await runDj(["fetch", "B", "--key", "id=1", "--attr", "b", "--out", out], { cwd: dir })).code, 0);
    assert.ok(readFileSync(out).equals(readFileSync(join(dir, "b.npy"))));
    const keys: string[] = [];
    for await (const o of new S3Store("main", srv.spec()).list("")) keys.push(o.key);
    assert.equal(keys.filter((k) => k.startsWith("_hash/")).length, 2);
  });
});

describe("the references contract for plugin codecs", () => {
  const codec = (name: string, refs: string) => `export default {
  name: ${JSON.stringify(name)},
  accepts: ["value"],
  getDtype(isStore) { return "json"; },
  async encode(value, ctx) {
    const path = ctx.objectPath(".bin");
    await ctx.store.set(path, new TextEncoder().encode(JSON.stringify(value.value)));
    ctx.onObjectWritten(path, ctx.store);
    return { path, store: ctx.storeName };
  },
  async decode(stored, ctx) { const s = await ctx.getStore(stored.store); return { kind: "bytes", data: await s.get(stored.path) }; },
  ${refs}
};\n`;
  const quiet = `export default {
  name: "quiet", accepts: ["value"], getDtype() { return "json"; },
  async encode(value) { return { note: value.value }; },
  async decode(stored) { return { kind: "value", value: stored.note }; },
};\n`;
  const { dir, cleanup } = tempProject({
    "dj.config.json": { schema: "lab", stores: { default: "main", main: { protocol: "file", location: "./store" } } },
    "p.dj": "schema lab\n\nP (manual)\n    id : int32\n    ---\n    v = null : <honest@>\n    w = null : <leaky@>\n    x = null : <liar@>\n\nQ (manual)\n    id : int32\n    ---\n    q : <quiet@>\n",
  });
  after(cleanup);
  before(async () => {
    mkdirSync(join(dir, "store"));
    writePlugin(dir, {
      name: "dj-refs-codecs",
      codecs: { honest: "./honest.js", leaky: "./leaky.js", liar: "./liar.js", quiet: "./quiet.js" },
      modules: {
        "honest.js": codec("honest", "referencedPaths(stored) { return [{ path: stored.path, store: stored.store }]; },"),
        "leaky.js": codec("leaky", ""),
        "liar.js": codec("liar", "referencedPaths() { return []; },"),
        "quiet.js": quiet,
      },
    });
    const d = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
  });

  test("a codec that reports its objects works, and gc keeps them", async () => {
    const r = await runDj(["insert", "P", "--key", "id=1", "--set", 'v={"a":1}'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    age(join(dir, "store"));
    const gc = JSON.parse((await runDj(["gc", "--min-age", "0", "--json", "--dry-run"], { cwd: dir })).stdout);
    assert.equal(gc.schema_paths_stored, 1);
    assert.equal(gc.schema_paths_referenced, 1);
    assert.equal(gc.schema_paths_orphaned + gc.hash_paths_orphaned, 0);
    // The other codecs of these tables cannot report references: named, one by one.
    assert.deepEqual(gc.scan_errors.map((e: string) => e.split(":")[0]).sort(), ["lab.p.w", "lab.p.x", "lab.q.q"].filter((w) => w !== "lab.p.x"));
  });

  for (const name of ["leaky", "liar"] as const) {
    test(`<${name}@> writes objects it does not report: the insert is refused (exit 6) and leaves nothing`, async () => {
      const before = files(join(dir, "store"));
      const r = await runDj(["insert", "P", "--key", "id=2", "--set", `${name === "leaky" ? "w" : "x"}={"a":2}`], { cwd: dir });
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, name === "leaky" ? /^dj: <leaky> wrote 1 object\(s\) for lab\.p\.w but does not report references/ : /^dj: <liar> wrote main:_schema\/lab\/p\/id=2\/x_\S+\.bin for lab\.p\.x, but its stored value does not reference it/);
      assert.match(r.stderr, /\n {2}hint: /);
      assert.deepEqual(files(join(dir, "store")), before);
      const rows = JSON.parse((await runDj(["fetch", "P", "--json"], { cwd: dir })).stdout).rows;
      assert.equal(rows.length, 1);
    });
  }

  test("a store codec without referencedPaths is a scan error: gc refuses (exit 5), never 'no references'", async () => {
    assert.equal((await runDj(["insert", "Q", "--key", "id=1", "--set", "q=hello"], { cwd: dir })).code, 0);
    mkdirSync(join(dir, "store", "_hash", "lab"), { recursive: true });
    writeFileSync(join(dir, "store", "_hash", "lab", "bbbbbbbbbbbbbbbbbbbbbbbbbb"), "orphan");
    age(join(dir, "store"));
    const before = files(join(dir, "store"));
    const r = await runDj(["gc", "--min-age", "0"], { cwd: dir });
    assert.equal(r.code, 5);
    assert.match(r.stderr, /lab\.q\.q: <quiet> is a store codec but does not report references/);
    assert.match(r.stderr, /dj: Refusing to delete: 2 scan error/);
    assert.deepEqual(files(join(dir, "store")), before);
  });
});
