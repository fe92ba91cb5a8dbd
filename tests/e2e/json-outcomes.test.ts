/**
 * Issue 15: errors become exit codes only in cli.ts, and `--json` prints exactly one document.
 * An error alone is `{"error": {code, message, hint?, exit}}`; a command that ran to the end and
 * found problems (codecs check, config validate, doctor) prints its report with that `error`
 * member. An unexpected exception inside a codec (a plain Error, not `ctx.fail`) is an internal
 * error: exit 1 with the "please report" hint, not exit 6; `ctx.fail` keeps its kind.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, writePlugin, type RunResult } from "../helpers/cli.js";

/** stdout is one JSON document (nothing before or after it); returns it. */
function oneDocument(r: RunResult): Record<string, any> {
  const text = r.stdout.trim();
  assert.ok(text.length > 0, `no document on stdout; stderr: ${r.stderr}`);
  const doc = JSON.parse(text); // throws on a second document or trailing text
  assert.equal(typeof doc, "object");
  return doc;
}

/** A codec whose encode has a bug (a TypeError), and one that refuses values with ctx.fail. */
const BUGGY = `export default {
  name: "buggy",
  description: "a codec with a bug in encode",
  accepts: ["value"],
  getDtype() { return "json"; },
  async encode(input, ctx) {
    if (input.value === "refuse") ctx.fail("input", "buggy refuses this value through ctx.fail");
    const missing = undefined;
    return missing.field; // TypeError: a bug, not a property of the data
  },
  async decode(stored) { return { kind: "value", value: stored }; },
};
`;

describe("--json: one document, and the exit code from the error's kind", () => {
  let dir: string;
  let cleanup: () => void;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "jsonout", stores: { default: "local", local: { protocol: "file", location: "./store" } }, requiredCodecs: ["nosuchcodec"] },
      "p.dj": "schema jsonout\n\nThing (manual)\n    thing_id : int32\n    ---\n    value = null : <buggy>\n",
    }));
    mkdirSync(join(dir, "store"));
    writePlugin(dir, { name: "dj-buggy-codec", codecs: { buggy: "./buggy.js" }, modules: { "buggy.js": BUGGY } });
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
  });
  after(() => cleanup());

  test("a database error is one document with code, message and exit", async () => {
    const r = await dj("tables", "nosuchschema", "--json");
    assert.equal(r.code, 4, r.stderr);
    const doc = oneDocument(r);
    assert.deepEqual(Object.keys(doc), ["error"]);
    assert.equal(doc.error.code, "db.schema");
    assert.equal(doc.error.exit, 4);
    assert.match(doc.error.message, /schema nosuchschema does not exist/);
  });

  test("a usage error from the parser is one document with exit 2", async () => {
    const r = await dj("insert", "--json");
    assert.equal(r.code, 2);
    const doc = oneDocument(r);
    assert.equal(doc.error.code, "usage");
    assert.equal(doc.error.exit, 2);
    assert.equal(r.stderr, "", "nothing of commander's on stderr in --json mode");
  });

  test("a failing codecs check --json is its report with the error in the same document", async () => {
    const r = await dj("codecs", "check", "nosuchcodec", "blob", "--json");
    assert.equal(r.code, 6, r.stderr);
    const doc = oneDocument(r);
    assert.equal(doc.ok, false);
    assert.deepEqual(
      doc.codecs.map((c: { name: string; status: string }) => [c.name, c.status]),
      [
        ["nosuchcodec", "missing"],
        ["blob", "ok"],
      ],
    );
    assert.equal(doc.error.code, "codec.check");
    assert.equal(doc.error.exit, 6);
    assert.match(doc.error.message, /1 of 2 codecs not usable: nosuchcodec/);
  });

  test("a failing codecs check without --json keeps its lines and the one error line", async () => {
    const r = await dj("codecs", "check", "nosuchcodec");
    assert.equal(r.code, 6);
    assert.match(r.stdout, /^missing\s+nosuchcodec/m);
    assert.match(r.stderr, /^dj: 1 of 1 codec not usable: nosuchcodec$/m);
  });

  test("doctor --json with a failed check: its checks and the error of the first failure", async () => {
    const r = await dj("doctor", "--json");
    assert.equal(r.code, 6, r.stdout + r.stderr);
    const doc = oneDocument(r);
    assert.equal(doc.ok, false);
    assert.ok(doc.checks.some((c: { name: string; ok: boolean }) => c.name === "codec nosuchcodec" && !c.ok));
    assert.equal(doc.error.exit, 6);
    assert.equal(doc.error.code, "codec");
  });

  test("config validate --json on a broken config: the problems and the error, one document", async () => {
    const broken = tempProject({ "dj.config.json": { stores: { default: "nowhere" } } });
    try {
      const r = await runDj(["config", "validate", "--json"], { cwd: broken.dir });
      assert.equal(r.code, 3, r.stdout + r.stderr);
      const doc = oneDocument(r);
      assert.equal(doc.valid, false);
      assert.ok(doc.problems.length > 0);
      assert.equal(doc.error.code, "config.invalid");
      assert.equal(doc.error.exit, 3);
    } finally {
      broken.cleanup();
    }
  });

  test("a plain exception inside a codec's encode is an internal error: exit 1, please report", async () => {
    const r = await dj("insert", "Thing", "--key", "thing_id=1", "--set", "value=42");
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.match(lines[0]!, /^dj: <buggy> failed to encode: .*undefined/);
    assert.match(lines[1]!, /^ {2}hint: this is a bug in the codec <buggy>; please report it/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack without --verbose");
    const json = await dj("insert", "Thing", "--key", "thing_id=1", "--set", "value=42", "--json");
    assert.equal(json.code, 1);
    const doc = oneDocument(json);
    assert.equal(doc.error.code, "internal");
    assert.equal(doc.error.exit, 1);
    assert.match(doc.error.hint, /please report/);
    const rows = oneDocument(await dj("fetch", "Thing", "--json")).rows;
    assert.equal(rows.length, 0, "nothing was inserted");
  });

  test("ctx.fail inside a codec keeps its kind (input: exit 7)", async () => {
    const r = await dj("insert", "Thing", "--key", "thing_id=2", "--set", "value=refuse", "--json");
    assert.equal(r.code, 7, r.stderr);
    const doc = oneDocument(r);
    assert.equal(doc.error.exit, 7);
    assert.match(doc.error.message, /buggy refuses this value through ctx\.fail/);
  });
});
