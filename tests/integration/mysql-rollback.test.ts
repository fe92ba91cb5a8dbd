/**
 * A transaction whose ROLLBACK fails must not hand its connection back to the pool: the next
 * user would inherit whatever state made the ROLLBACK fail. Real MariaDB: the transaction's
 * body ends the ordinary transaction and opens an XA one, so the driver's ROLLBACK fails with
 * XAER_RMFAIL while the connection itself stays alive.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MysqlDriver } from "../../src/db/mysql/driver.js";
import type { Driver } from "../../src/db/types.js";
import { dbConfig } from "../helpers/db.js";

let driver: MysqlDriver & Driver;
const logged: string[] = [];

before(async () => {
  const database = { backend: "mysql" as const, host: dbConfig.host, port: dbConfig.port, user: dbConfig.user, password: dbConfig.password, use_tls: false, name: null, database_prefix: "" };
  driver = await MysqlDriver.connect(database, {}, (line) => logged.push(line));
});
after(() => driver.close());

const connectionId = async (run: Pick<Driver, "query">) => Number((await run.query<{ id: number }>("SELECT CONNECTION_ID() AS id")).rows[0]!.id);

test("a failed ROLLBACK discards the connection; the body's own error is the one thrown", async () => {
  // The pool holds one connection so far (the probe's): the transaction and the query after it
  // would share it if it went back.
  const before = await connectionId(driver);
  let inside = 0;
  await assert.rejects(
    driver.transaction(async (conn) => {
      inside = await connectionId(conn);
      await conn.query("COMMIT");
      await conn.query("XA START 'dj_rollback_test'");
      throw new Error("the body failed");
    }),
    /the body failed/,
  );
  assert.equal(inside, before, "the transaction ran on the pooled connection");
  const next = await connectionId(driver);
  assert.notEqual(next, inside, "the connection whose ROLLBACK failed was reused");
  const xa = await driver.query("XA RECOVER");
  assert.equal(xa.rows.length, 0, "the next statement ran inside the abandoned XA transaction");
  assert.ok(logged.some((l) => /ROLLBACK failed.*XAER_RMFAIL.*discarded/.test(l)), `--verbose says why the connection went: ${logged.join(" | ")}`);
});

test("after a successful ROLLBACK the connection goes back to the pool", async () => {
  const before = await connectionId(driver);
  await assert.rejects(
    driver.transaction(async () => {
      throw new Error("plain failure");
    }),
    /plain failure/,
  );
  assert.equal(await connectionId(driver), before);
});
