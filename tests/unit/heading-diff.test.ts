/** heading-diff.ts and lookup-contents.ts: the pure parts of dj diff / dj alter and Lookup contents. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compileTable, type CompileContext } from "../../src/schema/compile.js";
import { parseDefinition } from "../../src/schema/definition.js";
import type { Heading } from "../../src/schema/heading.js";
import { diffHeadings, isIdentical } from "../../src/schema/heading-diff.js";
import { parseContents } from "../../src/schema/lookup-contents.js";
import { parsePipelineFile } from "../../src/schema/pipeline-file.js";
import { mysqlAlter } from "../../src/db/mysql/alter.js";

const parent: Heading = {
  schema: "lab", table: "other", className: "Other", tier: "manual", master: null, comment: "",
  attributes: [{ name: "other_id", sqlType: "int", type: "int32", codec: null, marker: true, nullable: false, default: null, comment: "", inKey: true, hidden: false }],
  foreignKeys: [], indexes: [], lineage: {},
};
const ctx: CompileContext = { parent: async () => parent, codecDtype: async () => "bytes" };

async function heading(body: string, tier = "manual"): Promise<{ h: Heading; decl: ReturnType<typeof parsePipelineFile>[number] }> {
  const [decl] = parsePipelineFile("p.dj", `T (${tier})\n${body}`, "lab");
  return { h: await compileTable(decl!, parseDefinition("p.dj", decl!.lines), ctx, null), decl: decl! };
}

describe("diffHeadings", () => {
  test("reordered secondary attributes and other spellings of one type are no difference", async () => {
    const a = await heading("    id : int32\n    ---\n    x : int\n    y = 0 : float64\n");
    const b = await heading("    id : int32\n    ---\n    y = 0.0 : float64\n    x : INT(11)\n");
    assert.ok(isIdentical(diffHeadings(a.h, b.h)));
  });

  test("added (with predecessor), dropped, changed fields, comment; MySQL clauses in DataJoint's order", async () => {
    const a = await heading("    # one\n    id : int32\n    ---\n    x : int32\n    gone : float32\n");
    const b = await heading("    # two\n    id : int32\n    ---\n    x = null : int64  # now\n    new = 'a' : varchar(4)\n");
    const d = diffHeadings(a.h, b.h);
    assert.deepEqual(d.added.map((x) => [x.attribute.name, x.after]), [["new", "x"]]);
    assert.deepEqual(d.dropped.map((x) => x.name), ["gone"]);
    assert.deepEqual(d.changed.map((c) => [c.name, c.fields]), [["x", ["type", "nullable", "comment"]]]);
    assert.deepEqual(d.comment, { database: "one", file: "two" });
    assert.deepEqual(d.refused, []);
    assert.deepEqual(mysqlAlter("`lab`.`t`", b.h, d).statements, [
      'ALTER TABLE `lab`.`t`\n\tDROP `gone`,\n\tMODIFY `x` bigint DEFAULT NULL COMMENT ":int64:now",\n\tADD `new` varchar(4) NOT NULL DEFAULT \'a\' COMMENT ":varchar(4):" AFTER `x`,\n\tCOMMENT="two"',
    ]);
  });

  test("primary key, foreign key and index differences are refused, not reported as attributes", async () => {
    const a = await heading("    id : int32\n    ---\n    x : int32\n");
    const key = diffHeadings(a.h, (await heading("    id : int64\n    ---\n    x : int32\n")).h);
    assert.deepEqual(key.refused, [{ what: "primary key", lines: ["- id : int32", "+ id : int64"] }]);
    const fk = diffHeadings(a.h, (await heading("    id : int32\n    ---\n    x : int32\n    -> Other\n")).h);
    assert.deepEqual(fk.refused, [{ what: "foreign key", lines: ["+ -> Other"] }]);
    assert.deepEqual(fk.added, [], "the foreign key's column is part of the foreign-key difference");
    const ix = diffHeadings(a.h, (await heading("    id : int32\n    ---\n    x : int32\n    unique index(x)\n")).h);
    assert.deepEqual(ix.refused, [{ what: "index", lines: ["+ unique index(x)"] }]);
  });
});

describe("parseContents", () => {
  const table = "    k : varchar(8)\n    ---\n    v : varchar(32)\n    n = 1 : int8\n    contents\n";
  const rows = async (lines: string) => {
    const { h, decl } = await heading(table + lines, "lookup");
    return parseContents(decl, h).map((r) => r.values);
  };
  test("compact rows: commas, white space, quotes, null, trailing defaults left out", async () => {
    assert.deepEqual(await rows('        a, b c, 2\n        "x, y" "q \\"r\\"" 3\n        z,null\n        # note\n        w Foo\n'), [
      { k: "a", v: "b c", n: "2" },
      { k: "x, y", v: 'q "r"', n: "3" },
      { k: "z", v: null },
      { k: "w", v: "Foo" },
    ]);
  });
  test("JSON rows: objects and arrays", async () => {
    assert.deepEqual(await rows('        [{"k": "a", "v": "b", "n": 3},\n         ["c", "d"]]\n'), [{ k: "a", v: "b", n: "3" }, { k: "c", v: "d" }]);
  });
  test("text after a closing quote is an error", async () => {
    await assert.rejects(rows('        "a"b, c\n'), /text after a closing quote/);
  });
});
