import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAttributeValue } from "../../src/services/values.js";
import { pythonJsonDumps } from "../../src/services/json-text.js";
import { isDjError } from "../../src/errors.js";

const rejects = (type: string, text: string, pattern: RegExp) =>
  assert.throws(
    () => parseAttributeValue("a", type, text),
    (err: unknown) => isDjError(err, "input") && pattern.test((err as Error).message),
  );

describe("parseAttributeValue", () => {
  test("integers are range-checked by DataJoint type and native type", () => {
    assert.equal(parseAttributeValue("a", "int32", "42").sql, 42);
    assert.equal(parseAttributeValue("a", "int16", "-32768").sql, -32768);
    rejects("int16", "32768", /out of range for int16/);
    rejects("int8", "1.5", /not an integer/);
    assert.equal(parseAttributeValue("a", "int64", "9223372036854775807").sql, 9223372036854775807n);
    rejects("int64", "9223372036854775808", /out of range/);
    assert.equal(parseAttributeValue("a", "int(10) unsigned", "4294967295").sql, 4294967295);
    rejects("smallint(6)", "abc", /not an integer/);
  });
  test("floats, bools, decimals", () => {
    assert.equal(parseAttributeValue("a", "float64", "1e-3").sql, 0.001);
    rejects("float32", "nan", /no NaN/);
    rejects("float32", "", /not a number/);
    assert.deepEqual(parseAttributeValue("a", "bool", "true"), { sql: 1, key: true });
    rejects("bool", "maybe", /not a boolean/);
    assert.equal(parseAttributeValue("a", "decimal(5,2)", "-1.25").sql, "-1.25");
  });
  test("dates and datetimes are validated and keep wall-clock fields for paths", () => {
    assert.equal(parseAttributeValue("a", "date", "2024-02-29").sql, "2024-02-29");
    rejects("date", "2023-02-29", /not a date/);
    const dt = parseAttributeValue("a", "datetime", "2024-01-15T03:04:05");
    assert.equal(dt.sql, "2024-01-15 03:04:05");
    assert.equal((dt.key as Date).toISOString(), "2024-01-15T03:04:05.000Z");
    rejects("datetime", "2024-01-15 25:00:00", /time of day/);
  });
  test("uuid becomes 16 bytes; strings are length-checked; enums membership-checked", () => {
    const u = parseAttributeValue("a", "uuid", "12345678-1234-5678-9ABC-def012345678");
    assert.equal((u.sql as Buffer).toString("hex"), "12345678123456789abcdef012345678");
    assert.equal(u.key, "12345678-1234-5678-9abc-def012345678");
    rejects("uuid", "1234", /not a UUID/);
    rejects("varchar(3)", "abcd", /longer than 3/);
    assert.equal(parseAttributeValue("a", "varchar(3)", "äöü").sql, "äöü");
    rejects("varchar(10)", "a\0b", /NUL/);
    assert.equal(parseAttributeValue("a", "enum('F','M','U')", "M").sql, "M");
    rejects("enum('F','M','U')", "X", /not one of 'F', 'M', 'U'/);
  });
  test("json is re-serialised the way Python's json.dumps writes it", () => {
    assert.equal(parseAttributeValue("a", "json", '{"a":[1,2],"b":"é"}').sql, '{"a": [1, 2], "b": "\\u00e9"}');
    rejects("json", "{nope", /not valid JSON/);
  });
});

describe("pythonJsonDumps", () => {
  test("matches json.dumps for DataJoint metadata", () => {
    // Text from fixtures/datajoint/rows.json style metadata.
    assert.equal(
      pythonJsonDumps({ hash: "lvauakv4jmvhnolrtwiraf6fsi", path: "_hash/x/lvauakv4jmvhnolrtwiraf6fsi", size: 5, ext: null }),
      '{"hash": "lvauakv4jmvhnolrtwiraf6fsi", "path": "_hash/x/lvauakv4jmvhnolrtwiraf6fsi", "size": 5, "ext": null}',
    );
    assert.equal(pythonJsonDumps("✓\u007f\n\"\\"), '"\\u2713\\u007f\\n\\"\\\\"');
    assert.equal(pythonJsonDumps("😀"), '"\\ud83d\\ude00"');
    assert.throws(() => pythonJsonDumps(NaN));
  });
});
