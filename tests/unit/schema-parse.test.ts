import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseDefinition } from "../../src/schema/definition.js";
import { parsePipelineFile } from "../../src/schema/pipeline-file.js";
import { fromCamelCase, parseSqlName, tableSqlName } from "../../src/schema/naming.js";
import { matchType } from "../../src/schema/types.js";
import { compileTable, sqlDefault } from "../../src/schema/compile.js";
import { isDjError } from "../../src/errors.js";

/** Parse a whole .dj text and its definitions; return the error message. */
function errorOf(text: string): string {
  try {
    for (const t of parsePipelineFile("p.dj", text, "lab")) parseDefinition("p.dj", t.lines);
  } catch (e) {
    assert.ok(isDjError(e, "input"), String(e));
    return e.message;
  }
  assert.fail("no error");
}

describe("definition language errors name the file, line and text", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["missing colon", "T (manual)\n    id int32\n", /^p\.dj:2: expected `name : type`.* in line "id int32"$/],
    ["leading underscore", "T (manual)\n    _x : int32\n", /^p\.dj:2: attribute name "_x" starts with an underscore/],
    ["bad name", "T (manual)\n    Bad : int32\n", /^p\.dj:2: invalid attribute name "Bad"/],
    ["nullable key", "T (manual)\n    id = null : int32\n", /^p\.dj:2: primary key attributes cannot be nullable/],
    ["colon comment", "T (manual)\n    id : int32  # :oops\n", /^p\.dj:2: an attribute comment must not start with a colon/],
    ["bad fk option", "T (manual)\n    -> [optional] Other\n", /^p\.dj:2: invalid foreign key option "optional"/],
    ["nullable primary fk", "T (manual)\n    -> [nullable] Other\n", /^p\.dj:2: primary dependencies cannot be nullable/],
    ["two dividers", "T (manual)\n    id : int32\n    ---\n    x : int32\n    ---\n", /^p\.dj:5: a second `---` divider/],
    ["bad header", "not a header\n", /^p\.dj:1: expected `ClassName \(tier\)`/],
    ["bad tier", "T (weird)\n    id : int32\n", /^p\.dj:1: unknown tier "weird"/],
    ["part without master", "T (part)\n    id : int32\n", /^p\.dj:1: a \(part\) table is written `Master\.Part \(part\)`/],
    ["indented outside a block", "    id : int32\n", /^p\.dj:1: an indented definition line outside any table block/],
    ["table comment colon", "T (manual)\n    # :no\n    id : int32\n", /^p\.dj:2: table comment must not start with a colon/],
  ];
  for (const [name, text, re] of cases) test(name, () => assert.match(errorOf(text), re));

  test("no schema anywhere", () => {
    assert.throws(() => parsePipelineFile("p.dj", "T (manual)\n    id : int32\n", null), /p\.dj:1: no schema for this table/);
  });
});

describe("types, defaults and names as DataJoint has them", () => {
  test("core types map to MySQL; uint and plain blob are refused", () => {
    assert.deepEqual(["int8", "int16", "int32", "int64", "float32", "float64", "bool", "uuid", "json", "bytes", "datetime(3)", "varchar(32)", "decimal(5, 2)"].map((t) => matchType(t).sqlType),
      ["tinyint", "smallint", "int", "bigint", "float", "double", "tinyint", "binary(16)", "json", "longblob", "datetime(3)", "varchar(32)", "decimal(5,2)"]);
    assert.equal(matchType("int unsigned").kind, "native");
    assert.throws(() => matchType("uint16"), /Unsupported attribute type uint16/);
    assert.throws(() => matchType("blob"), /Unsupported attribute type blob/);
  });
  test("defaults", () => {
    assert.equal(sqlDefault('"x"'), "'x'");
    assert.equal(sqlDefault("'x'"), "'x'");
    assert.equal(sqlDefault("abc"), "'abc'");
    assert.equal(sqlDefault("null"), "NULL");
    assert.equal(sqlDefault("current_timestamp"), "CURRENT_TIMESTAMP");
    assert.equal(sqlDefault('"it\'s"'), "'it''s'");
  });
  test("naming quirks", () => {
    assert.equal(fromCamelCase("HTTPServer"), "h_t_t_p_server");
    assert.equal(fromCamelCase("ProcessedEMG"), "processed_e_m_g");
    assert.equal(fromCamelCase("Scan2P"), "scan2_p");
    assert.equal(tableSqlName("Spectrum", "computed"), "__spectrum");
    assert.equal(tableSqlName("Channel", "part", "__recording"), "__recording__channel");
    assert.deepEqual(parseSqlName("#rig_config"), { tier: "lookup", className: "RigConfig" });
    assert.deepEqual(parseSqlName("__recording__channel"), { tier: "part", className: "Channel", master: { sqlName: "__recording", className: "Recording" } });
  });
  test("blob defaults other than null and blobs in the key are refused at compile time", async () => {
    const ctx = { parent: async () => assert.fail(), codecDtype: async () => "bytes" };
    const compile = (text: string) => {
      const [t] = parsePipelineFile("p.dj", text, "lab");
      return compileTable(t!, parseDefinition("p.dj", t!.lines), ctx, null);
    };
    await assert.rejects(compile("T (manual)\n    id : int32\n    ---\n    b = 1 : <blob>\n"), /p\.dj:4: the default value for blob attributes can only be NULL/);
    await assert.rejects(compile("T (manual)\n    b : <blob>\n"), /p\.dj:2: blob or JSON attributes are not allowed in the primary key/);
    await assert.rejects(compile("T (manual)\n    id : int32\n    id : int16\n"), /p\.dj:3: attribute "id" is declared twice/);
    const h = await compile("T (lookup)\n    ---\n    x : int32\n");
    assert.equal(h.attributes[0]!.name, "_singleton");
    assert.equal(h.table, "#t");
  });
});
