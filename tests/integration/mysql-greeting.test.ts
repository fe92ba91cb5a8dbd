/**
 * Reading the MySQL greeting before mysql2 does (src/db/mysql/greeting.ts): against the real
 * MariaDB, and against small servers that send what a test decides (a greeting one byte at a
 * time, an error packet, a hang-up, silence). What was read must reach mysql2 byte for byte.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { readGreeting } from "../../src/db/mysql/greeting.js";
import { dbConfig } from "../helpers/db.js";

/** A server that runs `serve` on each connection. */
async function fakeServer(serve: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    serve(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A protocol-10 greeting packet with these lower capability flags. */
function greeting(flags: number): Buffer {
  const payload = Buffer.concat([
    Buffer.from([10]),
    Buffer.from("10.11.0-MariaDB\0"),
    Buffer.from([1, 0, 0, 0]), // connection id
    Buffer.from("abcdefgh"), // auth data, part 1
    Buffer.from([0]),
    Buffer.from([flags & 0xff, flags >> 8]),
    Buffer.alloc(20, 0x21),
  ]);
  const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, 0]);
  return Buffer.concat([header, payload]);
}

/** Everything the handed-over socket gives its next reader within a moment of the server's end. */
async function readAll(socket: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  socket.on("data", (c: Buffer) => parts.push(c));
  await new Promise((resolve) => socket.once("end", resolve));
  return Buffer.concat(parts);
}

test("the real server: its TLS offer is read, and mysql2 would get the greeting unread", async () => {
  const g = await readGreeting(dbConfig.host, dbConfig.port, 5000);
  const { execFileSync } = await import("node:child_process");
  const haveSsl = execFileSync("mariadb", ["-h", dbConfig.host, "-P", String(dbConfig.port), "-u", dbConfig.user, ...(dbConfig.password ? [`-p${dbConfig.password}`] : []), "-Nse", "SELECT @@have_ssl"], { encoding: "utf8" }).trim();
  assert.equal(g.offersTls, haveSsl === "YES", `have_ssl is ${haveSsl}`);
  const socket = g.handOver();
  const first = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
  assert.equal(first[4], 10, "the greeting's first payload byte, protocol 10");
  socket.destroy();
});

test("a greeting sent one byte at a time, with and without TLS; the bytes are handed over intact", async () => {
  for (const flags of [0xf7ff, 0xf7ff & ~0x0800]) {
    const bytes = greeting(flags);
    const server = await fakeServer(async (s) => {
      for (const b of bytes) await new Promise<void>((resolve) => s.write(Buffer.from([b]), () => resolve()));
      s.end();
    });
    const g = await readGreeting("127.0.0.1", server.port, 5000);
    assert.equal(g.offersTls, (flags & 0x0800) !== 0);
    assert.deepEqual(await readAll(g.handOver()), bytes);
    await server.close();
  }
});

test("an error packet instead of a greeting is handed over for mysql2 to report", async () => {
  const message = Buffer.from("#HY000Too many connections");
  const payload = Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), message]);
  const packet = Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
  const server = await fakeServer((s) => s.end(packet));
  const g = await readGreeting("127.0.0.1", server.port, 5000);
  assert.equal(g.offersTls, false);
  assert.deepEqual(await readAll(g.handOver()), packet);
  await server.close();
});

test("a server that hangs up, or says nothing, fails as mysql2 would", async () => {
  const hangUp = await fakeServer((s) => s.end());
  await assert.rejects(readGreeting("127.0.0.1", hangUp.port, 5000), { code: "PROTOCOL_CONNECTION_LOST" });
  await hangUp.close();
  const silent = await fakeServer(() => {});
  await assert.rejects(readGreeting("127.0.0.1", silent.port, 300), { code: "ETIMEDOUT" });
  await silent.close();
  const closed = await fakeServer(() => {});
  const port = closed.port;
  await closed.close();
  await assert.rejects(readGreeting("127.0.0.1", port, 5000), { code: "ECONNREFUSED" });
});
