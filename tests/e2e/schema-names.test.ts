/**
 * Schema names are confined (issue 14 item 6): from the --schema flag, a command argument, a
 * table reference, the config or a definition file, one rule is applied before any file or SQL is
 * made. On the embedded database a schema is the file `.dj/<schema>.sqlite`, so a name such as
 * `../../x` must never create a file outside `.dj/`.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, type RunResult } from "../helpers/cli.js";
import { connect, schemaName } from "../helpers/db.js";
import { configFor, mariadb, postgresql } from "../helpers/dialects.js";
import { pgConnect } from "../helpers/pg.js";

function assertOneLine(r: RunResult, code: number, mention: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, mention);
  assert.match(lines[1]!, /^ {2}hint: /);
}

/** Every file under `dir` and the folder that holds it (where `../x.sqlite` would land). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

describe("schema names on the embedded database", () => {
  let dir: string;
  let cleanup: () => void;
  let outer: string;
  before(async () => {
    // The project sits two folders down, so `../../x` would land inside `outer`, where it can be seen.
    ({ dir: outer, cleanup } = tempProject({}));
    dir = join(outer, "a", "project");
    mkdirSync(join(dir, ".git"), { recursive: true });
    writeFileSync(join(dir, "dj.config.json"), JSON.stringify({ stores: { default: "local", local: { protocol: "file", location: "./store" } }, schema: "lab" }));
    writeFileSync(join(dir, "p.dj"), "schema lab\n\nRec (manual)\n    id : int32\n    ---\n    v : float64\n");
    mkdirSync(join(dir, "store"));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    assert.equal((await runDj(["insert", "Rec", "--key", "id=1", "--set", "v=1.5"], { cwd: dir })).code, 0);
  });
  after(() => cleanup());

  const hostile = ["../../x", "../x", "a/b", "x.y", "a b", "", "x".repeat(65)];
  const cases: Array<[string, (s: string) => string[], number, RegExp]> = [
    ["insert --schema", (s) => ["insert", "Rec", "--schema", s, "--key", "id=2", "--set", "v=2"], 2, /\(from --schema\)/],
    ["fetch --schema", (s) => ["fetch", "Rec", "--schema", s], 2, /\(from --schema\)/],
    ["declare --schema", (s) => ["declare", "nos.dj", "--schema", s], 2, /\(from --schema\)/],
    ["describe --schema", (s) => ["describe", "--schema", s], 2, /\(from --schema\)/],
    ["delete --schema", (s) => ["delete", "Rec", "--schema", s, "--key", "id=1", "--force"], 2, /\(from --schema\)/],
    ["gc --schema", (s) => ["gc", "--schema", s, "--dry-run"], 2, /\(from --schema\)/],
    ["tables SCHEMA", (s) => ["tables", s], 2, /\(from argument\)/],
    ["schema create", (s) => ["schema", "create", s], 2, /\(from argument\)/],
    ["schema drop", (s) => ["schema", "drop", s, "--force"], 2, /\(from argument\)/],
  ];
  for (const [name, args, code, from] of cases) {
    test(name, async () => {
      writeFileSync(join(dir, "nos.dj"), "Other (manual)\n    id : int32\n");
      const before = snapshot(outer);
      for (const s of hostile) {
        const r = await runDj(args(s), { cwd: dir });
        assertOneLine(r, code, new RegExp(`^dj: invalid schema name ${JSON.stringify(s).replace(/[.$/]/g, "\\$&")} ${from.source}: letters, digits`));
      }
      assert.deepEqual(snapshot(outer), before, "no file made or changed anywhere");
      assert.equal(existsSync(join(outer, "x.sqlite")), false);
    });
  }

  test("a table reference schema.Table", async () => {
    const before = snapshot(outer);
    assertOneLine(await runDj(["fetch", "a b.Rec"], { cwd: dir }), 2, /^dj: invalid schema name "a b" in table reference "a b\.Rec"/);
    assertOneLine(await runDj(["insert", "x$y/z.Rec", "--key", "id=3", "--set", "v=3"], { cwd: dir }), 2, /^dj: invalid schema name "x\$y\/z" in table reference/);
    assert.deepEqual(snapshot(outer), before);
  });

  test("the config's schema (exit 3)", async () => {
    const sub = join(dir, "bad-config");
    mkdirSync(join(sub, ".git"), { recursive: true });
    writeFileSync(join(sub, "dj.config.json"), JSON.stringify({ schema: "../../x" }));
    const before = snapshot(outer);
    const r = await runDj(["fetch", "Rec"], { cwd: sub });
    assertOneLine(r, 3, /^dj: .*dj\.config\.json: schema: must be a schema \(database\) name: letters, digits/);
    assert.deepEqual(snapshot(outer), before);
  });

  test("a definition file's schema line and foreign key (exit 7)", async () => {
    writeFileSync(join(dir, "bad.dj"), "schema ../../x\n\nT (manual)\n    id : int32\n");
    writeFileSync(join(dir, "fk.dj"), "schema lab\n\nChild (manual)\n    -> x/y.Rec\n    cid : int32\n");
    const before = snapshot(outer);
    const bad = await runDj(["declare", "bad.dj"], { cwd: dir });
    assert.equal(bad.code, 7, bad.stderr);
    assert.match(bad.stderr, /^dj: .*bad\.dj:1: invalid schema name "\.\.\/\.\.\/x": letters, digits/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const fk = await runDj(["declare", "fk.dj"], { cwd: dir });
    assert.equal(fk.code, 7, fk.stderr);
    assert.match(fk.stderr, /fk\.dj:4/);
    assert.doesNotMatch(fk.stderr, /\n\s+at /);
    assert.deepEqual(snapshot(outer), before);
  });

  test("the existing data is untouched", async () => {
    const r = await runDj(["fetch", "Rec", "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).rows, [{ id: 1, v: 1.5 }]);
  });
});

/** How many of `names` exist as schemas on the server. */
const countSchemas: Record<"mariadb" | "postgresql", (names: string[]) => Promise<number>> = {
  async mariadb(names) {
    const conn = await connect();
    try {
      return (await conn.query<any[]>("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)", [names]))[0][0].n as number;
    } finally {
      await conn.end();
    }
  },
  async postgresql(names) {
    const client = await pgConnect();
    try {
      return Number((await client.query("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = ANY($1)", [names])).rows[0].n);
    } finally {
      await client.end();
    }
  },
};

for (const dialect of [mariadb, postgresql])
describe(`schema names on ${dialect.name}`, () => {
  const schema = schemaName("names");
  let dir: string;
  let cleanup: () => void;
  before(() => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": configFor(dialect, { schema }) }));
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });
  test("no schema is created and no SQL runs for a bad name", async () => {
    // Only the names tried here: other test files create and drop schemas on this server at the
    // same time, so a count of all schemas would change under this test.
    const tried = ["djtest_a`b", 'djtest_a"b', "djtest_../x", "djtest a", "djtest;DROP", "djtest_", "djtest", "x"];
    const count = () => countSchemas[dialect.name as "mariadb" | "postgresql"](tried);
    const before = await count();
    for (const args of [["schema", "create", "djtest_a`b"], ["schema", "create", 'djtest_a"b'], ["schema", "create", "djtest_../x"], ["tables", "djtest a"], ["fetch", "Rec", "--schema", "djtest;DROP"]]) {
      const r = await runDj(args, { cwd: dir });
      assertOneLine(r, 2, /^dj: invalid schema name /);
    }
    assert.equal(await count(), before);
  });
});
