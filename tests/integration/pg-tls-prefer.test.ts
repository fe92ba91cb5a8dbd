/**
 * `use_tls: null` on PostgreSQL (sslmode=prefer) asks the server first and, when it has no TLS,
 * goes on over the same socket: one connection, not a refused TLS attempt and a second one. The
 * test server runs with ssl = off; a counting TCP proxy in front of it sees every connection.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Server } from "node:net";
import { PostgresDriver } from "../../src/db/postgres/driver.js";
import { askForTls } from "../../src/db/postgres/tls-probe.js";
import { pgConfig } from "../helpers/pg.js";

function listen(server: Server): Promise<number> {
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok((server.address() as { port: number }).port)));
}

describe("PostgreSQL use_tls null: one connection when the server has no TLS", () => {
  let proxy: Server;
  let port: number;
  let accepted = 0;
  before(async () => {
    proxy = createServer((client) => {
      accepted++;
      const up = connect(pgConfig.port, pgConfig.host);
      client.pipe(up).pipe(client);
      up.on("error", () => client.destroy());
      client.on("error", () => up.destroy());
    });
    port = await listen(proxy);
  });
  after(() => new Promise<void>((ok) => proxy.close(() => ok())));

  test("the server answers no to the TLS request", async () => {
    const answer = await askForTls(pgConfig.host, pgConfig.port, 5000);
    assert.equal(answer.offered, false);
    if (!answer.offered) answer.socket.destroy();
  });

  test("a server that offers TLS is reported as offering it; a garbled answer is an error", async () => {
    const yes = createServer((s) => s.end("S"));
    const garbled = createServer((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const [yesPort, garbledPort] = [await listen(yes), await listen(garbled)];
    try {
      assert.deepEqual(await askForTls("127.0.0.1", yesPort, 5000), { offered: true });
      await assert.rejects(askForTls("127.0.0.1", garbledPort, 5000), /unexpected answer/);
    } finally {
      yes.close();
      garbled.close();
    }
  });

  test("connect, a statement and a transaction go over one connection", async () => {
    accepted = 0;
    const driver = await PostgresDriver.connect(
      { backend: "postgresql", host: "127.0.0.1", port, user: pgConfig.user, password: pgConfig.password || null, use_tls: null, name: pgConfig.database, database_prefix: "" },
      {},
      () => {},
    );
    try {
      const r = await driver.query<{ v: number }>("SELECT 41 + 1 AS v");
      assert.equal(Number(r.rows[0]!.v), 42);
      const t = await driver.transaction(async (conn) => (await conn.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0]!.ssl);
      assert.equal(t, false);
    } finally {
      await driver.close();
    }
    assert.equal(accepted, 1);
  });
});
