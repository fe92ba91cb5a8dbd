/**
 * TLS as DataJoint reads `database.use_tls` (issue 14 item 7), through the built binary against
 * MariaDB behind a TLS front (tests/helpers/mysql-tls-proxy.ts; the test server has TLS
 * disabled), with a CA and certificates made here by openssl:
 *   true   — verified against the system's CAs: a certificate from the test's own CA fails (exit 4);
 *   object — `ca` verifies it (and the host name, unless check_hostname is false);
 *   false  — no TLS; a server without TLS and use_tls true is exit 4.
 * Then the same on PostgreSQL behind its own TLS front (tests/helpers/pg-tls-proxy.ts).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDj, tempProject, type RunResult } from "../helpers/cli.js";
import { connect, dbConfig, dropSchemas, schemaName } from "../helpers/db.js";
import { postgresql } from "../helpers/dialects.js";
import { startMysqlTlsProxy, type MysqlTlsProxy } from "../helpers/mysql-tls-proxy.js";
import { startFreezingProxy } from "../helpers/stall.js";
import { pgConfig, pgDatabaseSection, pgSchemaName } from "../helpers/pg.js";
import { startPgTlsProxy, type PgTlsProxy } from "../helpers/pg-tls-proxy.js";

function assertOneLine(r: RunResult, code: number, mention: RegExp, hint?: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, mention);
  assert.match(lines[1] ?? "", hint ?? /^ {2}hint: /);
  assert.equal(lines.length, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

/** A CA and a server certificate it signed, for `san` (e.g. "IP:127.0.0.1"). */
function makeCerts(dir: string, label: string, san: string): { ca: string; key: string; cert: string } {
  const p = (f: string) => join(dir, `${label}-${f}`);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "2", "-subj", `/CN=dj test CA ${label}`);
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=dj test server");
  writeFileSync(p("ext.cnf"), `subjectAltName=${san}\n`);
  openssl("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p("server.pem"), "-days", "2", "-extfile", p("ext.cnf"));
  return { ca: p("ca.pem"), key: readFileSync(p("server.key"), "utf8"), cert: readFileSync(p("server.pem"), "utf8") };
}

describe("database.use_tls", () => {
  const schema = schemaName("tls");
  let certDir: string;
  let good: MysqlTlsProxy;
  let wrongName: MysqlTlsProxy;
  let goodCa: string;
  let wrongNameCa: string;
  let otherCa: string;
  const projects: Array<() => void> = [];

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), "dj-tls-"));
    const main = makeCerts(certDir, "main", "IP:127.0.0.1");
    const named = makeCerts(certDir, "named", "DNS:db.example.org");
    otherCa = makeCerts(certDir, "other", "IP:127.0.0.1").ca;
    goodCa = main.ca;
    wrongNameCa = named.ca;
    good = await startMysqlTlsProxy(dbConfig.port, main);
    wrongName = await startMysqlTlsProxy(dbConfig.port, named);
  });
  after(async () => {
    await good.close();
    await wrongName.close();
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.end();
    projects.forEach((c) => c());
    rmSync(certDir, { recursive: true, force: true });
  });

  /** A project whose database is `port` with this use_tls; `ca.pem` copied beside the config. */
  function project(port: number, useTls: unknown, ca?: string): string {
    const files: Record<string, string | object> = {
      "dj.config.json": { database: { host: `127.0.0.1:${port}`, user: dbConfig.user, password: dbConfig.password, use_tls: useTls }, schema },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    v : float64\n`,
    };
    if (ca) files["certs/ca.pem"] = readFileSync(ca, "utf8");
    const p = tempProject(files);
    projects.push(p.cleanup);
    return p.dir;
  }

  test("an object with the CA: TLS verified, the main job works over it", async () => {
    const dir = project(good.port, { ca: "certs/ca.pem" }, goodCa);
    const sessions = good.tlsSessions();
    const declared = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(declared.code, 0, declared.stderr);
    assert.equal((await runDj(["insert", "Rec", "--key", "id=1", "--set", "v=2.5"], { cwd: dir })).code, 0);
    const fetched = await runDj(["fetch", "Rec", "--json"], { cwd: dir });
    assert.deepEqual(JSON.parse(fetched.stdout).rows, [{ id: 1, v: 2.5 }]);
    assert.ok(good.tlsSessions() > sessions, "the sessions ran over TLS");
  });

  test("true: verified against the system's CAs, so the test CA's certificate is refused (exit 4)", async () => {
    const dir = project(good.port, true);
    assertOneLine(
      await runDj(["insert", "Rec", "--key", "id=2", "--set", "v=1"], { cwd: dir }),
      4,
      new RegExp(`^dj: the certificate of the database at 127\\.0\\.0\\.1:${good.port} failed verification \\((unable to verify the first certificate|self-signed certificate in certificate chain|unable to get local issuer certificate)\\)$`),
      /^ {2}hint: give the CA that signed the server's certificate with "use_tls": \{"ca": "path\/to\/ca\.pem"\}/,
    );
  });

  test("an object with another CA is refused (exit 4)", async () => {
    const dir = project(good.port, { ca: "certs/ca.pem" }, otherCa);
    assertOneLine(await runDj(["tables"], { cwd: dir }), 4, /failed verification/, /^ {2}hint: the server's certificate is not signed by database\.use_tls\.ca/);
  });

  test("the host name is checked, unless check_hostname is false", async () => {
    const strict = project(wrongName.port, { ca: "certs/ca.pem" }, wrongNameCa);
    assertOneLine(await runDj(["tables"], { cwd: strict }), 4, /failed verification \(Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/);
    const relaxed = project(wrongName.port, { ca: "certs/ca.pem", check_hostname: false }, wrongNameCa);
    const r = await runDj(["tables"], { cwd: relaxed });
    assert.equal(r.code, 0, r.stderr);
  });

  test("false: no TLS, even where the server offers it", async () => {
    const dir = project(good.port, false);
    const sessions = good.tlsSessions();
    const r = await runDj(["fetch", "Rec", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(good.tlsSessions(), sessions, "no TLS session");
  });

  test("unset: TLS where the server offers it, on the one connection a command needs", async () => {
    const dir = project(good.port, null);
    const [sessions, connections] = [good.tlsSessions(), good.connections()];
    const r = await runDj(["fetch", "Rec", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(good.tlsSessions() - sessions, 1, "the session ran over TLS");
    assert.equal(good.connections() - connections, 1, "one TCP connection");
  });

  test("unset against a server without TLS: a plain session on the first connection, not a second try", async () => {
    const counter = await startFreezingProxy(dbConfig.port, () => false);
    try {
      const r = await runDj(["fetch", "Rec", "--json"], { cwd: project(counter.port, null) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(counter.connections(), 1);
    } finally {
      await counter.close();
    }
  });

  test("true against a server without TLS is exit 4; unset falls back to a plain connection", async () => {
    assertOneLine(await runDj(["tables"], { cwd: project(dbConfig.port, true) }), 4, /^dj: the database at .* does not offer TLS, but database\.use_tls requires it$/);
    assert.equal((await runDj(["tables"], { cwd: project(dbConfig.port, null) })).code, 0);
  });

  test("a CA file that cannot be read, or an unknown TLS option, is exit 3", async () => {
    assertOneLine(await runDj(["tables"], { cwd: project(good.port, { ca: "certs/missing.pem" }) }), 3, /^dj: database\.use_tls\.ca: cannot read .*certs\/missing\.pem \(ENOENT\)$/);
    assertOneLine(await runDj(["tables"], { cwd: project(good.port, { cafile: "x.pem" }) }), 3, /database\.use_tls\.cafile: unknown TLS option; allowed: ca, cert, key, check_hostname, cipher$/);
  });
});

/**
 * The same reading of `database.use_tls` on PostgreSQL (mapped to sslmode as DataJoint maps it:
 * unset = prefer, true or an object = require, false = disable), against the test server behind
 * a TLS front (tests/helpers/pg-tls-proxy.ts), since the server itself runs with ssl = off.
 */
describe("database.use_tls on PostgreSQL", () => {
  const schema = pgSchemaName("tls");
  let certDir: string;
  let good: PgTlsProxy;
  let wrongName: PgTlsProxy;
  let goodCa: string;
  let wrongNameCa: string;
  let otherCa: string;
  const projects: Array<() => void> = [];

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), "dj-pgtls-"));
    const main = makeCerts(certDir, "main", "IP:127.0.0.1");
    const named = makeCerts(certDir, "named", "DNS:db.example.org");
    otherCa = makeCerts(certDir, "other", "IP:127.0.0.1").ca;
    goodCa = main.ca;
    wrongNameCa = named.ca;
    good = await startPgTlsProxy(pgConfig.port, main);
    wrongName = await startPgTlsProxy(pgConfig.port, named);
  });
  after(async () => {
    await good.close();
    await wrongName.close();
    await postgresql.dropSchemas(schema);
    projects.forEach((c) => c());
    rmSync(certDir, { recursive: true, force: true });
  });

  function project(port: number, useTls: unknown, ca?: string): string {
    const files: Record<string, string | object> = {
      "dj.config.json": { database: { ...pgDatabaseSection, port, use_tls: useTls }, schema },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    v : float64\n`,
    };
    if (ca) files["certs/ca.pem"] = readFileSync(ca, "utf8");
    const p = tempProject(files);
    projects.push(p.cleanup);
    return p.dir;
  }

  test("an object with the CA: TLS verified, the main job works over it", async () => {
    const dir = project(good.port, { ca: "certs/ca.pem" }, goodCa);
    const sessions = good.tlsSessions();
    const declared = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(declared.code, 0, declared.stderr);
    assert.equal((await runDj(["insert", "Rec", "--key", "id=1", "--set", "v=2.5"], { cwd: dir })).code, 0);
    const fetched = await runDj(["fetch", "Rec", "--json"], { cwd: dir });
    assert.deepEqual(JSON.parse(fetched.stdout).rows, [{ id: 1, v: 2.5 }]);
    assert.ok(good.tlsSessions() > sessions, "the sessions ran over TLS");
  });

  test("true: verified against the system's CAs, so the test CA's certificate is refused (exit 4)", async () => {
    assertOneLine(
      await runDj(["insert", "Rec", "--key", "id=2", "--set", "v=1"], { cwd: project(good.port, true) }),
      4,
      new RegExp(`^dj: the certificate of the database at 127\\.0\\.0\\.1:${good.port} failed verification \\((unable to verify the first certificate|self-signed certificate in certificate chain|unable to get local issuer certificate)\\)$`),
      /^ {2}hint: give the CA that signed the server's certificate with "use_tls": \{"ca": "path\/to\/ca\.pem"\}/,
    );
  });

  test("an object with another CA is refused (exit 4)", async () => {
    assertOneLine(await runDj(["tables"], { cwd: project(good.port, { ca: "certs/ca.pem" }, otherCa) }), 4, /failed verification/, /^ {2}hint: the server's certificate is not signed by database\.use_tls\.ca/);
  });

  test("the host name is checked, unless check_hostname is false", async () => {
    assertOneLine(await runDj(["tables"], { cwd: project(wrongName.port, { ca: "certs/ca.pem" }, wrongNameCa) }), 4, /failed verification \(Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/);
    const r = await runDj(["tables"], { cwd: project(wrongName.port, { ca: "certs/ca.pem", check_hostname: false }, wrongNameCa) });
    assert.equal(r.code, 0, r.stderr);
  });

  test("false: no TLS, even where the server offers it (sslmode=disable)", async () => {
    const [tlsBefore, plainBefore] = [good.tlsSessions(), good.plainSessions()];
    const r = await runDj(["fetch", "Rec", "--json"], { cwd: project(good.port, false) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(good.tlsSessions(), tlsBefore, "no TLS session");
    assert.ok(good.plainSessions() > plainBefore);
  });

  test("unset: TLS where the server offers it (sslmode=prefer), here unverified as prefer is", async () => {
    const sessions = good.tlsSessions();
    const r = await runDj(["fetch", "Rec", "--json"], { cwd: project(good.port, null) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(good.tlsSessions() > sessions, "prefer took the TLS the server offered");
  });
});
