import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject } from "../helpers/cli.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";

describe("dj store", () => {
  let srv: S3Server;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    srv = await startS3rver("cli-bucket");
    const s3 = (o: object) => ({ ...srv.spec(), ...o });
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        stores: {
          default: "local",
          local: { protocol: "file", location: "./store" },
          remote: strip(s3({})),
          nobucket: strip(s3({ bucket: "missing-bucket" })),
          deadend: strip(s3({ endpoint: "127.0.0.1:1" })),
          badcreds: strip(s3({ access_key: "NOT-A-KEY", secret_key: "very-secret-value" })),
          nodir: { protocol: "file", location: "./does-not-exist" },
        },
      },
    }));
    mkdirSync(join(dir, "store"));
  });
  after(async () => {
    cleanup();
    await srv.stop();
  });

  test("list masks secrets and marks the default", async () => {
    const r = await runDj(["store", "list", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.default, "local");
    const bad = doc.stores.find((s: { name: string }) => s.name === "badcreds");
    assert.equal(bad.secret_key, "****");
    assert.doesNotMatch(r.stdout, /very-secret-value/);
  });

  test("check passes on a file store and on s3, with latencies", async () => {
    const r = await runDj(["store", "check", "local", "remote"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /ok\s+local\s+write \d+ ms, read \d+ ms, delete \d+ ms/);
    assert.match(r.stdout, /ok\s+remote/);
  });

  test("wrong bucket, wrong endpoint, bad credentials and a missing folder fail with distinct causes (exit 5)", async () => {
    const messages: Record<string, string> = {};
    for (const name of ["nobucket", "deadend", "badcreds", "nodir"]) {
      const r = await runDj(["store", "check", name], { cwd: dir });
      assert.equal(r.code, 5, `${name}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.doesNotMatch(r.stdout + r.stderr, /very-secret-value/);
      messages[name] = r.stderr;
    }
    assert.match(messages.nobucket!, /bucket "missing-bucket" does not exist/);
    assert.match(messages.deadend!, /endpoint http:\/\/127\.0\.0\.1:1 is unreachable/);
    assert.match(messages.badcreds!, /access denied .* credentials were refused/);
    assert.match(messages.nodir!, /does-not-exist does not exist or is not a directory/);
  });

  test("ls lists objects under a prefix", async () => {
    const { FileStore } = await import("../../src/stores/file.js");
    const store = new FileStore("local", join(dir, "store"));
    await store.set("_hash/lab/aaaa", Buffer.from("xyz"));
    const r = await runDj(["store", "ls", "local", "_hash", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).objects.map((o: { key: string; size: number }) => [o.key, o.size]), [["_hash/lab/aaaa", 3]]);
    const unknown = await runDj(["store", "ls", "nope"], { cwd: dir });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /Storage 'nope' is requested but not configured in stores/);
  });
});

/** Store specs in a config file carry only the keys a user writes. */
function strip(spec: Record<string, unknown>) {
  const { protocol, endpoint, bucket, location, access_key, secret_key, secure } = spec;
  return { protocol, endpoint, bucket, location, access_key, secret_key, secure };
}
