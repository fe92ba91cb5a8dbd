/**
 * The rough edges a new user hit (issue 12, item 6), each through the built binary: codec checks
 * that agree, a list that fits 80 columns, parse errors in dj's words, "did you mean", missing
 * parents named, `--out FILE` with several values, no config found, counts in agreement.
 */
import { describe, test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { djBin, repoRoot, runDj, tempProject, writeFile, writePlugin } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function project(files: Record<string, string | object> = {}) {
  const p = tempProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}
function linkPlugin(dir: string, name: string) {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(repoRoot, "packages", name), join(dir, "node_modules", name));
}
/** One `dj: …` line, an indented hint, nothing else, no stack. */
function assertUserError(stderr: string, message: RegExp, hint: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, stderr);
  assert.match(lines[0]!, /^dj: /);
  assert.match(lines[0]!, message);
  assert.match(lines[1]!, /^ {2}hint: /);
  assert.match(lines[1]!, hint);
}

describe("codec requirements", () => {
  test("doctor and codecs check --required agree on a version range the installed plugin misses", async () => {
    const dir = project({ "dj.config.json": { stores: { default: "s", s: { protocol: "file", location: "./s" } }, requiredCodecs: ["zarr@^0.2"] } });
    mkdirSync(join(dir, "s"));
    linkPlugin(dir, "dj-zarr-codecs");
    const check = await runDj(["codecs", "check", "--required"], { cwd: dir });
    assert.equal(check.code, 6, check.stdout + check.stderr);
    assert.match(check.stdout, /version-mismatch zarr: codec <zarr>: dj-zarr-codecs@0\.1\.0 is installed, \^0\.2 is wanted/);
    const doctor = await runDj(["doctor"], { cwd: dir });
    assert.equal(doctor.code, 6, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /^FAIL\s+codec zarr@\^0\.2\s+codec <zarr>: dj-zarr-codecs@0\.1\.0 is installed, \^0\.2 is wanted/m);
    const inRange = project({ "dj.config.json": { stores: { default: "s", s: { protocol: "file", location: "./s" } }, requiredCodecs: ["zarr@^0.1"] } });
    mkdirSync(join(inRange, "s"));
    linkPlugin(inRange, "dj-zarr-codecs");
    assert.equal((await runDj(["codecs", "check", "--required"], { cwd: inRange })).code, 0);
    const ok = await runDj(["doctor"], { cwd: inRange });
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^ok\s+codec zarr@\^0\.1\s+dj-zarr-codecs@0\.1\.0/m);
  });

  test("a mistyped codec name suggests the real one", async () => {
    const dir = project({ "dj.config.json": {} });
    linkPlugin(dir, "dj-zarr-codecs");
    const r = await runDj(["codecs", "check", "zar"], { cwd: dir });
    assert.equal(r.code, 6);
    assert.match(r.stdout, /missing\s+zar: Unknown codec: <zar>\n\s+hint: did you mean <zarr>\? \(installed\)/);
    const notInstalled = await runDj(["codecs", "check", "photn"], { cwd: dir });
    assert.match(notInstalled.stdout, /hint: did you mean <photon>\? npm install dj-photon-codecs/);
  });
});

describe("dj codecs list", () => {
  test("fits 80 columns and shows what plugins store from their manifests, without importing them", async () => {
    const dir = project({ "dj.config.json": {} });
    linkPlugin(dir, "dj-zarr-codecs");
    linkPlugin(dir, "dj-photon-codecs");
    writePlugin(dir, { name: "dj-long-named-test-codecs", version: "12.34.56", codecs: { tst: "./t.js" }, modules: { "t.js": "throw new Error('must not be imported')" } });
    const r = await runDj(["codecs", "list"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const widths = r.stdout.trimEnd().split("\n").map((l) => [...l].length);
    assert.ok(Math.max(...widths) <= 80, `widest line ${Math.max(...widths)}:\n${r.stdout}`);
    assert.ok(new Set(widths).size === 1, "every line of the table has the same width");
    assert.match(r.stdout, /│ zarr\s+│ dj-zarr-codecs@0\.1\.0\s+│ json \(@store\s+│/);
    assert.match(r.stdout, /│ photon\s+│ dj-photon-codecs[^│]*│ json \(@store\s+│/);
    assert.match(r.stdout, /│ tst\s+│ dj-long-named-test-\s*│ \?\s+│/);
    const json = JSON.parse((await runDj(["codecs", "list", "--json"], { cwd: dir })).stdout);
    assert.equal(json.codecs.find((c: { name: string }) => c.name === "zarr").stores, "json (@store only)");
    assert.equal(json.codecs.find((c: { name: string }) => c.name === "tst").stores, null);
    assert.equal(json.codecs.find((c: { name: string }) => c.name === "tst").status, "ok");
  });
});

describe("parse errors", () => {
  const cases: Array<[string, string[], RegExp, RegExp]> = [
    ["an unknown command", ["tabels"], /^dj: unknown command 'tabels'$/, /did you mean tables\?/],
    ["an unknown subcommand", ["codecs", "lst"], /^dj: unknown command 'lst'$/, /did you mean list\? \(`dj codecs --help` shows the usage\)/],
    ["an unknown flag", ["fetch", "T", "--limt", "3"], /^dj: unknown option '--limt'$/, /did you mean --limit\? \(`dj fetch --help`/],
    ["a missing argument", ["insert"], /^dj: missing required argument 'table'$/, /`dj insert --help` shows the usage/],
    ["a bad choice", ["fetch", "T", "--format", "tiff"], /^dj: option '--format <fmt>' argument 'tiff' is invalid/, /`dj fetch --help`/],
  ];
  for (const [what, args, message, hint] of cases) {
    test(`${what}: exit 2, dj's one line and a hint; with --json one document and no stderr`, async () => {
      const dir = project({ "dj.config.json": {} });
      const r = await runDj(args, { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assertUserError(r.stderr, message, hint);
      const j = await runDj([...args, "--json"], { cwd: dir });
      assert.equal(j.code, 2);
      assert.equal(j.stderr, "");
      const doc = JSON.parse(j.stdout); // exactly one document: JSON.parse fails on two
      assert.equal(doc.error.code, "usage");
      assert.match(`dj: ${doc.error.message}`, message);
      assert.match(doc.error.hint, hint);
    });
  }
});

describe("help lists", () => {
  // Only the command being run gets its options declared (commands/program.ts); the lists must
  // still mark every command that has options, as commander would with all of them declared.
  test("each command's line shows [options] exactly when the command table declares options", async () => {
    const { COMMANDS } = await import("../../src/commands/options.js");
    const dir = project({ "dj.config.json": {} });
    const lists = new Map<string, string>();
    for (const spec of Object.values(COMMANDS)) {
      const group = spec.words.slice(0, -1);
      const key = group.join(" ");
      if (!lists.has(key)) lists.set(key, (await runDj([...group, "--help"], { cwd: dir })).stdout);
      const name = spec.words[spec.words.length - 1]!;
      const line = lists.get(key)!.split("\n").find((l) => new RegExp(`^  ${name}( |$)`).test(l));
      assert.ok(line, `${spec.words.join(" ")} is listed`);
      const hasOptions = "options" in spec && Object.keys(spec.options ?? {}).length > 0;
      assert.equal(line.includes(`${name} [options]`), hasOptions, line);
    }
    const own = await runDj(["fetch", "--help"], { cwd: dir });
    assert.match(own.stdout, /^ {2}--limit <n>/m, "the command's own help lists its options");
  });
});

describe("without a config file", () => {
  test("commands that need a database or a store say no config was found and suggest dj init; doctor creates nothing", async () => {
    const dir = project();
    for (const args of [["insert", "lab.T", "--key", "id=1"], ["tables", "lab"], ["store", "list"], ["store", "check"], ["gc", "--schema", "lab", "--dry-run"]]) {
      const r = await runDj(args, { cwd: dir });
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
      assertUserError(r.stderr, /no config file found \(dj\.config\.json or datajoint\.json in .* or a folder above it\)/, /`dj init` writes a starter dj\.config\.json/);
    }
    const doctor = await runDj(["doctor"], { cwd: dir });
    assert.equal(doctor.code, 3);
    assert.match(doctor.stdout, /^FAIL\s+config\s+no config file found.*dj init/m);
    assert.deepEqual(readdirSync(dir), [".git"], "nothing was created");
  });
});

describe("dj config", () => {
  test("validate does not advise running itself; show gives the embedded database's real path", async () => {
    const dir = project({ "dj.config.json": '{ "stores": { ' });
    const r = await runDj(["config", "validate"], { cwd: dir });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^dj: .*dj\.config\.json/);
    assert.doesNotMatch(r.stderr, /dj config validate/);
    const ok = project({ "dj.config.json": {} });
    const show = JSON.parse((await runDj(["config", "show", "--json"], { cwd: ok })).stdout);
    assert.equal(show.database.backend, "embedded");
    assert.equal(show.database.path, join(ok, ".dj"));
  });
});

for (const dialect of dialects)
describe(`data commands (${dialect.name})`, () => {
  const schema = schemaName("edges");
  let dir: string;
  const dj = (...args: string[]) => runDj(args, { cwd: dir });

  before(async () => {
    dir = project({
      "dj.config.json": configFor(dialect, { schema, stores: { default: "local", local: { protocol: "file", location: "./store" } } }),
      "p.dj": `schema ${schema}

Subject (manual)
    subject_id : int32
    ---
    species = "" : varchar(32)

Session (manual)
    -> Subject
    session_idx : int16
    ---
    trace = null : <npy@>

Empty (manual)
    e : int32
    ---
    w = null : <npy@>
`,
    });
    mkdirSync(join(dir, "store"));
    execFileSync("python3", ["-c", "import numpy as np; np.save('small.npy', np.arange(6, dtype='<f4'))"], { cwd: dir });
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
  });
  after(() => dialect.dropSchemas(schema));

  test("a missing parent row names the parent table and the key; nothing is inserted", async () => {
    const r = await dj("insert", "Session", "--key", "subject_id=7", "--key", "session_idx=1", "--from", "small.npy");
    assert.equal(r.code, 4, r.stderr);
    assertUserError(r.stderr, new RegExp(`^dj: the referenced parent row does not exist: ${schema}\\.Subject has no row with subject_id=7 \\(referenced by ${schema}\\.Session\\)$`), new RegExp(`insert that row into ${schema}\\.Subject first`));
    assert.doesNotMatch(r.stderr, /foreign key constraint|Cannot add or update/i, "not the database's raw message");
    const rows = JSON.parse((await dj("fetch", "Session", "--json")).stdout).rows;
    assert.equal(rows.length, 0);
    const rowsFile = writeFile(dir, "rows.jsonl", '{"subject_id": 8, "session_idx": 1}\n');
    const batch = await dj("insert", "Session", "--rows", rowsFile);
    assert.equal(batch.code, 4);
    assert.match(batch.stderr, new RegExp(`${schema}\\.Subject has no row with subject_id=8 \\(referenced by ${schema}\\.Session\\) \\(nothing of rows 1–1 was kept; 0 earlier rows were inserted\\)`));
  });

  test("an unknown table suggests the nearest one", async () => {
    const r = await dj("fetch", "Sesion");
    assert.equal(r.code, 4);
    assertUserError(r.stderr, new RegExp(`^dj: table ${schema}\\.Sesion does not exist$`), /did you mean Session\?/);
  });

  test("fetch --out FILE matching several values is a usage error with the count; counts agree in number", async () => {
    assert.equal((await dj("insert", "Subject", "--key", "subject_id=1")).code, 0);
    let r = await dj("fetch", "Subject");
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^1 row$/m);
    for (const idx of [1, 2]) assert.equal((await dj("insert", "Session", "--key", "subject_id=1", "--key", `session_idx=${idx}`, "--from", "small.npy")).code, 0);
    r = await dj("fetch", "Session");
    assert.match(r.stderr, /^2 rows$/m);
    r = await dj("fetch", "Session", "--out", "x.npy");
    assert.equal(r.code, 2, r.stderr);
    assertUserError(r.stderr, new RegExp(`^dj: --out x\\.npy is one file, but 2 values match \\(2 rows of ${schema}\\.Session\\)$`), /--key/);
    assert.equal(existsSync(join(dir, "x.npy")), false, "no folder named x.npy");
    const one = await dj("fetch", "Session", "--key", "session_idx=2", "--out", "x.npy");
    assert.equal(one.code, 0, one.stderr);
    const empty = await dj("fetch", "Empty", "--out", "e.npy");
    assert.equal(empty.code, 2);
    assertUserError(empty.stderr, new RegExp(`^dj: ${schema}\\.Empty has no rows: nothing to write$`), /.*/);
  });

  test("gc --dry-run states the --min-age it applied", async () => {
    const r = await dj("gc", "--dry-run", "--min-age", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--min-age 2h: unreferenced objects younger than that are kept/);
    assert.equal(JSON.parse((await dj("gc", "--dry-run", "--json")).stdout).min_age, "1h");
  });
});

describe("progress on a terminal", () => {
  test("fetching a large value draws the same progress line that insert draws", { skip: spawnSync("script", ["--version"]).status !== 0 ? "needs script(1) from util-linux" : false }, async () => {
    const dir = project({
      "dj.config.json": { schema: "prog", stores: { default: "local", local: { protocol: "file", location: "./store" } } },
      // <blob@> reads the whole array through the counted source (an <npy@> insert may copy the
      // file in the kernel, which no progress line sees).
      "p.dj": "schema prog\n\nBig (manual)\n    id : int32\n    ---\n    a : <blob@>\n",
    });
    mkdirSync(join(dir, "store"));
    execFileSync("python3", ["-c", "import numpy as np; np.save('big.npy', np.zeros((80, 262144), dtype='<f4'))"], { cwd: dir });
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    // script(1) gives dj a pseudo-terminal, so stderr is a TTY as for a user.
    const onTerminal = (args: string) => execFileSync("script", ["-qec", `${process.execPath} ${djBin} ${args}`, "/dev/null"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const insert = onTerminal("insert Big --key id=1 --from big.npy");
    const fetch = onTerminal("fetch Big --key id=1 --out back.npy");
    const line = /\ra +100% {2}80\/80 MiB {2}\d+ MiB\/s /;
    assert.match(insert, line);
    assert.match(fetch, line);
    const piped = await runDj(["fetch", "Big", "--key", "id=1", "--out", "again.npy"], { cwd: dir });
    assert.equal(piped.code, 0);
    assert.doesNotMatch(piped.stderr, /MiB\/s/, "no progress when stderr is not a terminal");
  });
});
