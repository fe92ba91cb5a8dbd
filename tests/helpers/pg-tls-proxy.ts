/**
 * A TLS front for a PostgreSQL server that has no certificate (the test server runs with
 * ssl = off). A PostgreSQL client asks for TLS with an 8-byte SSLRequest before anything else;
 * the server answers one byte, 'S' (go ahead) or 'N' (no TLS), and on 'S' the rest of the session
 * runs inside TLS. This proxy answers 'S', upgrades the client's socket with the test's
 * certificate and forwards the decrypted session to the plain server, which never sees the
 * SSLRequest. A client that starts without asking for TLS is forwarded byte for byte. Real `pg`,
 * real PostgreSQL, real TLS.
 */
import net from "node:net";
import tls from "node:tls";

/** Length 8, then the request code 1234.5679 (80877103): PostgreSQL's SSLRequest. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface PgTlsProxy {
  port: number;
  /** Sessions that completed a TLS handshake with the client. */
  tlsSessions(): number;
  /** Sessions forwarded without TLS. */
  plainSessions(): number;
  close(): Promise<void>;
}

export async function startPgTlsProxy(targetPort: number, cert: { key: string; cert: string }): Promise<PgTlsProxy> {
  let tlsCount = 0;
  let plainCount = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const forward = (client: net.Socket | tls.TLSSocket, first: Buffer) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    track(upstream);
    if (first.length) upstream.write(first);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 8) return;
      client.off("data", onData);
      client.pause();
      if (!head.subarray(0, 8).equals(SSL_REQUEST)) {
        plainCount++;
        forward(client, head);
        client.resume();
        return;
      }
      client.write("S");
      const secure = new tls.TLSSocket(client, { isServer: true, key: cert.key, cert: cert.cert });
      track(secure);
      secure.once("secure", () => tlsCount++);
      // Nothing follows an SSLRequest until the client has read the 'S': head is exactly it.
      forward(secure, Buffer.alloc(0));
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    tlsSessions: () => tlsCount,
    plainSessions: () => plainCount,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
