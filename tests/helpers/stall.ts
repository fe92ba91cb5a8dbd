/**
 * Network services that misbehave on purpose, for deadline tests: real TCP servers on
 * 127.0.0.1, driven by what the test sends, never by timers.
 * - `startSilentServer()` accepts connections and never sends a byte.
 * - `startFreezingProxy()` forwards to a real server until the client's bytes meet a condition
 *   (N bytes sent, a statement seen), then stops forwarding in both directions — a server frozen
 *   in the middle of an upload or an insert. Connections made after that are held silent too.
 */
import assert from "node:assert/strict";
import net from "node:net";
import type { RunResult } from "./cli.js";

/** Deadlines short enough that a stalled service fails a test run in about a second. */
export const FAST = { DJ_CONNECT_TIMEOUT: "0.5", DJ_IDLE_TIMEOUT: "0.5", DJ_RETRIES: "1" };

/** Exit `code` with exactly one error line matching `mention`, its hint line, and no stack trace. */
export function assertOneLine(r: RunResult, code: number, mention: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, mention);
  assert.match(lines[1] ?? "", /^ {2}hint: /);
  assert.equal(lines.length, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts connections and closes them at once (a transient fault: a reset, "socket hang up"). */
export async function startResettingServer(): Promise<SilentServer> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.on("error", () => {});
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface FreezingProxy {
  port: number;
  /** True once the condition was met and forwarding stopped. */
  frozen(): boolean;
  /** Client→server bytes forwarded before the freeze. */
  forwarded(): number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * `freezeWhen(chunk, forwardedSoFar)` is asked for every client→server chunk; when it returns
 * true, that chunk is not forwarded (unless `forwardTrigger`) and nothing more is, either way.
 */
export async function startFreezingProxy(
  targetPort: number,
  freezeWhen: (chunk: Buffer, forwarded: number) => boolean,
  opts: { forwardTrigger?: boolean } = {},
): Promise<FreezingProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let forwarded = 0;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on("error", () => {});
    if (frozen) return; // a frozen server accepts and says nothing
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", closeBoth);
    upstream.on("close", () => {
      if (!frozen) client.destroy();
    });
    client.on("data", (chunk: Buffer) => {
      if (!frozen && freezeWhen(chunk, forwarded)) {
        frozen = true;
        // `forwardTrigger`: the server gets the statement, the client never hears back (a COMMIT
        // that commits while its answer is lost).
        if (opts.forwardTrigger) {
          forwarded += chunk.length;
          upstream.write(chunk);
        }
      }
      if (frozen) {
        // Stop reading too, so the sender's buffers fill and its writes stall.
        client.pause();
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    frozen: () => frozen,
    forwarded: () => forwarded,
    connections: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A MySQL COM_QUERY packet whose statement starts with `verb` (e.g. "INSERT"). */
export function isMysqlQuery(chunk: Buffer, verb: string): boolean {
  // packet: 3-byte length, 1-byte sequence, then the command byte (0x03 = COM_QUERY) and the SQL.
  return chunk.length > 5 && chunk[4] === 0x03 && chunk.subarray(5, 5 + verb.length).toString("latin1").toUpperCase() === verb.toUpperCase();
}

/** A PostgreSQL simple-protocol Query message ('Q') whose statement starts with `verb`. */
export function isPgSimpleQuery(chunk: Buffer, verb: string): boolean {
  for (let i = 0; i + 5 < chunk.length; ) {
    const len = chunk.readUInt32BE(i + 1);
    if (chunk[i] === 0x51 && chunk.subarray(i + 5, i + 5 + verb.length).toString("latin1").toUpperCase() === verb.toUpperCase()) return true;
    i += 1 + len;
  }
  return false;
}
