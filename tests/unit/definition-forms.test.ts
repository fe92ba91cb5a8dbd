/**
 * The definition language's forms in isolation: projected foreign keys as parsed, every type
 * DataJoint for Python's declare.py accepts (core, native, codec) and the ones it refuses, and
 * native types read back from MySQL's COLUMN_TYPE in the spelling declare accepts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseDefinition, type ForeignKeyDef } from "../../src/schema/definition.js";
import { canonicalNativeType, matchType, nativeTypeFromSql, referencingSqlType } from "../../src/schema/types.js";

/** A foreign-key line parsed below the `---` (secondary, so `nullable` is allowed). */
const fk = (line: string) => parseDefinition("p.dj", [{ text: "---", line: 2 }, { text: line, line: 3 }]).items[0] as ForeignKeyDef;

describe("projected foreign keys", () => {
  test("renames, options, schema-qualified targets, both quotes, spacing", () => {
    assert.deepEqual(fk(`-> Cell.proj(input="cell")`).renames, [["input", "cell"]]);
    const f = fk(`-> [unique, nullable] other_schema.User.proj( first = 'username' , by="site" )  # who`);
    assert.deepEqual([f.target, f.renames, f.nullable, f.unique], ["other_schema.User", [["first", "username"], ["by", "site"]], true, true]);
    assert.deepEqual(fk(`-> Recording.Channel.proj()`).renames, []);
    assert.deepEqual(fk(`-> Cell`).renames, []);
  });
  const bad: Array<[string, RegExp]> = [
    [`-> Cell.proj(input=cell)`, /expected new_name="parent_attribute" in \.proj\(\.\.\.\), got "input=cell"/],
    [`-> Cell.proj(input="cell*2")`, /got "input="cell\*2""/],
    [`-> Cell.proj("cell")`, /got ""cell""/],
    [`-> Cell.proj(a="x", a="y")`, /"a" is named twice/],
    [`-> Cell.proj(a="x", b="x")`, /"x" is renamed twice/],
    [`-> Cell.proj(a="x"`, /expected a table after ->/],
    [`-> Cell & "x=1"`, /expected a table after ->/],
  ];
  for (const [line, re] of bad) {
    test(`refused: ${line}`, () => {
      assert.throws(() => fk(line), (e: any) => re.test(e.message) && /^p\.dj:3: /.test(e.message) && /proj\(new_name=/.test(e.hint));
    });
  }
});

describe("every type DataJoint for Python accepts", () => {
  const core: Array<[string, string]> = [
    ["int8", "tinyint"], ["int16", "smallint"], ["int32", "int"], ["int64", "bigint"], ["float32", "float"], ["float64", "double"],
    ["bool", "tinyint"], ["uuid", "binary(16)"], ["json", "json"], ["bytes", "longblob"], ["date", "date"], ["datetime", "datetime"],
    ["datetime(6)", "datetime(6)"], ["char(3)", "char(3)"], ["varchar(255)", "varchar(255)"], ["decimal(8,3)", "decimal(8,3)"],
    ["enum('a','b')", "enum('a','b')"],
  ];
  for (const [type, sql] of core) test(`core ${type} → ${sql}, with a marker`, () => assert.deepEqual(matchType(type), { kind: "core", sqlType: sql, declared: type }));

  const native = [
    "int", "integer", "tinyint", "smallint", "mediumint", "bigint", "int(5)", "int unsigned", "bigint unsigned auto_increment", "INT UNSIGNED",
    "int auto_increment", "serial", "numeric", "numeric(8,2)", "float", "double", "real", "float(7,3)", "double unsigned",
    "time", "time(3)", "timestamp", "timestamp(6)", "year", "year(4)", "tinyblob", "mediumblob", "longblob", "text", "tinytext", "mediumtext", "longtext",
  ];
  for (const type of native) test(`native ${type}: passed through as written, no marker`, () => assert.deepEqual(matchType(type), { kind: "native", sqlType: type, declared: type }));

  for (const type of ["uint8", "uint16", "uint32", "uint64", "blob", "string", "char", "varchar", "datetime64", "bit(8)", "double precision"]) {
    test(`refused: ${type}`, () => assert.throws(() => matchType(type), /Unsupported attribute type/));
  }
});

describe("native types read back from MySQL", () => {
  const cases: Array<[string, string, string | null]> = [
    ["int(11)", "", "int"], ["int(10) unsigned", "", "int unsigned"], ["int(5)", "", "int(5)"], ["tinyint(4)", "", "tinyint"],
    ["tinyint(3) unsigned", "", "tinyint unsigned"], ["smallint(6)", "", "smallint"], ["mediumint(8) unsigned", "", "mediumint unsigned"],
    ["bigint(20) unsigned", "auto_increment", "bigint unsigned auto_increment"], ["int(11)", "auto_increment", "int auto_increment"],
    ["decimal(8,2)", "", "numeric(8,2)"], ["year(4)", "", "year"], ["double", "", "double"], ["float", "", "float"], ["timestamp", "", "timestamp"],
    ["longtext", "", "longtext"], ["mediumblob", "", "mediumblob"],
    // Only a core type can declare these: no native spelling.
    ["varchar(32)", "", null], ["date", "", null], ["datetime(3)", "", null], ["enum('a','b')", "", null], ["binary(16)", "", null],
  ];
  for (const [columnType, extra, want] of cases) test(`${columnType}${extra ? ` (${extra})` : ""} → ${want}`, () => assert.equal(nativeTypeFromSql(columnType, extra), want));

  test("spellings of one column compare equal", () => {
    assert.equal(canonicalNativeType("INTEGER  UNSIGNED"), "int unsigned");
    assert.equal(canonicalNativeType("serial"), "bigint unsigned auto_increment");
    assert.equal(canonicalNativeType("numeric"), "numeric(10,0)");
    assert.equal(canonicalNativeType("real"), "double");
    assert.notEqual(canonicalNativeType("int(5)"), canonicalNativeType("int"));
  });

  test("a foreign key copies the parent's type without its key generation", () => {
    assert.equal(referencingSqlType("int unsigned auto_increment"), "int unsigned");
    assert.equal(referencingSqlType("serial"), "bigint unsigned");
    assert.equal(referencingSqlType("int32"), "int32");
  });
});
