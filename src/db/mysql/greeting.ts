/**
 * The MySQL server's greeting, read on a fresh socket that is then handed to mysql2 unchanged.
 *
 * Why: with `use_tls` unset, DataJoint asks for TLS and falls back to a plain connection when the
 * server has none. mysql2 learns that only after the greeting and then fails the connection, so
 * the fallback cost a second TCP connection and handshake (two round trips more on a remote
 * server, ~10 ms on loopback). The greeting says whether the server offers TLS (the CLIENT_SSL
 * capability), so dj reads it first, puts the bytes back on the socket, and gives mysql2 a socket
 * and a TLS setting that will both work: one connection.
 *
 * Failures look like mysql2's own (Node's `code` for network errors, `ETIMEDOUT` for a missed
 * connect deadline, PROTOCOL_CONNECTION_LOST for a server that hangs up), so the driver's one
 * translation and retry rule serve both.
 */
import { connect, type Socket } from "node:net";

/**
 * A TCP socket for mysql2, as mysql2 makes its own (no delay, keep-alive), that also serves an IP
 * address whose certificate will be checked against that address. mysql2
 * gives TLS no server name for an IP (SNI cannot carry one), and Node then checks the certificate
 * against the socket's recorded host, which a socket connected to an IP leaves empty — so it
 * would check "localhost". Recording the address makes the check use it.
 */
export function socketFor(host: string, port: number): Socket {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  (socket as unknown as { _host: string })._host = host;
  return socket;
}

/** Capability flag of the protocol-10 handshake: the server can switch to TLS. */
const CLIENT_SSL = 0x0800;

export interface Greeting {
  /**
   * Connected and paused, with the greeting's bytes unread again: mysql2 reads them as if first.
   * Call `handOver()` where mysql2 asks for its stream: it resumes the socket once mysql2 listens.
   */
  handOver(): Socket;
  /** False for a server without TLS and for an error packet (mysql2 reports that one itself). */
  offersTls: boolean;
}

/** Where the lower capability flags sit in a protocol-10 greeting payload, or -1 if not yet known. */
function flagsOffset(payload: Buffer): number {
  if (payload.length < 1 || payload[0] !== 10) return -1;
  const versionEnd = payload.indexOf(0, 1);
  if (versionEnd < 0) return -1;
  // version NUL, connection id (4), auth data part 1 (8), filler (1), then the flags (2).
  return versionEnd + 1 + 4 + 8 + 1;
}

export function readGreeting(host: string, port: number, connectMs: number): Promise<Greeting> {
  return new Promise((resolve, reject) => {
    const socket = socketFor(host, port);
    let received = Buffer.alloc(0);
    const fail = (err: Error & { code?: string }) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT", fatal: true })), connectMs);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length <= 4) return;
      const length = received.readUIntLE(0, 3);
      const payload = received.subarray(4, 4 + length);
      // An error packet (0xff: too many connections, host blocked) or another protocol: no TLS
      // offered; mysql2 reads the packet and reports it in its own words.
      if (payload[0] !== 10) return done(false);
      const at = flagsOffset(payload);
      if (at >= 0 && payload.length >= at + 2) return done((payload.readUInt16LE(at) & CLIENT_SSL) !== 0);
      if (payload.length === length) return done(false); // the whole packet, too short to carry flags
    };
    const onEnd = () => fail(Object.assign(new Error("Connection lost: The server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST", fatal: true }));
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", fail);
      socket.off("end", onEnd);
    };
    const done = (offersTls: boolean) => {
      cleanup();
      socket.pause();
      socket.unshift(received);
      resolve({
        offersTls,
        handOver: () => {
          // mysql2 adds its "data" listener right after taking the stream; a paused socket
          // keeps the greeting buffered until then.
          process.nextTick(() => socket.resume());
          return socket;
        },
      });
    };
    socket.on("data", onData);
    socket.once("error", fail);
    socket.once("end", onEnd);
  });
}
