import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkKey, contentHash, contentHasher, encodePkValue, hashPath, schemaPath, newToken, pythonQuote } from "../../src/stores/addressing.js";
import { fixturesDir } from "../helpers/cli.js";

const spec = { hash_prefix: "_hash", schema_prefix: "_schema", subfolding: null, partition_pattern: null, token_length: 8 };

describe("hash addressing", () => {
  test("MD5 in lower-case unpadded base32, 26 characters", () => {
    assert.equal(contentHash(Buffer.from("hello")), "lvauakv4jmvhnolrtwiraf6fsi");
    const h = contentHasher();
    h.update(Buffer.from("hel"));
    h.update(Buffer.from("lo"));
    assert.equal(h.digest(), "lvauakv4jmvhnolrtwiraf6fsi");
  });
  test("every _hash object DataJoint wrote is named by the hash of its content", () => {
    const tree = JSON.parse(readFileSync(join(fixturesDir, "datajoint/store-tree.json"), "utf8"));
    const hashed = tree.files.filter((f: { path: string }) => f.path.startsWith("_hash/"));
    assert.ok(hashed.length >= 5);
    for (const f of hashed) {
      const data = readFileSync(join(fixturesDir, "datajoint/store", f.path));
      const name = f.path.split("/").pop();
      assert.equal(contentHash(data), name, f.path);
      assert.equal(hashPath(spec, "djgold", name), f.path);
    }
  });
  test("subfolding and an empty prefix", () => {
    const h = "lvauakv4jmvhnolrtwiraf6fsi";
    assert.equal(hashPath({ ...spec, subfolding: [2, 2] }, "lab", h), `_hash/lab/lv/au/${h}`);
    assert.equal(hashPath({ ...spec, hash_prefix: "" }, "lab", h), `lab/${h}`);
    assert.throws(() => hashPath(spec, "..", h));
  });
});

describe("schema addressing", () => {
  test("the observed DataJoint path", () => {
    const { path } = schemaPath(spec, {
      schema: "djx_lab",
      table: "__recording",
      primaryKey: [["subject_id", 1], ["session_name", "s/1:x"], ["rec_idx", 2]],
      field: "arr",
      ext: ".npy",
      token: "oVxkf42W",
    });
    assert.equal(path, "_schema/djx_lab/__recording/subject_id=1/session_name=s%2F1%3Ax/rec_idx=2/arr_oVxkf42W.npy");
  });
  test("the fixture store's schema-addressed paths have DataJoint's shape", () => {
    const tree = JSON.parse(readFileSync(join(fixturesDir, "datajoint/store-tree.json"), "utf8"));
    for (const f of tree.files.filter((x: { path: string }) => x.path.startsWith("_schema/"))) {
      const m = /^(_schema\/djgold\/recording\/subject_id=1\/session_idx=\d+\/recording_id=\d+\/)(\w+)_([A-Za-z0-9_-]{8})(\.\w+)?$/.exec(f.path);
      assert.ok(m, f.path);
      const key = f.referenced_by[0].key;
      const { path } = schemaPath(spec, {
        schema: "djgold",
        table: "recording",
        primaryKey: Object.entries(key) as Array<[string, number]>,
        field: m[2]!,
        ext: m[4] ?? null,
        token: m[3]!,
      });
      assert.equal(path, f.path);
    }
  });
  test("partition attributes come before the schema", () => {
    const { path } = schemaPath(
      { ...spec, partition_pattern: "{subject_id}/{nope}" },
      { schema: "s", table: "t", primaryKey: [["subject_id", 3], ["k", "a b"]], field: "f", token: "TOKN" },
    );
    assert.equal(path, "_schema/subject_id=3/s/t/k=a b/f_TOKN");
  });
  test("DataJoint's primary-key value encoding", () => {
    assert.equal(encodePkValue(true), "True");
    assert.equal(encodePkValue(2.5), "2.5");
    assert.equal(encodePkValue(12345678901234567890n), "12345678901234567890");
    assert.equal(encodePkValue(new Date(Date.UTC(2024, 0, 15, 3, 4, 5))), "2024-01-15T03-04-05");
    assert.equal(encodePkValue("2024-01-15 03:04:05"), "2024-01-15%2003%3A04%3A05");
    assert.equal(encodePkValue("plain value"), "plain value");
    const long = "x".repeat(120);
    assert.match(encodePkValue(long), /^x{50}_[0-9a-f]{8}$/);
    assert.equal(pythonQuote("ü/~"), "%C3%BC%2F~");
  });
  test("hostile key values never leave the store's location", () => {
    const hostile = ["..", ".", "/", "../../etc", "%2e%2e", "a\u0000b", "\\..\\", "x".repeat(5000), "🙂/..", ""];
    for (const v of hostile) {
      const { path } = schemaPath(spec, { schema: "s", table: "t", primaryKey: [["k", v]], field: "f", token: "TOKN" });
      assert.equal(checkKey(path), null, `${JSON.stringify(v)} → ${path}`);
      assert.ok(path.startsWith("_schema/s/t/k="), path);
      assert.equal(path.split("/").length, 5, `${JSON.stringify(v)} adds no path segment: ${path}`);
    }
    assert.throws(() => schemaPath(spec, { schema: "../x", table: "t", primaryKey: [], field: "f" }));
  });
  test("tokens use DataJoint's alphabet and clamped length", () => {
    assert.match(newToken(8), /^[A-Za-z0-9_-]{8}$/);
    assert.equal(newToken(2).length, 4);
    assert.equal(newToken(40).length, 16);
  });
});
