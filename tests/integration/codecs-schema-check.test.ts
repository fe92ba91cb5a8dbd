import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runDj, tempProject } from "../helpers/cli.js";
import { connect, schemaName } from "../helpers/db.js";
import { configFor, mariadb, postgresql } from "../helpers/dialects.js";
import { pgConnect } from "../helpers/pg.js";

/** Add a column as another tool would, with a codec marker in its comment (each server's way). */
const addForeignColumn: Record<"mariadb" | "postgresql", (schema: string) => Promise<void>> = {
  async mariadb(schema) {
    const conn = await connect();
    await conn.query(`ALTER TABLE \`${schema}\`.thing ADD COLUMN w json DEFAULT NULL COMMENT ':<zarr@s>:waves'`);
    await conn.end();
  },
  async postgresql(schema) {
    const client = await pgConnect();
    await client.query(`ALTER TABLE "${schema}".thing ADD COLUMN w jsonb DEFAULT NULL`);
    await client.query(`COMMENT ON COLUMN "${schema}".thing.w IS ':<zarr@s>:waves'`);
    await client.end();
  },
};

for (const dialect of [mariadb, postgresql])
describe(`dj codecs check --schema (${dialect.name})`, () => {
  const schema = schemaName("cchk");
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, { stores: { default: "s", s: { protocol: "file", location: "." } } }),
      "p.dj": `schema ${schema}\n\nThing (manual)\n    id : int32\n    ---\n    a : <blob>\n    b = null : <npy@>\n`,
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    // A column written by another tool with a codec this project does not have.
    await addForeignColumn[dialect.name as "mariadb" | "postgresql"](schema);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
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
