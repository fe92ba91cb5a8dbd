/**
 * DataJoint's `use_tls: null` is libpq's sslmode=prefer: TLS when the server offers it. node-postgres
 * has no "prefer", so dj used to connect with TLS, see the server refuse, and connect again
 * without — two connections, and on PostgreSQL each one forks a server process (13–100 ms here).
 * Instead dj asks first, on its own socket (an SSLRequest: the server answers one byte, `S` or
 * `N`), and when the answer is no, hands that same socket to pg, which goes on with the plain
 * startup message on it, as the protocol allows. A server that offers TLS gets the normal path.
 */
import { connect, type Socket } from "node:net";

/** SSLRequest: length 8, then the request code 80877103 (1234 << 16 | 5679). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export type TlsAnswer = { offered: true } | { offered: false; socket: Socket };

/**
 * Resolves with the server's answer; rejects on a socket error, a close, or no answer within
 * `timeoutMs` (errors shaped like pg's, so that retries and messages treat them alike).
 */
export function askForTls(host: string, port: number, timeoutMs: number): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error("timeout expired"), { code: "ETIMEDOUT" })));
    const closed = () => fail(Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" }));
    socket.once("error", fail);
    socket.once("close", closed);
    socket.once("connect", () => socket.write(SSL_REQUEST));
    socket.once("data", (buf) => {
      socket.setTimeout(0);
      socket.off("error", fail);
      socket.off("close", closed);
      if (buf.length === 1 && buf[0] === 0x53 /* S */) {
        socket.destroy();
        return resolve({ offered: true });
      }
      if (buf.length !== 1 || buf[0] !== 0x4e /* N */) return fail(new Error(`unexpected answer to the TLS request: ${buf.subarray(0, 16).toString("hex")}`));
      resolve({ offered: false, socket: preConnected(socket) });
    });
  });
}

/** pg calls `connect()` on the stream it is given: on this socket that only reports "connected". */
function preConnected(socket: Socket): Socket {
  socket.connect = (() => {
    process.nextTick(() => socket.emit("connect"));
    return socket;
  }) as Socket["connect"];
  return socket;
}
