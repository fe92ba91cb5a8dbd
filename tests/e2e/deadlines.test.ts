/**
 * Every network call has a deadline (issue 14 item 3), through the built binary: a server that
 * accepts and never answers (as S3 and as MySQL), an S3 server frozen in the middle of an upload,
 * a MySQL server frozen in the middle of an insert. Each gives its exit code (5 store, 4 database),
 * one line naming the endpoint and the operation, no stack trace, and changes nothing. Short
 * deadlines come from the environment (DJ_CONNECT_TIMEOUT, DJ_IDLE_TIMEOUT, DJ_RETRIES), so the
 * suite stays fast; nothing here measures time: a hang would fail the test by its own timeout.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dbConfig, dropSchemas, schemaName } from "../helpers/db.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { assertOneLine, FAST, isMysqlQuery, startFreezingProxy, startResettingServer, startSilentServer, type FreezingProxy, type SilentServer } from "../helpers/stall.js";



describe("an S3 endpoint that accepts and never answers", () => {
  let silent: SilentServer;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    silent = await startSilentServer();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        stores: {
          default: "mute",
          mute: { protocol: "s3", endpoint: `127.0.0.1:${silent.port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK-never-printed" },
        },
      },
    }));
  });
  after(async () => {
    await silent.close();
    cleanup();
  });

  test("dj store check reports it as stalled (exit 5); a missed deadline is not retried", async () => {
    const r = await runDj(["store", "check"], { cwd: dir, env: FAST });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /^STALLED mute {2}store "mute": endpoint http:\/\/127\.0\.0\.1:\d+ stalled: no answer within 0\.5 s while writing \.dj-probe\/\S+$/m);
    assert.match(r.stdout, /hint: the server accepted the connection but stopped answering; check it, or raise timeouts\.idle \(0\.5 s now\)/);
    assertOneLine(r, 5, /^dj: store "mute": endpoint http:\/\/127\.0\.0\.1:\d+ stalled: no answer within 0\.5 s while writing/);
    assert.equal(silent.connections(), 1, "the deadline is the bound: no second wait");
  });

  test("--json gives status stalled", async () => {
    const r = await runDj(["store", "check", "--json"], { cwd: dir, env: { ...FAST, DJ_RETRIES: "0" } });
    assert.equal(r.code, 5);
    assert.equal(r.stderr, "");
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, false);
    assert.equal(doc.stores[0].status, "stalled");
    assert.match(doc.stores[0].error, /stalled: no answer within 0\.5 s while writing/);
  });

  test("dj store ls: listing is named, within the deadline", async () => {
    const r = await runDj(["store", "ls", "mute"], { cwd: dir, env: FAST });
    assertOneLine(r, 5, /^dj: store "mute": endpoint http:\/\/127\.0\.0\.1:\d+ stalled: no answer within 0\.5 s while listing the store$/);
    assert.ok(!(r.stdout + r.stderr).includes("SK-never-printed"));
  });

  test("deadlines are configurable in the file; bad values are exit 3", async () => {
    const { dir: d2, cleanup: c2 } = tempProject({
      "dj.config.json": {
        timeouts: { connect: 0.5, idle: 0.3, retries: 0 },
        stores: { default: "mute", mute: { protocol: "s3", endpoint: `127.0.0.1:${silent.port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK" } },
      },
    });
    try {
      const before = silent.connections();
      const r = await runDj(["store", "check"], { cwd: d2 });
      assert.equal(r.code, 5);
      assert.match(r.stdout, /stalled: no answer within 0\.3 s while writing \S+$/m);
      assert.equal(silent.connections() - before, 1);
      for (const [timeouts, bad] of [[{ idle: -1 }, /timeouts\.idle: must be a number of seconds above 0/], [{ retries: 1.5 }, /timeouts\.retries: must be a whole number from 0 to 10/], [{ idel: 3 }, /timeouts\.idel: unknown key/]] as const) {
        const c = tempProject({ "dj.config.json": { timeouts } });
        try {
          assertOneLine(await runDj(["store", "list"], { cwd: c.dir }), 3, bad);
        } finally {
          c.cleanup();
        }
      }
      const shown = await runDj(["config", "show", "--sources", "--json"], { cwd: d2, env: { DJ_CONNECT_TIMEOUT: "2" } });
      assert.deepEqual(JSON.parse(shown.stdout).timeouts, { connect: 2, idle: 0.3, retries: 0 });
      assert.deepEqual(
        ["connect", "idle", "retries"].map((k) => JSON.parse(shown.stdout).sources[`timeouts.${k}`]),
        ["env", "file", "file"],
      );
      assertOneLine(await runDj(["store", "list"], { cwd: d2, env: { DJ_IDLE_TIMEOUT: "soon" } }), 3, /timeouts\.idle: must be a number of seconds above 0 .*\(from DJ_IDLE_TIMEOUT\)/);
    } finally {
      c2();
    }
  });
});

describe("servers that reset every connection: idempotent requests are retried", () => {
  let reset: SilentServer;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    reset = await startResettingServer();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: { host: `127.0.0.1:${reset.port}`, user: "root" },
        stores: { default: "flaky", flaky: { protocol: "s3", endpoint: `127.0.0.1:${reset.port}`, bucket: "b", location: "x", secure: false, access_key: "AK", secret_key: "SK" } },
      },
    }));
  });
  after(async () => {
    await reset.close();
    cleanup();
  });
  test("S3: the probe's PUT of bytes is tried 1 + retries times", async () => {
    const before = reset.connections();
    const r = await runDj(["store", "check"], { cwd: dir, env: { ...FAST, DJ_RETRIES: "2" } });
    assertOneLine(r, 5, /^dj: store "flaky": endpoint http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNRESET\) while writing \.dj-probe\/\S+ \(3 attempts\)$/);
    assert.equal(reset.connections() - before, 3);
  });
  test("MySQL: the first connection is tried 1 + retries times", async () => {
    const before = reset.connections();
    const r = await runDj(["tables", "lab"], { cwd: dir, env: { ...FAST, DJ_RETRIES: "2" } });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr.split("\n")[0]!, new RegExp(`^dj: .*127\\.0\\.0\\.1:${reset.port}.*\\(3 attempts\\)$`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(reset.connections() - before, 3);
  });
});

describe("an S3 server frozen in the middle of an upload", () => {
  let s3: S3Server;
  let proxy: FreezingProxy;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    s3 = await startS3rver("frozen-bucket");
    // Forward the first 2 MiB the client sends, then freeze: the 24 MiB upload is under way.
    proxy = await startFreezingProxy(s3.port, (chunk, forwarded) => forwarded + chunk.length > 2 * 1024 * 1024);
    const spec = s3.spec();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        schema: "lab",
        stores: {
          default: "viaproxy",
          viaproxy: { ...spec, endpoint: `http://127.0.0.1:${proxy.port}` },
          direct: spec,
        },
      },
      "p.dj": "schema lab\n\nScan (manual)\n    id : int32\n    ---\n    movie : <npy@>\n",
    }));
    const py = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/big.npy", np.arange(3 * 1024 * 1024, dtype="<f8")); np.save("${dir}/small.npy", np.arange(10.0))`]);
    assert.equal(py.status, 0, String(py.stderr));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    assert.equal((await runDj(["insert", "Scan", "--key", "id=1", "--from", "small.npy"], { cwd: dir })).code, 0);
  });
  after(async () => {
    await proxy.close();
    await s3.stop();
    cleanup();
  });

  const listing = async () => {
    const r = await runDj(["store", "ls", "direct", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).objects.map((o: { key: string; size: number }) => `${o.key} ${o.size}`);
  };
  const rows = async () => JSON.parse((await runDj(["fetch", "Scan", "--json"], { cwd: dir })).stdout).rows.map((r: { id: number }) => r.id);

  test("dj insert gives exit 5 naming the endpoint and the operation, and changes nothing", async () => {
    const before = { objects: await listing(), rows: await rows() };
    assert.deepEqual(before.rows, [1]);
    const r = await runDj(["insert", "Scan", "--key", "id=2", "--from", "big.npy"], { cwd: dir, env: FAST });
    assert.ok(proxy.frozen(), "the proxy froze mid-upload");
    assert.equal(r.code, 5, r.stderr);
    const first = r.stderr.split("\n")[0]!;
    assert.match(first, new RegExp(`^dj: store "viaproxy": endpoint http://127\\.0\\.0\\.1:${proxy.port} stalled: no answer within 0\\.5 s while writing _schema/lab/scan/id=2/movie_\\S+\\.npy$`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(await rows(), before.rows, "no row");
    // The insert's intent record (gc's bookkeeping in .dj-gc/) could not be removed through the
    // frozen endpoint; once its process is gone a gc collects it. No user object stays.
    const outsideControl = (keys: string[]) => keys.filter((k) => !k.startsWith(".dj-gc/"));
    assert.deepEqual(outsideControl(await listing()), before.objects, "no object");
    // "direct" and "viaproxy" are one bucket under two endpoints, which no config check can see:
    // gc of "direct" must not take row 1's object (referenced through "viaproxy") for an orphan.
    const gc = await runDj(["gc", "--store", "direct", "--min-age", "0"], { cwd: dir });
    assert.equal(gc.code, 5, gc.stdout + gc.stderr);
    assert.match(gc.stdout + gc.stderr, /referenced by rows through store "viaproxy": "direct" and "viaproxy" look like one location under two names/);
    assert.deepEqual(outsideControl(await listing()), before.objects, "the live object stays");
  });
});

describe("MySQL that accepts and never answers", () => {
  let silent: SilentServer;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    silent = await startSilentServer();
    ({ dir, cleanup } = tempProject({ "dj.config.json": { database: { host: `127.0.0.1:${silent.port}`, user: "root", password: "pw-never-printed" }, schema: "lab" } }));
  });
  after(async () => {
    await silent.close();
    cleanup();
  });
  test("dj insert gives exit 4 naming the server and the handshake", async () => {
    const r = await runDj(["insert", "Scan", "--key", "id=1", "--set", "v=1"], { cwd: dir, env: FAST });
    assertOneLine(r, 4, new RegExp(`^dj: cannot connect to the database at 127\\.0\\.0\\.1:${silent.port}: no handshake within 0\\.5 s$`));
    assert.match(r.stderr, /raise timeouts\.connect \(0\.5 s now\)/);
    assert.equal(silent.connections(), 1, "a missed deadline is not retried");
    assert.ok(!(r.stdout + r.stderr).includes("pw-never-printed"));
  });
  test("dj tables, with the deadline from the config file", async () => {
    const { dir: d2, cleanup: c2 } = tempProject({ "dj.config.json": { database: { host: `127.0.0.1:${silent.port}` }, timeouts: { connect: 0.4, retries: 0 } } });
    try {
      assertOneLine(await runDj(["tables", "lab"], { cwd: d2 }), 4, /no handshake within 0\.4 s$/);
    } finally {
      c2();
    }
  });
});

describe("MySQL frozen in the middle of a statement", () => {
  const schema = schemaName("freeze");
  let dir: string;
  let cleanup: () => void;
  const proxies: FreezingProxy[] = [];
  /** A proxy to the test server that freezes at the first client packet `when` accepts. */
  const frozenAt = async (when: (chunk: Buffer) => boolean, opts?: { forwardTrigger?: boolean }) => {
    const proxy = await startFreezingProxy(dbConfig.port, when, opts);
    proxies.push(proxy);
    return { proxy, env: { ...FAST, DJ_HOST: `127.0.0.1:${proxy.port}` } };
  };
  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: databaseSection, schema },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    v : float64\n`,
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    assert.equal((await runDj(["insert", "Rec", "--key", "id=1", "--set", "v=1.5"], { cwd: dir })).code, 0);
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });
  test("dj insert gives exit 4 naming the server and the statement, and no row is added", async () => {
    const { proxy, env } = await frozenAt((chunk) => isMysqlQuery(chunk, "INSERT"));
    const r = await runDj(["insert", "Rec", "--key", "id=2", "--set", "v=2.5"], { cwd: dir, env });
    assert.ok(proxy.frozen(), "the proxy froze at the INSERT");
    assertOneLine(r, 4, new RegExp(`^dj: the database at 127\\.0\\.0\\.1:${proxy.port} stalled: no answer to INSERT within 0\\.5 s$`));
    assert.match(r.stderr, /raise timeouts\.idle \(0\.5 s now\)/);
    const conn = await connect();
    const [found] = await conn.query<any[]>(`SELECT id FROM \`${schema}\`.\`rec\` ORDER BY id`);
    await conn.end();
    assert.deepEqual(found.map((x) => x.id), [1]);
  });
  // Streamed rows are read without mysql2's whole-query timeout (an export may run for hours);
  // the wait for each next row has the idle deadline instead.
  test("dj fetch --format jsonl gives exit 4 within the idle deadline, with nothing half-written", { timeout: 30_000 }, async () => {
    // Frozen at the statement that reads the table's rows: the server runs it, dj never hears back.
    const table = Buffer.from(`\`${schema}\`.\`rec\``);
    const { proxy, env } = await frozenAt((chunk) => isMysqlQuery(chunk, "SELECT") && chunk.includes(table), { forwardTrigger: true });
    const out = join(dir, "rows.jsonl");
    const r = await runDj(["fetch", "Rec", "--format", "jsonl", "--out", out], { cwd: dir, env });
    assert.ok(proxy.frozen(), "the proxy froze at the SELECT of the rows");
    assertOneLine(r, 4, new RegExp(`^dj: the database at 127\\.0\\.0\\.1:${proxy.port} stalled: no answer to SELECT within 0\\.5 s$`));
    assert.equal(existsSync(out), false, "no partial export file");
  });
});
