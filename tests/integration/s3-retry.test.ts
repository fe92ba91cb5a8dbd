/**
 * Which S3 requests are retried (issue 14 item 3): against a real TCP server that accepts and
 * never answers, counting the connections each call makes. Idempotent requests whose body dj
 * holds (GET, HEAD, LIST, DELETE, a PUT of bytes) are tried 1 + retries times; a streamed upload
 * (multipart or not: its body cannot be replayed, and starting a multipart upload is not
 * idempotent) is tried once.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { S3Store } from "../../src/stores/s3.js";
import { isDjError } from "../../src/errors.js";
import { startSilentServer, type SilentServer } from "../helpers/stall.js";
import type { S3StoreSpec } from "../../src/config/types.js";

describe("S3 retries only idempotent requests", () => {
  let silent: SilentServer;
  let store: S3Store;
  const timeouts = { connectMs: 500, idleMs: 300, retries: 1 };
  before(async () => {
    silent = await startSilentServer();
    const spec = {
      protocol: "s3", endpoint: `127.0.0.1:${silent.port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK",
      subfolding: null, partition_pattern: null, token_length: 8, hash_prefix: "_hash", schema_prefix: "_schema", filepath_prefix: null,
    } as S3StoreSpec;
    store = new S3Store("mute", spec, timeouts);
  });
  after(async () => {
    await store.close();
    await silent.close();
  });

  const connectionsFor = async (call: () => Promise<unknown>, op: RegExp) => {
    const before = silent.connections();
    await assert.rejects(call(), (e) => isDjError(e, "store") && e.code === "store.stalled" && op.test(e.message));
    return silent.connections() - before;
  };

  test("GET, HEAD, LIST, DELETE and a PUT of bytes: 1 + retries attempts", async () => {
    assert.equal(await connectionsFor(() => store.get("k"), /while reading k \(2 attempts\)$/), 2);
    assert.equal(await connectionsFor(() => store.size("k"), /while checking k \(2 attempts\)$/), 2);
    assert.equal(await connectionsFor(() => store.delete("k"), /while deleting k \(2 attempts\)$/), 2);
    assert.equal(await connectionsFor(() => store.set("k", new Uint8Array(10)), /while writing k \(2 attempts\)$/), 2);
    assert.equal(
      await connectionsFor(async () => {
        for await (const _ of store.list("")) break;
      }, /while listing the store \(2 attempts\)$/),
      2,
    );
  });

  test("a streamed upload and a multipart upload: one attempt", async () => {
    assert.equal(await connectionsFor(() => store.setStream("small", Readable.from([Buffer.alloc(100)])), /while writing small$/), 1);
    assert.equal(await connectionsFor(() => store.setStream("big", Readable.from([Buffer.alloc(9 * 1024 * 1024)])), /while writing big$/), 1);
  });
});
