/**
 * The s3 store's read path over signed HTTP (src/stores/s3-http.ts): it keeps the SDK path's
 * deadlines, retry rule and messages, and it really does leave the SDK unloaded.
 * Misbehaving servers are real TCP/HTTP servers on 127.0.0.1 driven by the test, never timers.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import type { S3StoreSpec } from "../../src/config/types.js";
import { isDjError } from "../../src/errors.js";
import { S3Store } from "../../src/stores/s3.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { startResettingServer, startSilentServer } from "../helpers/stall.js";

const timeouts = { connectMs: 500, idleMs: 400, retries: 1 };
const sdkLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("/@aws-sdk/client-s3/"));
const spec = (port: number): S3StoreSpec => ({
  protocol: "s3", endpoint: `127.0.0.1:${port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK",
  subfolding: null, partition_pattern: null, token_length: 8,
} as S3StoreSpec);

async function storeFailure(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (err) {
    assert.ok(isDjError(err), `not a dj error: ${String(err)}`);
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  assert.fail("expected a store error");
}

describe("reads over signed HTTP on s3rver", () => {
  let s3: S3Server;
  before(async () => (s3 = await startS3rver("reads")));
  after(() => s3.stop());

  test("whole objects, ranges, streams and sizes leave the SDK unloaded; a write loads it", async () => {
    const store = new S3Store("s3", s3.spec(), timeouts);
    const writer = new S3Store("writer", s3.spec(), timeouts);
    // Reads first: the first write below loads the SDK into this process.
    assert.equal(await store.get("absent/key"), undefined);
    assert.equal(await store.size("absent/key"), undefined);
    assert.equal(await store.getStream("absent/key"), undefined);
    assert.equal(await store.getRange("absent/key", { offset: 0, length: 4 }), undefined);
    assert.equal(sdkLoaded(), false, "a read loaded the AWS SDK");
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 7) % 251);
    await writer.set("a b/ü+=.bin", bytes);
    assert.equal(sdkLoaded(), true, "the check above could not see the SDK");
    assert.deepEqual(await store.get("a b/ü+=.bin"), Buffer.from(bytes));
    assert.deepEqual(await store.getRange("a b/ü+=.bin", { offset: 9990, length: 100 }), Buffer.from(bytes.subarray(9990)));
    assert.deepEqual(await store.getRange("a b/ü+=.bin", { offset: 20_000, length: 10 }), new Uint8Array());
    assert.equal(await store.size("a b/ü+=.bin"), 10_000);
    const parts: Buffer[] = [];
    for await (const c of (await store.getStream("a b/ü+=.bin"))!) parts.push(c as Buffer);
    assert.deepEqual(Buffer.concat(parts), Buffer.from(bytes));
    await store.close();
    await writer.close();
  });

  test("a missing bucket and refused credentials get the SDK path's messages", async () => {
    const noBucket = new S3Store("s3", s3.spec({ bucket: "no-such-bucket" }), timeouts);
    const bucket = await storeFailure(() => noBucket.get("k"));
    assert.equal(bucket.code, "store.bucket");
    assert.match(bucket.message, /bucket "no-such-bucket" does not exist/);
    const badKey = new S3Store("s3", s3.spec({ access_key: "WRONG" }), timeouts);
    const denied = await storeFailure(() => badKey.get("k"));
    assert.equal(denied.code, "store.credentials");
    assert.match(denied.message, /access denied .*\(InvalidAccessKeyId\)/);
  });
});

describe("reads from servers that misbehave", () => {
  test("a server that accepts and never answers: stalled, within the idle deadline, not retried", async () => {
    const silent = await startSilentServer();
    const store = new S3Store("mute", spec(silent.port), timeouts);
    for (const read of [() => store.get("k"), () => store.size("k"), () => store.getStream("k"), () => store.getRange("k", { offset: 0, length: 1 })]) {
      const before = silent.connections();
      const f = await storeFailure(read);
      assert.equal(f.code, "store.stalled");
      assert.match(f.message, /^store "mute": endpoint http:\/\/127\.0\.0\.1:\d+ stalled: no answer within 0\.4 s while (reading|checking) k$/);
      assert.equal(silent.connections() - before, 1, "a missed deadline was retried");
    }
    await store.close();
    await silent.close();
  });

  test("a server that resets connections: unreachable after 1 + retries attempts", async () => {
    const reset = await startResettingServer();
    const store = new S3Store("flaky", spec(reset.port), timeouts);
    const f = await storeFailure(() => store.get("k"));
    assert.equal(f.code, "store.unreachable");
    assert.match(f.message, /\(2 attempts\)$/);
    assert.equal(reset.connections(), 2);
    await store.close();
    await reset.close();
  });

  test("a body cut short (the server hangs up before content-length bytes) is an error, never truncated data", async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write(Buffer.alloc(10), () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const store = new S3Store("cut", spec((server.address() as AddressInfo).port), timeouts);
    const whole = await storeFailure(() => store.get("k"));
    assert.equal(whole.code, "store.unreachable");
    assert.match(whole.message, /\(2 attempts\)$/, "a reset read is retried");
    const ranged = await storeFailure(() => store.getRange("k", { offset: 0, length: 1000 }));
    assert.equal(ranged.code, "store.unreachable");
    const stream = (await store.getStream("k"))!;
    const streamed = await storeFailure(async () => {
      for await (const _ of stream);
    });
    assert.equal(streamed.code, "store.unreachable");
    await store.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test("a body that stops mid-way fails the stream with the stalled error", async () => {
    const held: ServerResponse[] = [];
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write(Buffer.alloc(10)); // then nothing: the test holds the response open
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const store = new S3Store("half", spec((server.address() as AddressInfo).port), timeouts);
    const stream = (await store.getStream("k"))!;
    const f = await storeFailure(async () => {
      for await (const _ of stream);
    });
    assert.equal(f.code, "store.stalled");
    const whole = await storeFailure(() => store.get("k"));
    assert.equal(whole.code, "store.stalled");
    for (const res of held) res.destroy();
    await store.close();
    await new Promise((resolve) => server.close(resolve));
  });
});
