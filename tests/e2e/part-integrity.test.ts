/**
 * Part tables in `dj delete`, as DataJoint 2.x keeps them (part_integrity): a part alone is not
 * deleted unless asked (`--part-integrity ignore`), a master takes its parts along, and a cascade
 * reaching another master's part refuses (enforce, the default) or takes that master too
 * (`--part-integrity cascade`). Built binary, on every dialect (tests/helpers/dialects.ts).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";

const pipeline = (s: string) => `schema ${s}

Session (manual)
    session : int16

Session.Trial (part)
    -> master
    trial : int16

Stimulus (lookup)
    stim : int16

Recording (manual)
    rec : int16

Recording.Channel (part)
    -> master
    channel : int16
    ---
    -> Stimulus
`;

const rows: Record<string, object[]> = {
  Session: [{ session: 1 }, { session: 2 }],
  "Session.Trial": [{ session: 1, trial: 1 }, { session: 1, trial: 2 }, { session: 2, trial: 1 }],
  Stimulus: [{ stim: 1 }, { stim: 2 }],
  Recording: [{ rec: 1 }, { rec: 2 }],
  // Recording 1 has channels on both stimuli; recording 2 only on stimulus 2.
  "Recording.Channel": [{ rec: 1, channel: 1, stim: 1 }, { rec: 1, channel: 2, stim: 2 }, { rec: 2, channel: 1, stim: 2 }],
};

for (const dialect of dialects)
describe(`dj delete and part tables (${dialect.name})`, () => {
  const schema = schemaName("parts");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const count = async (table: string) => JSON.parse((await dj("fetch", table, "--json")).stdout).rows.length as number;
  const counts = async () => Object.fromEntries(await Promise.all(Object.keys(rows).map(async (t) => [t, await count(t)] as const)));
  const full = { Session: 2, "Session.Trial": 3, Stimulus: 2, Recording: 2, "Recording.Channel": 3 };

  /** A fresh set of rows (each test starts from the same data). */
  const reset = async () => {
    // Masters take their parts along; recordings before the stimuli their channels reference.
    for (const t of ["Session", "Recording", "Stimulus"]) await dj("delete", t, "--all", "--force");
    for (const [t, list] of Object.entries(rows)) {
      writeFile(dir, "rows.jsonl", list.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const r = await dj("insert", t, "--rows", "rows.jsonl");
      assert.equal(r.code, 0, r.stderr);
    }
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": configFor(dialect, { schema }) }));
    writeFile(dir, "p.dj", pipeline(schema));
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("a part alone is refused (exit 8), naming the master; nothing is deleted", async () => {
    await reset();
    const r = await dj("delete", "Session.Trial", "--key", "session=1", "--key", "trial=1", "--force");
    assert.equal(r.code, 8);
    assert.match(r.stderr, new RegExp(`^dj: cannot delete from part table ${schema}\\.session__trial directly: part rows go with their master ${schema}\\.session$`, "m"));
    assert.match(r.stderr, /--part-integrity cascade/);
    assert.deepEqual(await counts(), full);
  });

  test("--part-integrity ignore deletes the part rows alone", async () => {
    await reset();
    const r = await dj("delete", "Session.Trial", "--key", "session=1", "--key", "trial=1", "--force", "--part-integrity", "ignore");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `deleted 1 row from ${schema}.session__trial\n`);
    assert.deepEqual(await counts(), { ...full, "Session.Trial": 2 });
  });

  test("--part-integrity cascade on a part deletes its master row and all the master's parts", async () => {
    await reset();
    const r = await dj("delete", "Session.Trial", "--key", "session=1", "--key", "trial=1", "--force", "--part-integrity", "cascade");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `deleted 2 rows from ${schema}.session__trial\ndeleted 1 row from ${schema}.session\n`);
    assert.deepEqual(await counts(), { ...full, Session: 1, "Session.Trial": 1 });
  });

  test("deleting a master deletes its parts (no --cascade needed)", async () => {
    await reset();
    const r = await dj("delete", "Session", "--key", "session=1", "--force");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `deleted 1 row from ${schema}.session\ndeleted 2 rows from ${schema}.session__trial\n`);
    assert.deepEqual(await counts(), { ...full, Session: 1, "Session.Trial": 1 });
  });

  test("a cascade reaching another master's part refuses by default, naming that master", async () => {
    await reset();
    const r = await dj("delete", "Stimulus", "--key", "stim=1", "--cascade", "--force");
    assert.equal(r.code, 8);
    assert.match(r.stderr, new RegExp(`rows of part table ${schema}\\.recording__channel \\(1 row, master ${schema}\\.recording\\) without their master`));
    assert.deepEqual(await counts(), full);
  });

  test("--part-integrity cascade takes that master along, and every table is listed and counted", async () => {
    await reset();
    const ask = await dj("delete", "Stimulus", "--key", "stim=1", "--cascade", "--part-integrity", "cascade");
    assert.equal(ask.code, 2, "no terminal, no --force: refused after listing");
    assert.equal(
      ask.stderr.split("\n").filter((l) => l.startsWith("  ")).join("\n"),
      [`  1 row from ${schema}.#stimulus`, `  2 rows from ${schema}.recording__channel`, `  1 row from ${schema}.recording`].join("\n"),
    );
    assert.match(ask.stderr, /refusing to delete 4 rows without --force/);
    assert.deepEqual(await counts(), full);

    const r = await dj("delete", "Stimulus", "--key", "stim=1", "--cascade", "--part-integrity", "cascade", "--force");
    assert.equal(r.code, 0, r.stderr);
    // Recording 1 goes with both of its channels (one of them on stimulus 2); recording 2 stays.
    assert.deepEqual(await counts(), { ...full, Stimulus: 1, Recording: 1, "Recording.Channel": 1 });
    const left = JSON.parse((await dj("fetch", "Recording.Channel", "--json")).stdout).rows;
    assert.deepEqual(left, [{ rec: 2, channel: 1, stim: 2 }]);
  });

  test("an unknown policy is a usage error (exit 2)", async () => {
    const r = await dj("delete", "Session", "--all", "--part-integrity", "sometimes");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /enforce, ignore, cascade/);
  });
});
