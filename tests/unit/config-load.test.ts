import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, resolveConfig } from "../../src/config/load.js";
import { getStoreSpec } from "../../src/config/store-spec.js";
import { isDjError } from "../../src/errors.js";
import { redact } from "../../src/ui/redact.js";
import { tempProject } from "../helpers/cli.js";

const projects: Array<() => void> = [];
after(() => projects.forEach((c) => c()));
function project(files: Record<string, string | object> = {}) {
  const p = tempProject(files);
  projects.push(p.cleanup);
  return p.dir;
}
const noSystemSecrets = "/nonexistent-secrets-dir";
const load = (cwd: string, env: NodeJS.ProcessEnv = {}) => loadConfig({ cwd, env, systemSecretsDir: noSystemSecrets });
const problemsOf = async (cwd: string, env: NodeJS.ProcessEnv = {}) =>
  (await resolveConfig({ cwd, env, systemSecretsDir: noSystemSecrets })).problems;

describe("config discovery", () => {
  test("dj.config.json is found upward and wins over datajoint.json", async () => {
    const dir = project({ "dj.config.json": { schema: "a" }, "datajoint.json": { schema: "b" } });
    mkdirSync(join(dir, "sub/deeper"), { recursive: true });
    const config = await load(join(dir, "sub/deeper"));
    assert.equal(config.file, join(dir, "dj.config.json"));
    assert.equal(config.schema, "a");
    assert.equal(config.baseDir, dir);
  });
  test("datajoint.json is used when there is no dj.config.json", async () => {
    const dir = project({ "datajoint.json": { "database.host": "db.lab.org" } });
    const config = await load(dir);
    assert.equal(config.database?.host, "db.lab.org");
  });
  test("the search stops at a directory holding .git", async () => {
    const outer = project({ "dj.config.json": { schema: "outer" } });
    const inner = join(outer, "repo");
    mkdirSync(join(inner, ".git"), { recursive: true });
    const config = await load(inner);
    assert.equal(config.file, null);
    assert.equal(config.database, null, "no database section → embedded");
  });
  test("--config / DJ_CONFIG name a file directly; a missing one is exit 3", async () => {
    const dir = project({ "elsewhere/x.json": { schema: "x" } });
    assert.equal((await load(dir, { DJ_CONFIG: "elsewhere/x.json" })).schema, "x");
    await assert.rejects(load(dir, { DJ_CONFIG: "nope.json" }), (e) => isDjError(e, "config") && /nope\.json does not exist/.test(e.message));
  });
  test("invalid JSON names the file", async () => {
    const dir = project({ "dj.config.json": "{ nope" });
    await assert.rejects(load(dir), (e) => isDjError(e, "config") && e.message.includes("dj.config.json: not valid JSON"));
  });
});

describe("DataJoint precedence", () => {
  test("mapped env vars beat the file when non-empty; empty ones do not", async () => {
    const dir = project({ "dj.config.json": { database: { host: "filehost", user: "fileuser" } } });
    const config = await load(dir, { DJ_HOST: "envhost:3307", DJ_USER: "" });
    assert.equal(config.database?.host, "envhost");
    assert.equal(config.database?.port, 3307);
    assert.equal(config.database?.user, "fileuser");
    assert.equal(config.sources["database.host"], "env");
    assert.equal(config.sources["database.user"], "file");
  });
  test("without a database section, only DJ_HOST or DJ_BACKEND leave the embedded database; DJ_USER/DJ_PASS alone do not", async () => {
    const dir = project({ "dj.config.json": { schema: "lab" } });
    const credentialsOnly = await load(dir, { DJ_USER: "alice", DJ_PASS: "pw-in-my-shell" });
    assert.equal(credentialsOnly.database, null, "still the embedded database");
    // Unused, so nothing can echo it: it is not masked either (a short password such as
    // "simple" would otherwise turn into **** wherever a value happens to equal it).
    assert.equal(redact("x pw-in-my-shell y"), "x pw-in-my-shell y");
    const host = await load(dir, { DJ_HOST: "db.lab:3307", DJ_PASS: "pw" });
    assert.equal(host.database?.backend, "mysql");
    assert.equal(host.database?.host, "db.lab");
    assert.equal(host.database?.password, "pw");
    const backend = await load(dir, { DJ_BACKEND: "postgresql" });
    assert.equal(backend.database?.backend, "postgresql");
  });
  test("secrets fill only what is unset, and are registered for masking", async () => {
    const dir = project({
      "dj.config.json": { database: { host: "h", user: "u" }, stores: { s: { protocol: "s3", endpoint: "e", bucket: "bkt", location: "l", access_key: "AK" } } },
      ".secrets/database.user": "secretuser\n",
      ".secrets/database.password": "  hunter2pw \n",
      ".secrets/stores.s.secret_key": "SK-very-secret\n",
    });
    const config = await load(dir);
    assert.equal(config.database?.user, "u");
    assert.equal(config.database?.password, "hunter2pw");
    assert.equal(config.sources["database.password"], "secret");
    assert.equal((config.stores.specs.s as any).secret_key, "SK-very-secret");
    assert.ok(config.secrets.includes("SK-very-secret"));
  });
  test("DJ_STORES replaces stores; DJ_IGNORE_CONFIG_FILE skips the file", async () => {
    const dir = project({ "dj.config.json": { schema: "lab", stores: { a: { protocol: "file", location: "." } } } });
    const config = await load(dir, { DJ_STORES: JSON.stringify({ b: { protocol: "file", location: "/tmp" } }) });
    assert.deepEqual(Object.keys(config.stores.specs), ["b"]);
    const ignored = await load(dir, { DJ_IGNORE_CONFIG_FILE: "true" });
    assert.equal(ignored.file, null);
    assert.equal(ignored.schema, null);
    assert.ok((await problemsOf(dir, { DJ_STORES: "[1]" })).some((p) => p.path === "DJ_STORES"));
  });
  test("flat dot keys are accepted", async () => {
    const dir = project({ "dj.config.json": { "database.host": "flat", "stores.main.protocol": "file", "stores.main.location": "." } });
    const config = await load(dir);
    assert.equal(config.database?.host, "flat");
    assert.equal(config.stores.specs.main?.protocol, "file");
  });
});

describe("store rules", () => {
  test("defaults are applied and token_length is clamped", async () => {
    const dir = project({
      "dj.config.json": { stores: { default: "s", s: { protocol: "S3", endpoint: "x:9000", bucket: "b", location: "", token_length: 99 } } },
    });
    const spec = (await load(dir)).stores.specs.s as any;
    assert.equal(spec.protocol, "s3");
    assert.equal(spec.secure, true);
    assert.equal(spec.token_length, 16);
    assert.equal(spec.hash_prefix, "_hash");
    assert.equal(spec.schema_prefix, "_schema");
    assert.equal(spec.subfolding, null);
  });
  test("every problem names its JSON path; unknown keys get a suggestion", async () => {
    const dir = project({
      "dj.config.json": {
        database: { hots: "x" },
        stores: {
          default: "nope",
          a: { protocol: "s3", endpoint: "e", location: "l", acess_key: "k" },
          b: { protocol: "file" },
          c: { protocol: "ftp", location: "x" },
          d: { protocol: "s3", endpoint: "e", bucket: "b", location: "l", access_key: "only" },
          e: { protocol: "file", location: "x", hash_prefix: "data", schema_prefix: "data/schema" },
        },
        requiredCodecs: "zarr",
      },
    });
    const problems = await problemsOf(dir);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.match(byPath["database.hots"]!, /did you mean 'host'/);
    assert.match(byPath["stores.a.acess_key"]!, /did you mean 'access_key'/);
    assert.match(byPath["stores.a.bucket"]!, /is missing/);
    assert.match(byPath["stores.b.location"]!, /is missing/);
    assert.match(byPath["stores.c.protocol"]!, /Unknown protocol "ftp"/);
    assert.match(byPath["stores.d.secret_key"]!, /Incomplete S3 credentials/);
    assert.match(byPath["stores.e.schema_prefix"]!, /overlap/);
    assert.match(byPath["stores.default"]!, /'nope', which is not configured/);
    assert.match(byPath["requiredCodecs"]!, /list of codec names/);
    await assert.rejects(load(dir), (e) => isDjError(e, "config") && /dj\.config\.json: database\.hots/.test(e.message) && /more problems/.test(e.message));
  });
  test("getStoreSpec resolves the default and uses DataJoint's error texts", async () => {
    const dir = project({ "dj.config.json": { stores: { default: "main", main: { protocol: "file", location: "." } } } });
    const config = await load(dir);
    assert.equal(getStoreSpec(config, "").name, "main");
    assert.equal(getStoreSpec(config, null).name, "main");
    assert.throws(() => getStoreSpec(config, "cold"), /Storage 'cold' is requested but not configured in stores/);
    assert.throws(() => getStoreSpec(config, null, { filepath: true }), /stores\.filepath_default is not configured/);
  });
});

describe("dj additions", () => {
  test("schema, requiredCodecs and codecs are read", async () => {
    const dir = project({ "dj.config.json": { schema: "lab", requiredCodecs: ["zarr@^0.1"], codecs: { zarr: { format: 3 } } } });
    const config = await load(dir);
    assert.deepEqual([config.schema, config.requiredCodecs, config.codecs], ["lab", ["zarr@^0.1"], { zarr: { format: 3 } }]);
  });
});

describe("database section: the plain reader and zod agree", () => {
  test("every section the plain reader accepts, zod reads the same way; the rest it leaves to zod", async () => {
    const { plainDatabase, zodDatabase } = await import("../../src/config/database.js");
    const accepted: Record<string, unknown>[] = [
      {},
      { host: "db.lab.org", user: "alice", password: "secret" },
      { host: "127.0.0.1:3307", port: 3306, backend: "mysql", use_tls: false },
      { port: "3308", use_tls: "true", create_tables: "false", reconnect: false, database_prefix: "lab_" },
      { backend: "postgres", use_tls: { ca: "/etc/ca.pem" }, name: null, user: null, password: null },
      { backend: "sqlite", create_tables: true, use_tls: null },
    ];
    for (const raw of accepted) {
      const plain = plainDatabase(raw);
      assert.ok(plain, JSON.stringify(raw));
      assert.deepEqual(plain, await zodDatabase(raw, [], {}), JSON.stringify(raw));
    }
    const left: Record<string, unknown>[] = [
      { hots: "x" },
      { host: "" },
      { port: 0 },
      { port: 70000 },
      { port: "33o6" },
      { port: " 3306" }, // zod's coercion accepts this one: it decides, not the plain reader
      { port: 3306.5 },
      { backend: "oracle" },
      { use_tls: "yes" },
      { use_tls: [1] },
      { reconnect: "true" },
      { create_tables: 1 },
      { user: 7 },
    ];
    for (const raw of left) assert.equal(plainDatabase(raw), null, JSON.stringify(raw));
    const problems: { path: string; message: string }[] = [];
    assert.equal(await zodDatabase({ hots: "x" }, problems, {}), null);
    assert.match(problems[0]!.message, /unknown key \(did you mean 'host'\?\)/);
  });
});
