/**
 * Lookup contents in `.dj` files, with the built binary on every dialect (embedded, MariaDB, PostgreSQL):
 * `dj declare` inserts them with the table, keeps them in step on later runs (missing rows
 * inserted), and refuses a row that differs (exit 8, a diff, nothing written). Bad blocks are
 * input errors naming the line, before anything is created.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";

const species = `Species (lookup)
    # species
    species : varchar(32)
    ---
    latin : varchar(64)
    legs = 4 : int8
    weight = null : float32
    seen = null : date
    contents
        mouse, Mus musculus, 4, 0.1, 2024-05-01
        "bird, small", "Passer \\"sparrow\\" domesticus", 2
        # whitespace-separated, and a bare null
        snake "Serpentes" 0 null
`;

const color = `Color (lookup)
    color : varchar(8)
    ---
    rgb : json
    bright = 0 : bool
    contents
        [
          {"color": "red", "rgb": [255, 0, 0], "bright": true},
          ["blue", {"b": 255, "a": 1}]
        ]
`;

for (const dialect of dialects)
describe(`Lookup contents (${dialect.name})`, () => {
  const schema = schemaName("lookup");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const rowsOf = async (t: string) => {
    const r = await dj("fetch", t, "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).rows as any[];
  };
  const sortBy = (rows: any[], k: string) => [...rows].sort((a, b) => String(a[k]).localeCompare(String(b[k])));
  const file = (...blocks: string[]) => writeFile(dir, "l.dj", [`schema ${schema}`, ...blocks].join("\n\n"));

  before(() => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": configFor(dialect, { schema }) }));
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("bad blocks are input errors (exit 7) naming the line; nothing is created", async () => {
    const cases: Array<[string, RegExp]> = [
      ["Thing (manual)\n    thing : int32\n    contents\n        1\n", /l\.dj:5: Thing contents: a contents block belongs to a lookup table/],
      ["Thing (lookup)\n    thing : int32\n    ---\n    n : int16\n    contents\n        1, 2, 3\n", /l\.dj:8: Thing contents: 3 values for 2 attributes \(thing, n\)/],
      ["Thing (lookup)\n    thing : int32\n    ---\n    n : int16\n    contents\n        1\n", /l\.dj:8: Thing contents: no value for n, which has no default/],
      ["Thing (lookup)\n    thing : int32\n    ---\n    n : int16\n    contents\n        1, 2\n        x, 3\n", /l\.dj:9: Thing contents: .*thing/],
      ["Thing (lookup)\n    thing : int32\n    contents\n        1\n        1\n", /l\.dj:7: Thing contents: the key \["1"\] is given twice \(first on line 6\)/],
      // The same int key written two ways: one key once parsed, refused before anything is made.
      ["Thing (lookup)\n    thing : int32\n    contents\n        1\n        01\n", /l\.dj:7: Thing contents: this row has the key of the row on line 6/],
      ["Thing (lookup)\n    thing : int32\n    contents\n        [{\"thing\": 1, \"other\": 2}]\n", /l\.dj:6: Thing contents: no attribute "other"/],
      ["Thing (lookup)\n    thing : int32\n    contents\n        [{\"thing\": 1}\n", /l\.dj:6: Thing contents: not valid JSON/],
    ];
    for (const [block, message] of cases) {
      file(block);
      const r = await dj("declare", "l.dj");
      assert.equal(r.code, 7, `${block}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    }
    const t = await dj("tables", "--json");
    assert.equal(t.code, 4, "nothing was declared: not even the schema");
    assert.match(t.stdout, /does not exist/);
  });

  test("declare creates the tables with their rows, parsed by attribute type", async () => {
    file(species, color);
    const dry = await dj("declare", "l.dj", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^-- ${schema}\\.Species, contents: 3 rows to insert$`, "m"));
    const r = await dj("declare", "l.dj");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `created  ${schema}.Species (#species), contents: 3 rows inserted\ncreated  ${schema}.Color (#color), contents: 2 rows inserted\n`);
    const s = sortBy(await rowsOf("Species"), "species");
    assert.deepEqual(s.map((x) => [x.species, x.latin, x.legs, x.seen]), [
      ["bird, small", 'Passer "sparrow" domesticus', 2, null],
      ["mouse", "Mus musculus", 4, "2024-05-01"],
      ["snake", "Serpentes", 0, null],
    ]);
    assert.equal(Math.fround(s[1].weight), Math.fround(0.1));
    assert.equal(s[2].weight, null);
    const c = sortBy(await rowsOf("Color"), "color");
    assert.deepEqual(c.map((x) => [x.color, x.rgb, Number(x.bright)]), [["blue", { b: 255, a: 1 }, 0], ["red", [255, 0, 0], 1]]);
  });

  test("a second run finds the rows in step; a new row is inserted", async () => {
    const same = await dj("declare", "l.dj");
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, `exists   ${schema}.Species (#species), contents: 0 rows inserted, 3 rows already there\nexists   ${schema}.Color (#color), contents: 0 rows inserted, 2 rows already there\n`);
    file(species + "        cat, Felis catus, 4\n", color);
    const more = await dj("declare", "l.dj");
    assert.equal(more.code, 0, more.stderr);
    assert.match(more.stdout, /Species \(#species\), contents: 1 row inserted, 3 rows already there/);
    assert.equal((await rowsOf("Species")).length, 4);
  });

  test("a row that differs is a conflict (exit 8) shown as a diff; nothing is written", async () => {
    file(species.replace("Mus musculus, 4", "Mus musculus, 5") + "        cat, Felis catus, 4\n        dog, Canis familiaris, 4\n", color.replace('"b": 255', '"b": 254'));
    const r = await dj("declare", "l.dj");
    assert.equal(r.code, 8);
    assert.match(
      r.stderr,
      new RegExp(
        [
          "contents rows differ from the rows in the database \\(- database, \\+ file\\); nothing was written:",
          `  ${schema}\\.Species \\(species="mouse"\\), l\\.dj:12:`,
          "    - legs = 4",
          '    \\+ legs = 5',
          `  ${schema}\\.Color \\(color="blue"\\), l\\.dj:\\d+:`,
          '    - rgb = \\{"[ab]":\\d+,"[ab]":\\d+\\}',
          '    \\+ rgb = \\{"b":254,"a":1\\}',
        ].join("\\n"),
      ),
    );
    assert.equal((await rowsOf("Species")).length, 4, "the new row (dog) was not inserted either");
    assert.equal(sortBy(await rowsOf("Species"), "species").find((x) => x.species === "mouse").legs, 4);
  });
});
