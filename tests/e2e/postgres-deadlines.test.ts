/**
 * Deadlines and lost connections on PostgreSQL, through the built binary, as on MySQL
 * (deadlines.test.ts): a server that accepts and never answers, one that resets every
 * connection, and one frozen in the middle of an INSERT. Each is exit 4 with one line naming the
 * server and what was being done; nothing is half-written. Nothing here measures time.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type pg from "pg";
import { runDj, tempProject } from "../helpers/cli.js";
import { pgConfig, pgConnect, pgDatabaseSection, pgDropSchemas, pgSchemaName } from "../helpers/pg.js";
import { assertOneLine, FAST, startFreezingProxy, startResettingServer, startSilentServer, type FreezingProxy, type SilentServer } from "../helpers/stall.js";



/** A PostgreSQL Parse message (extended protocol) whose statement text starts with `verb`. */
function isPgParse(chunk: Buffer, verb: string): boolean {
  for (let i = 0; i + 6 < chunk.length; ) {
    const len = chunk.readUInt32BE(i + 1);
    if (chunk[i] === 0x50) {
      const body = chunk.subarray(i + 5, i + 1 + len);
      const text = body.subarray(body.indexOf(0) + 1).toString("latin1");
      if (text.toUpperCase().startsWith(verb)) return true;
    }
    i += 1 + len;
  }
  return false;
}

describe("PostgreSQL that accepts and never answers", () => {
  let silent: SilentServer;
  before(async () => (silent = await startSilentServer()));
  after(() => silent.close());
  test("exit 4 naming the server and the handshake; a missed deadline is not retried", async () => {
    const { dir, cleanup } = tempProject({ "dj.config.json": { database: { backend: "postgresql", host: "127.0.0.1", port: silent.port, user: "postgres", password: "pw-never-printed" } } });
    try {
      const r = await runDj(["tables", "lab"], { cwd: dir, env: FAST });
      assertOneLine(r, 4, new RegExp(`^dj: cannot connect to the database at 127\\.0\\.0\\.1:${silent.port}: no handshake within 0\\.5 s$`));
      assert.match(r.stderr, /raise timeouts\.connect \(0\.5 s now\)/);
      assert.equal(silent.connections(), 1);
      assert.ok(!(r.stdout + r.stderr).includes("pw-never-printed"));
    } finally {
      cleanup();
    }
  });
});

describe("PostgreSQL that resets every connection", () => {
  let reset: SilentServer;
  before(async () => (reset = await startResettingServer()));
  after(() => reset.close());
  test("the first connection is tried 1 + retries times, then exit 4: the connection was lost", async () => {
    const { dir, cleanup } = tempProject({ "dj.config.json": { database: { backend: "postgresql", host: "127.0.0.1", port: reset.port, user: "postgres" } } });
    try {
      const r = await runDj(["tables", "lab"], { cwd: dir, env: { ...FAST, DJ_RETRIES: "2" } });
      assertOneLine(r, 4, new RegExp(`^dj: lost the connection to the database at 127\\.0\\.0\\.1:${reset.port} \\(3 attempts\\)$`));
      assert.equal(reset.connections(), 3);
    } finally {
      cleanup();
    }
  });
});

describe("PostgreSQL frozen in the middle of an insert", () => {
  const schema = pgSchemaName("pgfreeze");
  let proxy: FreezingProxy;
  let client: pg.Client;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    client = await pgConnect();
    // No TLS, so that the proxy can see the statement.
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: { ...pgDatabaseSection, use_tls: false }, schema },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    v : float64\n`,
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    assert.equal((await runDj(["insert", "Rec", "--key", "id=1", "--set", "v=1.5"], { cwd: dir })).code, 0);
    proxy = await startFreezingProxy(pgConfig.port, (chunk) => isPgParse(chunk, "INSERT"));
  });
  after(async () => {
    await proxy.close();
    await pgDropSchemas(client, schema);
    await client.end();
    cleanup();
  });
  test("dj insert gives exit 4 naming the server and the statement, and no row is added", async () => {
    const r = await runDj(["insert", "Rec", "--key", "id=2", "--set", "v=2.5"], { cwd: dir, env: { ...FAST, DJ_PORT: String(proxy.port) } });
    assert.ok(proxy.frozen(), "the proxy froze at the INSERT");
    assertOneLine(r, 4, new RegExp(`^dj: the database at 127\\.0\\.0\\.1:${proxy.port} stalled: no answer to INSERT within 0\\.5 s$`));
    assert.match(r.stderr, /raise timeouts\.idle \(0\.5 s now\)/);
    const { rows } = await client.query(`SELECT id FROM "${schema}"."rec" ORDER BY id`);
    assert.deepEqual(rows.map((x) => x.id), [1]);
  });
});

describe("PostgreSQL's own statement_timeout", () => {
  const schema = pgSchemaName("pgstmt");
  let client: pg.Client;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    client = await pgConnect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: pgDatabaseSection, schema },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n`,
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
  });
  after(async () => {
    await client.query("ROLLBACK").catch(() => {});
    await pgDropSchemas(client, schema);
    await client.end();
    cleanup();
  });
  test("a statement the server cancels (a lock held elsewhere) is exit 4 naming the statement", async () => {
    await client.query("BEGIN");
    await client.query(`LOCK TABLE "${schema}"."rec" IN ACCESS EXCLUSIVE MODE`);
    // node-postgres passes PGOPTIONS to the server: this session's statements may wait 300 ms.
    const r = await runDj(["fetch", "Rec"], { cwd: dir, env: { PGOPTIONS: "-c statement_timeout=300" } });
    await client.query("ROLLBACK");
    assertOneLine(r, 4, /^dj: the database at \S+ cancelled SELECT: canceling statement due to statement timeout$/);
  });
});
