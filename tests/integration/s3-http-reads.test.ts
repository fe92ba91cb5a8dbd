/**
 * The s3 store's read path over signed HTTP (src/stores/s3-http.ts): it keeps the SDK path's
 * deadlines, retry rule and messages, and it really does leave the SDK unloaded.
 * Misbehaving servers are real TCP/HTTP servers on 127.0.0.1 driven by the test, never timers.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { S3StoreSpec } from "../../src/config/types.js";
import { isDjError } from "../../src/errors.js";
import { S3Store } from "../../src/stores/s3.js";
import { staticCredentials } from "../../src/stores/s3-http.js";
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

/** An HTTP server on `host` answering every GET with `body`; `honourRange: false` ignores Range (some servers do). */
async function objectServer(host: string, body: Buffer, honourRange: boolean): Promise<{ port: number; hosts: string[]; close(): Promise<void> }> {
  const hosts: string[] = [];
  const server: Server = createServer((req, res) => {
    hosts.push(req.headers.host ?? "");
    const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ""));
    if (honourRange && m) {
      const [a, b] = [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
      res.writeHead(206, { "content-length": String(b - a + 1), "content-range": `bytes ${a}-${b}/${body.length}` });
      return res.end(body.subarray(a, b + 1));
    }
    res.writeHead(200, { "content-length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, hosts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("endpoints and credentials", () => {
  const body = Buffer.from("0123456789");

  test("an IPv6 endpoint: the socket goes to the address, the Host header keeps the brackets", async () => {
    const server = await objectServer("::1", body, true);
    const store = new S3Store("v6", { ...spec(server.port), endpoint: `[::1]:${server.port}` }, timeouts);
    assert.deepEqual(await store.getRange("k", { offset: 2, length: 3 }), Buffer.from("234"));
    assert.equal(await store.size("k"), 10);
    assert.deepEqual(server.hosts, [`[::1]:${server.port}`, `[::1]:${server.port}`]);
    await store.close();
    await server.close();
  });

  test("a server that ignores Range: the range is cut from the whole object, on both read paths", async () => {
    const server = await objectServer("127.0.0.1", body, false);
    const signed = new S3Store("plain", spec(server.port), timeouts);
    assert.deepEqual(await signed.getRange("k", { offset: 2, length: 3 }), Buffer.from("234"));
    assert.deepEqual(await signed.getRange("k", { offset: 8, length: 5 }), Buffer.from("89"));
    await signed.close();
    // The SDK path: credentials from a profile, which only the SDK's chain reads.
    const dir = mkdtempSync(join(tmpdir(), "dj-aws-profile-"));
    writeFileSync(join(dir, "credentials"), "[lab]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = s\n");
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_CONFIG_FILE: join(dir, "config"), AWS_PROFILE: "lab" });
    try {
      const viaSdk = new S3Store("sdk", { ...spec(server.port), access_key: undefined, secret_key: undefined }, timeouts);
      assert.deepEqual(Buffer.from((await viaSdk.getRange("k", { offset: 2, length: 3 }))!), Buffer.from("234"));
      await viaSdk.close();
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
    await server.close();
  });

  test("the environment's keys sign reads only when the SDK would use them too (not with AWS_PROFILE)", () => {
    const bare = { ...spec(1), access_key: undefined, secret_key: undefined };
    const keys = { AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" };
    assert.deepEqual(staticCredentials(bare, keys), { accessKeyId: "ENVKEY", secretAccessKey: "s", sessionToken: "t" });
    assert.equal(staticCredentials(bare, { ...keys, AWS_PROFILE: "lab" }), undefined);
    assert.equal(staticCredentials(bare, {}), undefined);
    assert.deepEqual(staticCredentials(spec(1), { ...keys, AWS_PROFILE: "lab" }), { accessKeyId: "AK", secretAccessKey: "SK" }, "the store's own keys always win");
  });
});

// A read that hangs fails its test instead of holding up the whole run.
describe("reads from servers that misbehave", { timeout: 60_000 }, () => {
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

  test("a body cut short in the same packet as its headers: the stream still fails, it never hangs", async () => {
    // Headers, 10 of 1000 bytes and the hang-up reach dj at once: the body has failed before
    // getStream hands it on, which an "error" listener added afterwards would never hear of.
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"), Buffer.alloc(10)])));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const store = new S3Store("cut", { ...spec((server.address() as AddressInfo).port) }, { ...timeouts, retries: 0 });
    for (let i = 0; i < 5; i++) {
      const stream = await store.getStream("k").catch((err) => err);
      if (stream instanceof Error) continue; // failed while sending: fine, it did not hang
      const f = await storeFailure(async () => {
        for await (const _ of stream);
      });
      assert.equal(f.code, "store.unreachable");
    }
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
