import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "mysql2/promise";
import { runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";

describe("dj codecs check --schema", () => {
  const schema = schemaName("cchk");
  let conn: Connection;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    conn = await connect();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { database: databaseSection, stores: { default: "s", s: { protocol: "file", location: "." } } },
      "p.dj": `schema ${schema}\n\nThing (manual)\n    id : int32\n    ---\n    a : <blob>\n    b = null : <npy@>\n`,
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    // A column written by another tool with a codec this project does not have.
    await conn.query(`ALTER TABLE \`${schema}\`.thing ADD COLUMN w json DEFAULT NULL COMMENT ':<zarr@s>:waves'`);
  });
  after(async () => {
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });

  test("every codec a schema's tables use must be installed; missing ones are named with their install hint", async () => {
    const r = await runDj(["codecs", "check", "--schema", schema, "--json"], { cwd: dir });
    assert.equal(r.code, 6, r.stderr);
    const doc = JSON.parse(r.stdout);
    const byName = Object.fromEntries(doc.codecs.map((c: any) => [c.name, c]));
    assert.equal(byName.blob.status, "ok");
    assert.equal(byName.npy.status, "ok");
    assert.equal(byName.zarr.status, "missing");
    assert.equal(byName.zarr.hint, "npm install dj-zarr-codecs");
    assert.equal(byName.zarr.source, `${schema}.thing.w`);
  });

  test("an unknown codec does not stop the table from being described or listed", async () => {
    const d = await runDj(["describe", `${schema}.Thing`], { cwd: dir });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /w = null : <zarr@s>  # waves/);
    const f = await runDj(["fetch", `${schema}.Thing`], { cwd: dir });
    assert.equal(f.code, 0, f.stderr);
  });
});
