/**
 * Which S3 requests are retried (issue 14 item 3), counting the connections each call makes at
 * real TCP servers: one that resets every connection (a transient fault) and one that accepts and
 * never answers (a missed deadline). After a reset, idempotent requests whose body dj holds (GET,
 * HEAD, LIST, DELETE, a PUT of bytes) are tried 1 + retries times; a streamed upload (multipart or
 * not: its body cannot be replayed, and starting a multipart upload is not idempotent) is tried
 * once. A missed deadline is never retried: the wait stays what the user configured.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { S3Store } from "../../src/stores/s3.js";
import { isDjError } from "../../src/errors.js";
import { startResettingServer, startSilentServer, type SilentServer } from "../helpers/stall.js";
import type { S3StoreSpec } from "../../src/config/types.js";

const timeouts = { connectMs: 500, idleMs: 300, retries: 1 };
const storeAt = (port: number) =>
  new S3Store(
    "flaky",
    {
      protocol: "s3", endpoint: `127.0.0.1:${port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK",
      subfolding: null, partition_pattern: null, token_length: 8, hash_prefix: "_hash", schema_prefix: "_schema", filepath_prefix: null,
    } as S3StoreSpec,
    timeouts,
  );

/** Connections `call` made at `server` before failing with a store error of `code` matching `op`. */
async function connectionsFor(server: SilentServer, call: () => Promise<unknown>, code: string, op: RegExp): Promise<number> {
  const before = server.connections();
  await assert.rejects(call(), (e) => isDjError(e, "store") && e.code === code && op.test(e.message));
  return server.connections() - before;
}

describe("after a reset, S3 retries only idempotent requests", () => {
  let server: SilentServer;
  let store: S3Store;
  before(async () => {
    server = await startResettingServer();
    store = storeAt(server.port);
  });
  after(async () => {
    await store.close();
    await server.close();
  });
  const tries = (call: () => Promise<unknown>, op: RegExp) => connectionsFor(server, call, "store.unreachable", op);

  test("GET, HEAD, LIST, DELETE and a PUT of bytes: 1 + retries attempts", async () => {
    assert.equal(await tries(() => store.get("k"), /while reading k \(2 attempts\)$/), 2);
    assert.equal(await tries(() => store.size("k"), /while checking k \(2 attempts\)$/), 2);
    assert.equal(await tries(() => store.delete("k"), /while deleting k \(2 attempts\)$/), 2);
    assert.equal(await tries(() => store.set("k", new Uint8Array(10)), /while writing k \(2 attempts\)$/), 2);
    const list = async () => {
      for await (const _ of store.list("")) break;
    };
    assert.equal(await tries(list, /while listing the store \(2 attempts\)$/), 2);
  });

  test("a streamed upload and a multipart upload: one attempt", async () => {
    assert.equal(await tries(() => store.setStream("small", Readable.from([Buffer.alloc(100)])), /while writing small$/), 1);
    assert.equal(await tries(() => store.setStream("big", Readable.from([Buffer.alloc(9 * 1024 * 1024)])), /while writing big$/), 1);
  });
});

describe("a missed deadline is not retried", () => {
  let server: SilentServer;
  let store: S3Store;
  before(async () => {
    server = await startSilentServer();
    store = storeAt(server.port);
  });
  after(async () => {
    await store.close();
    await server.close();
  });
  test("GET and a PUT of bytes at a silent server: one attempt each, reported as stalled", async () => {
    assert.equal(await connectionsFor(server, () => store.get("k"), "store.stalled", /stalled: no answer within 0\.3 s while reading k$/), 1);
    assert.equal(await connectionsFor(server, () => store.set("k", new Uint8Array(10)), "store.stalled", /while writing k$/), 1);
  });
});
