import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { codecModule, repoRoot, runDj, tempProject, writePlugin } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function project(files: Record<string, string | object> = {}) {
  const p = tempProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

describe("dj codecs list", () => {
  test("lists plugins from manifests, as a table and as JSON", async () => {
    const dir = project({ "dj.config.json": {} });
    writePlugin(dir, { name: "dj-test-codecs", version: "0.3.1", codecs: { tst: "./t.js" }, modules: { "t.js": "throw new Error('must not be imported by list')" } });
    const table = await runDj(["codecs", "list"], { cwd: dir });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /tst\s*│\s*dj-test-codecs@0\.3\.1/);
    assert.doesNotMatch(table.stdout, /\x1b\[/, "no ANSI codes when piped");
    const json = await runDj(["codecs", "list", "--json"], { cwd: dir });
    const doc = JSON.parse(json.stdout);
    const tst = doc.codecs.find((c: { name: string }) => c.name === "tst");
    assert.equal(tst.status, "ok");
    const verified = JSON.parse((await runDj(["codecs", "list", "--verify", "--json"], { cwd: dir })).stdout);
    assert.match(verified.codecs.find((c: { name: string }) => c.name === "tst").problem, /must not be imported by list/);
  });
});

describe("dj codecs list --verify shows what a codec runs on", { skip: skipWithout("nativeAddon") }, () => {
  test("<zarr@> names the native libraries, or says it runs on the portable encoders", async () => {
    const dir = project({ "dj.config.json": {} });
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repoRoot, "packages/dj-zarr-codecs"), join(dir, "node_modules/dj-zarr-codecs"));
    const zarrOf = async (env: Record<string, string>) => {
      const r = await runDj(["codecs", "list", "--verify", "--json"], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).codecs.find((c: { name: string }) => c.name === "zarr");
    };
    assert.match((await zarrOf({})).runtime, /^native c-blosc 1\.\d+\.\d+, libzstd 1\.\d+\.\d+$/);
    assert.equal((await zarrOf({ DJ_ZARR_NATIVE: "0" })).runtime, "portable encoders: DJ_ZARR_NATIVE=0 turns dj-zarr-native off; zstd through zstd-napi (encoding at levels 1-2)");
    assert.equal((await zarrOf({ DJ_ZARR_NATIVE: "0", DJ_ZSTD_NAPI: "0" })).runtime, "portable encoders: DJ_ZARR_NATIVE=0 turns dj-zarr-native off; DJ_ZSTD_NAPI=0: zstd through WASM");
    const table = await runDj(["codecs", "list", "--verify"], { cwd: dir });
    assert.match(table.stdout, /ok \(native c-blosc/);
  });
});

describe("dj codecs check", () => {
  test("a missing codec exits 6 with its install hint", async () => {
    const dir = project({ "dj.config.json": { requiredCodecs: ["zarr", "photon", "mystery"] } });
    const r = await runDj(["codecs", "check", "--required"], { cwd: dir });
    assert.equal(r.code, 6);
    assert.match(r.stdout, /missing\s+zarr.*\n\s+hint: npm install dj-zarr-codecs/);
    assert.match(r.stdout, /hint: npm install dj-photon-codecs/);
    assert.match(r.stdout, /mystery.*\n.*datajoint-codec/);
    assert.match(r.stderr, /^dj: 3 of 3 codecs not usable/m);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
  });

  test("installed and loading codecs pass; --json prints one document", async () => {
    const dir = project({ "dj.config.json": { requiredCodecs: ["tst@^0.3"] } });
    writePlugin(dir, { name: "dj-test-codecs", version: "0.3.1", codecs: { tst: "./t.js" }, modules: { "t.js": codecModule("tst", "json") } });
    const r = await runDj(["codecs", "check", "--required", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, true);
    assert.equal(doc.codecs[0].installed, "0.3.1");
  });

  test("a version mismatch reports installed and wanted versions", async () => {
    const dir = project({ "dj.config.json": { requiredCodecs: ["tst@^1.0"] } });
    writePlugin(dir, { name: "dj-test-codecs", version: "0.3.1", codecs: { tst: "./t.js" }, modules: { "t.js": codecModule("tst", "json") } });
    const r = await runDj(["codecs", "check", "--required"], { cwd: dir });
    assert.equal(r.code, 6);
    assert.match(r.stdout, /dj-test-codecs@0\.3\.1 is installed, \^1\.0 is wanted/);
  });

  test("a plugin that fails to load shows the real error; an incompatible one what to upgrade", async () => {
    const dir = project({ "dj.config.json": {} });
    writePlugin(dir, { name: "bad", codecs: { bad: "./b.js" }, modules: { "b.js": "import 'no-such-dependency-xyz';" } });
    writePlugin(dir, { name: "old", apiVersion: 0, codecs: { old: "./o.js" }, modules: { "o.js": codecModule("old", "json") } });
    const r = await runDj(["codecs", "check", "bad", "old", "--json"], { cwd: dir });
    assert.equal(r.code, 6);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.codecs[0].problem, /no-such-dependency-xyz/);
    assert.equal(doc.codecs[1].status, "incompatible");
    assert.match(doc.codecs[1].problem, /upgrade old/);
  });

  test("no names and no flags is a usage error (exit 2)", async () => {
    const dir = project({ "dj.config.json": {} });
    const r = await runDj(["codecs", "check"], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^dj: name the codecs to check/m);
  });
});

describe("dj config", () => {
  test("show masks secrets and --sources says where values came from", async () => {
    const dir = project({
      "dj.config.json": { database: { host: "127.0.0.1", user: "alice" } },
      ".secrets/database.password": "p4ssw0rd-secret",
    });
    const r = await runDj(["config", "show", "--sources", "--json"], { cwd: dir, env: { DJ_HOST: "envhost" } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /p4ssw0rd-secret/);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.database.password, "****");
    assert.equal(doc.sources["database.password"], "secret");
    assert.equal(doc.sources["database.host"], "env");
  });
  test("validate lists every problem with file and JSON path, exit 3", async () => {
    const dir = project({ "dj.config.json": { stores: { a: { protocol: "s3", bucket: "b", location: "l" }, b: { protocol: "file", locaton: "x" } } } });
    const r = await runDj(["config", "validate"], { cwd: dir });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /dj\.config\.json: stores\.a\.endpoint: is missing/);
    assert.match(r.stderr, /dj\.config\.json: stores\.b\.locaton: invalid key .*did you mean 'location'/);
    const ok = await runDj(["config", "validate", "--json"], { cwd: project({ "dj.config.json": {} }) });
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.stdout).valid, true);
  });
  test("unknown flags are usage errors (exit 2); --json errors are one JSON document", async () => {
    const dir = project({ "dj.config.json": {} });
    const r = await runDj(["config", "show", "--bogus", "--json"], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, "usage");
  });
});
