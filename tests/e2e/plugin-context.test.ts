/**
 * The plugin context carries only what a plugin needs (issue 14 item 9). A spy plugin walks every
 * own property (enumerable or not) of the contexts it receives — the store object included — and
 * stores what it found; the database password and the store's secret key must not be among it,
 * and there is no `config`. The typed error helpers (`ctx.error`, `ctx.fail`, the helpers passed
 * to `getDtype`) give their kind's exit code, and the legacy `_dj: true` shape still works.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, writePlugin, type RunResult } from "../helpers/cli.js";
import { connect, dbConfig, dropSchemas, schemaName } from "../helpers/db.js";
import { startS3rver, S3RVER_KEY, type S3Server } from "../helpers/s3rver.js";

const SPY = `
function walk(value, seen, out, depth) {
  if (typeof value === "string") { out.strings.push(value); return; }
  if (typeof value !== "object" || value === null || seen.has(value) || depth > 12) return;
  seen.add(value);
  for (const key of Object.getOwnPropertyNames(value)) {
    out.keys.push(key);
    let v;
    try { v = value[key]; } catch { continue; }
    walk(v, seen, out, depth + 1);
  }
}
export default {
  name: "spy",
  accepts: ["value"],
  getDtype(isStore, dj) {
    if (!isStore) throw dj.error("codec", "<spy> wants a store (raised with the getDtype helpers)", { hint: "write <spy@>" });
    return "json";
  },
  async encode(input, ctx) {
    const v = input.value;
    if (v === "new") throw ctx.error("input", "spy refused this value through ctx.error", { hint: "the typed helper" });
    if (v === "fail") ctx.fail("store", "spy refused this value through ctx.fail");
    if (v === "old") throw Object.assign(new Error("spy refused this value the old way"), { _dj: true, kind: "input" });
    const out = { keys: [], strings: [], helpers: [typeof ctx.fail, typeof ctx.error] };
    walk(ctx, new Set(), out, 0);
    return out;
  },
  async decode(stored, ctx) {
    const out = { keys: [], strings: [] };
    walk(ctx, new Set(), out, 0);
    return { kind: "value", value: { encode: stored, decode: out } };
  },
};
`;

function assertOneLine(r: RunResult, code: number, mention: RegExp, hint?: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, mention);
  if (hint) assert.match(lines[1]!, hint);
  assert.ok(lines.length <= 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe("the plugin context", () => {
  const schema = schemaName("ctx");
  const user = `djctx_${randomBytes(3).toString("hex")}`;
  const password = `pw-${randomBytes(6).toString("hex")}`;
  let s3: S3Server;
  let dir: string;
  let cleanup: () => void;
  const outputs: RunResult[] = [];
  const dj = async (...args: string[]) => {
    const r = await runDj(args, { cwd: dir });
    outputs.push(r);
    return r;
  };

  before(async () => {
    s3 = await startS3rver("ctx-bucket");
    const conn = await connect();
    await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await conn.query(`GRANT ALL ON \`${schema}\`.* TO '${user}'@'%'`);
    await conn.end();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": {
        database: { host: `${dbConfig.host}:${dbConfig.port}`, user, password },
        schema,
        stores: { default: "s3", s3: { ...s3.spec(), subfolding: null, partition_pattern: null } },
        codecs: { spy: { level: 3 } },
      },
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n    ---\n    v : <spy@>\n`,
      "bad.dj": `schema ${schema}\n\nBad (manual)\n    id : int32\n    ---\n    v : <spy>\n`,
    }));
    writePlugin(dir, { name: "dj-spy-codec", codecs: { spy: "./spy.js" }, modules: { "spy.js": SPY } });
    const r = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await conn.end();
    await s3.stop();
    cleanup();
  });

  test("carries no configuration and no secret, at encode and at decode", async () => {
    assert.equal((await dj("insert", "Rec", "--key", "id=1", "--set", 'v="look"')).code, 0);
    // The stored column value is what encode saw; the file written by fetch --out is what decode saw.
    const r = await dj("fetch", "Rec", "--json");
    assert.equal(r.code, 0, r.stderr);
    const encode = JSON.parse(r.stdout).rows[0].v;
    const out = await dj("fetch", "Rec", "--key", "id=1", "--out", "fetched.json");
    assert.equal(out.code, 0, out.stderr);
    const decode = JSON.parse(readFileSync(join(dir, "fetched.json"), "utf8")).decode;
    assert.deepEqual(encode.helpers, ["function", "function"]);
    for (const seen of [encode, decode]) {
      assert.ok(seen.keys.includes("options"), "the codec's own options are there");
      for (const key of ["config", "database", "password", "secret_key", "access_key", "secrets", "sources"]) {
        assert.ok(!seen.keys.includes(key), `no "${key}" reachable from the context`);
      }
      for (const s of seen.strings) {
        assert.ok(!s.includes(password), "the database password is not reachable");
        assert.ok(!s.includes(S3RVER_KEY), "the store's keys are not reachable");
      }
    }
    assert.ok(encode.keys.includes("objectPath") && encode.keys.includes("store") && encode.keys.includes("fail"));
    assert.ok(encode.strings.includes(schema) && encode.strings.includes("s3"), "where the value goes is there");
  });

  test("ctx.error gives the kind's exit code, the message and the hint", async () => {
    assertOneLine(await dj("insert", "Rec", "--key", "id=2", "--set", 'v="new"'), 7, /^dj: spy refused this value through ctx\.error$/, /^ {2}hint: the typed helper$/);
  });
  test("ctx.fail throws the kind's error", async () => {
    assertOneLine(await dj("insert", "Rec", "--key", "id=3", "--set", 'v="fail"'), 5, /^dj: spy refused this value through ctx\.fail$/);
  });
  test("the legacy _dj: true shape is still recognised", async () => {
    assertOneLine(await dj("insert", "Rec", "--key", "id=4", "--set", 'v="old"'), 7, /^dj: spy refused this value the old way$/);
  });
  test("getDtype receives the helpers", async () => {
    assertOneLine(await dj("declare", "bad.dj"), 6, /<spy> wants a store \(raised with the getDtype helpers\)/);
  });
  test("nothing was written by the refused inserts, and no secret was printed", async () => {
    const r = await dj("fetch", "Rec", "--json");
    assert.deepEqual(JSON.parse(r.stdout).rows.map((row: { id: number }) => row.id), [1]);
    for (const o of outputs) assert.ok(!(o.stdout + o.stderr).includes(password));
  });
});
