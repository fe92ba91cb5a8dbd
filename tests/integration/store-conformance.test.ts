/**
 * One conformance suite for every Store backend: the file store and s3 (on s3rver).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { FileStore } from "../../src/stores/file.js";
import { S3Store } from "../../src/stores/s3.js";
import type { Store } from "../../src/stores/types.js";
import { isDjError } from "../../src/errors.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** A stream of `size` pseudo-random bytes in uneven pieces, and the SHA-256 of it all. */
function randomStream(size: number): { stream: Readable; sha: () => string } {
  const hash = createHash("sha256");
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) return this.push(null);
      const n = Math.min(left, 1_000_003);
      const chunk = randomBytes(n);
      hash.update(chunk);
      left -= n;
      this.push(chunk);
    },
  });
  return { stream, sha: () => hash.digest("hex") };
}

function conformance(label: string, make: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  describe(`store conformance: ${label}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await make()));
    after(async () => cleanup());

    test("bytes round trip; missing objects are undefined", async () => {
      const data = randomBytes(1000);
      await store.set("a/b/c.bin", data);
      assert.equal(sha((await store.get("a/b/c.bin"))!), sha(data));
      assert.equal(await store.size("a/b/c.bin"), 1000);
      assert.equal(await store.exists("a/b/c.bin"), true);
      assert.equal(await store.get("a/b/missing"), undefined);
      assert.equal(await store.size("a/b/missing"), undefined);
      assert.equal(await store.getStream("nope/x"), undefined);
      await store.set("empty", new Uint8Array());
      assert.equal((await store.get("empty"))!.byteLength, 0);
    });

    test("ranged reads", async () => {
      const data = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.set("range.bin", data);
      assert.deepEqual([...(await store.getRange("range.bin", { offset: 10, length: 5 }))!], [10, 11, 12, 13, 14]);
      assert.equal(await store.getRange("missing.bin", { offset: 0, length: 5 }), undefined);
    });

    test("ifAbsent never replaces an object", async () => {
      await store.set("once", Buffer.from("first"));
      await assert.rejects(store.set("once", Buffer.from("second"), { ifAbsent: true }), (e) => isDjError(e, "conflict"));
      assert.equal(Buffer.from((await store.get("once"))!).toString(), "first");
      await store.set("once", Buffer.from("third"));
      assert.equal(Buffer.from((await store.get("once"))!).toString(), "third");
    });

    test("a 64 MiB stream upload is byte-exact (multipart on S3)", async () => {
      const size = 64 * 1024 * 1024;
      const { stream, sha: digest } = randomStream(size);
      await store.setStream("big/object.bin", stream);
      assert.equal(await store.size("big/object.bin"), size);
      const back = await collect((await store.getStream("big/object.bin"))!);
      assert.equal(back.length, size);
      assert.equal(sha(back), digest());
    });

    test("listing by prefix is recursive and exact at folder boundaries", async () => {
      await store.set("ls/x/1", Buffer.from("1"));
      await store.set("ls/x/y/2", Buffer.from("22"));
      await store.set("ls/xy/3", Buffer.from("333"));
      const keys = async (p: string) => {
        const out: string[] = [];
        for await (const o of store.list(p)) out.push(`${o.key}:${o.size}`);
        return out.sort();
      };
      assert.deepEqual(await keys("ls/x"), ["ls/x/1:1", "ls/x/y/2:2"]);
      assert.deepEqual(await keys("ls/"), ["ls/x/1:1", "ls/x/y/2:2", "ls/xy/3:3"]);
      assert.deepEqual(await keys("ls/none"), []);
      for await (const o of store.list("ls/x/1")) assert.ok(o.modified instanceof Date && o.modified.getTime() > 0);
    });

    test("delete and deletePrefix", async () => {
      await store.set("del/a", Buffer.from("a"));
      await store.set("del/sub/b", Buffer.from("b"));
      await store.set("del/sub/c", Buffer.from("c"));
      await store.delete("del/a");
      await store.delete("del/a"); // missing is fine
      assert.equal(await store.exists("del/a"), false);
      assert.equal(await store.deletePrefix("del/sub"), 2);
      const left: string[] = [];
      for await (const o of store.list("del")) left.push(o.key);
      assert.deepEqual(left, []);
    });

    test("keys that would escape the location are refused before any I/O", async () => {
      for (const key of ["../x", "a/../../x", "/etc/passwd", "a\\b", "a\u0000b", "a/./b"]) {
        await assert.rejects(store.set(key, Buffer.from("x")), (e) => isDjError(e, "store") && /refusing/.test(e.message), key);
      }
    });
  });
}

conformance("file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dj-filestore-"));
  return { store: new FileStore("local", dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

let server: S3Server;
conformance("s3 (s3rver)", async () => {
  server = await startS3rver();
  const store = new S3Store("remote", server.spec());
  return {
    store,
    cleanup: async () => {
      await store.close();
      await server.stop();
    },
  };
});

describe("s3 failures are told apart", () => {
  let srv: S3Server;
  before(async () => (srv = await startS3rver("failure-bucket")));
  after(async () => srv.stop());

  test("missing bucket, bad credentials, unreachable endpoint", async () => {
    const missing = new S3Store("m", srv.spec({ bucket: "no-such-bucket" }));
    await assert.rejects(missing.set("x", Buffer.from("x")), (e) => isDjError(e, "store") && e.code === "store.bucket" && /no-such-bucket/.test(e.message));
    const badKey = new S3Store("k", srv.spec({ access_key: "WRONG", secret_key: "WRONG" }));
    await assert.rejects(badKey.set("x", Buffer.from("x")), (e) => isDjError(e, "store") && e.code === "store.credentials");
    // s3rver checks the access key id but never verifies SigV4 signatures, so a wrong secret
    // with a known key id cannot be provoked here; the SDK maps it to SignatureDoesNotMatch,
    // which translateS3Error classifies with the same "credentials refused" message.
    const started = Date.now();
    const dead = new S3Store("d", srv.spec({ endpoint: "http://127.0.0.1:1" }));
    await assert.rejects(dead.get("x"), (e) => isDjError(e, "store") && e.code === "store.unreachable" && /store "d"/.test(e.message));
    assert.ok(Date.now() - started < 15_000, "a stopped server fails in seconds, never hangs");
    for (const s of [missing, badKey, dead]) await s.close();
  });
});
