/**
 * A COMMIT the server receives and carries out, whose answer never reaches dj (the connection
 * freezes right after it). dj cannot know whether the row was stored, so it must not remove the
 * objects the row may reference: it exits 4 saying so, the row the server committed fetches
 * whole, and nothing was lost. A proxy between dj and the real server forwards the COMMIT and
 * then nothing more, driven by the statement it sees, not by a timer.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { dbConfig, schemaName } from "../helpers/db.js";
import { mariadb, postgresql } from "../helpers/dialects.js";
import { pgConfig } from "../helpers/pg.js";
import { FAST, isMysqlQuery, isPgSimpleQuery, startFreezingProxy, type FreezingProxy } from "../helpers/stall.js";


const servers = [
  { dialect: mariadb, port: dbConfig.port, isCommit: (c: Buffer) => isMysqlQuery(c, "COMMIT") },
  { dialect: postgresql, port: pgConfig.port, isCommit: (c: Buffer) => isPgSimpleQuery(c, "COMMIT") },
];

for (const { dialect, port, isCommit } of servers)
describe(`a COMMIT whose answer is lost (${dialect.name})`, () => {
  const schema = schemaName("commitlost");
  let proxy: FreezingProxy;
  let dir: string;
  let cleanup: () => void;
  const config = (p: number) => ({
    // No TLS, so that the proxy can see the statements.
    database: { ...dialect.database, host: "127.0.0.1", port: p, use_tls: false },
    schema,
    stores: { default: "main", main: { protocol: "file", location: "./store" } },
  });

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": config(port),
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    w : <npy@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    execFileSync("python3", ["-c", "import numpy as np, sys; np.save(sys.argv[1], np.arange(1000, dtype='<f8'))", join(dir, "a.npy")]);
    const d = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
    proxy = await startFreezingProxy(port, isCommit, { forwardTrigger: true });
  });
  after(async () => {
    await proxy.close();
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("exit 4 saying the row may exist; the objects stay, and the committed row fetches whole", async () => {
    writeFile(dir, "dj.config.json", config(proxy.port));
    const r = await runDj(["insert", "Rec", "--key", "id=1", "--from", "w=a.npy"], { cwd: dir, env: FAST });
    assert.ok(proxy.frozen(), `the proxy saw the COMMIT: ${r.code} ${r.stderr}`);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /did not answer the COMMIT, so the row may have been stored: the objects it would reference are kept/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");

    // Straight to the server again: the server committed, and the row's object is there.
    writeFile(dir, "dj.config.json", config(port));
    const f = await runDj(["fetch", "Rec", "--key", "id=1", "--out", "back.npy"], { cwd: dir });
    assert.equal(f.code, 0, f.stderr);
    assert.ok(existsSync(join(dir, "back.npy")));
    assert.deepEqual(readFileSync(join(dir, "back.npy")), readFileSync(join(dir, "a.npy")), "the value a committed row references was not removed");
    const v = await runDj(["verify", "--schema", schema], { cwd: dir });
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
