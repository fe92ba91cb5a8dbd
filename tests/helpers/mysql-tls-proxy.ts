/**
 * A TLS front for a MySQL/MariaDB server that has no certificate (the test server has TLS
 * disabled). MySQL does not start TLS at the first byte: the server greets in plain text, the
 * client asks for TLS with an SSLRequest packet, and the rest of the session runs inside TLS. So
 * this proxy speaks just enough of the protocol: it advertises TLS in the server's greeting,
 * answers the SSLRequest by upgrading the client's socket with the test's certificate, and
 * forwards the session to the plain server — renumbering the login packets, which the client
 * counts from the SSLRequest and the server does not see. After login, bytes pass unchanged.
 * A client that does not ask for TLS is forwarded as is. Real mysql2, real MariaDB, real TLS.
 */
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";

const CLIENT_SSL = 0x0800;

export interface MysqlTlsProxy {
  port: number;
  /** Sessions that completed a TLS handshake with the client. */
  tlsSessions(): number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Splits a byte stream into MySQL packets (3-byte length, 1-byte sequence, payload). */
class Framer {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUIntLE(0, 3);
      if (this.buf.length < 4 + len) break;
      out.push(this.buf.subarray(0, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
  rest(): Buffer {
    const r = this.buf;
    this.buf = Buffer.alloc(0);
    return r;
  }
}

export async function startMysqlTlsProxy(targetPort: number, cert: { key: string; cert: string }): Promise<MysqlTlsProxy> {
  const sockets = new Set<net.Socket>();
  let sessions = 0;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on("error", () => {});
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    let toClient: net.Socket = client;
    const end = () => {
      toClient.destroy();
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);

    // 1. The server's greeting, with CLIENT_SSL added to its capability flags.
    const fromServer = new Framer();
    let greeted = false;
    let inLogin = false;
    let shift = 0; // how much the client's packet numbers run ahead of the server's
    const onServerData = (chunk: Buffer) => {
      if (greeted && !inLogin) return void toClient.write(chunk);
      for (const packet of fromServer.push(chunk)) {
        if (!greeted) {
          greeted = true;
          const versionEnd = packet.indexOf(0, 5);
          const capsAt = versionEnd + 1 + 4 + 8 + 1;
          packet.writeUInt16LE(packet.readUInt16LE(capsAt) | CLIENT_SSL, capsAt);
          toClient.write(packet);
          continue;
        }
        packet[3] = (packet[3]! + shift) & 0xff;
        const kind = packet[4];
        // OK or ERR ends the login exchange; anything else (auth switch, more data) continues it.
        if (kind === 0x00 || kind === 0xff) inLogin = false;
        toClient.write(packet);
      }
      if (greeted && !inLogin) {
        const rest = fromServer.rest();
        if (rest.length) toClient.write(rest);
      }
    };
    upstream.on("data", onServerData);

    // 2. The client's first packet: an SSLRequest (32-byte payload with CLIENT_SSL), or a plain login.
    const fromClient = new Framer();
    let firstSeen = false;
    const forwardLogin = (packet: Buffer) => {
      packet[3] = (packet[3]! - shift) & 0xff;
      upstream.write(packet);
    };
    const onClientData = (chunk: Buffer) => {
      if (firstSeen && !inLogin) return void upstream.write(chunk);
      for (const packet of fromClient.push(chunk)) {
        if (!firstSeen) {
          firstSeen = true;
          inLogin = true;
          const caps = packet.readUInt32LE(4);
          if (packet.readUIntLE(0, 3) === 32 && caps & CLIENT_SSL) {
            client.removeListener("data", onClientData);
            // The TLS ClientHello may have arrived in the same chunk as the SSLRequest: feed TLS
            // from a stream that starts with whatever is left over, then everything the client sends.
            const raw = new Duplex({
              read() {},
              write(chunk, _encoding, callback) {
                client.write(chunk, callback);
              },
            });
            const leftover = fromClient.rest();
            if (leftover.length) raw.push(leftover);
            client.on("data", (c: Buffer) => raw.push(c));
            client.on("end", () => raw.push(null));
            const secure = new tls.TLSSocket(raw, { isServer: true, key: cert.key, cert: cert.cert });
            secure.on("error", () => end());
            secure.on("secure", () => sessions++);
            toClient = secure;
            shift = 1;
            const fromTls = new Framer();
            let loginSent = false;
            secure.on("data", (c: Buffer) => {
              if (loginSent && !inLogin) return void upstream.write(c);
              for (const p of fromTls.push(c)) {
                if (!loginSent) {
                  // The real login: the server never saw the SSLRequest, so TLS is not asked of it.
                  loginSent = true;
                  p.writeUInt32LE(p.readUInt32LE(4) & ~CLIENT_SSL, 4);
                }
                if (inLogin) forwardLogin(p);
                else upstream.write(p);
              }
              if (loginSent && !inLogin) {
                const rest = fromTls.rest();
                if (rest.length) upstream.write(rest);
              }
            });
            return;
          }
        }
        if (inLogin) forwardLogin(packet);
        else upstream.write(packet);
      }
      if (firstSeen && !inLogin) {
        const rest = fromClient.rest();
        if (rest.length) upstream.write(rest);
      }
    };
    client.on("data", onClientData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    tlsSessions: () => sessions,
    connections: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
