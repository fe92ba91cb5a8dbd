/**
 * `dj delete` removes exactly what the user confirmed. Between the counts it showed and the
 * delete itself another process may insert a matching row; dj then refuses (exit 8) and deletes
 * nothing, rather than deleting rows nobody saw. The race is held open with the test-only
 * `DJ_TEST_PAUSE=delete-confirmed:<fifo>` hook, so it happens every time, with no sleep.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { holdFifo, makeFifo, startDj } from "../helpers/race.js";

for (const dialect of dialects)
describe(`dj delete runs what was confirmed (${dialect.name})`, () => {
  const schema = schemaName("delconf");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const ids = async () => {
    const r = await dj("fetch", "Rec", "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).rows.map((x: { id: number }) => x.id);
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, { schema }),
      "p.dj": `schema ${schema}\n\nRec (manual)\n    id : int32\n`,
    }));
    assert.equal((await dj("declare", "p.dj")).code, 0);
    for (const id of [1, 2]) assert.equal((await dj("insert", "Rec", "--key", `id=${id}`)).code, 0);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("a matching row inserted after the counts stops the delete: exit 8, nothing deleted", async () => {
    const fifo = makeFifo(dir, "hold");
    const running = startDj(["delete", "Rec", "--where", "id >= 1", "--force"], { cwd: dir, env: { DJ_TEST_PAUSE: `delete-confirmed:${fifo}` } });
    const held = await holdFifo(fifo, running);
    assert.equal((await dj("insert", "Rec", "--key", "id=3")).code, 0);
    await held.close();
    const r = await running.done;
    assert.equal(r.status, 8, r.stderr);
    assert.match(r.stderr, new RegExp(`the rows to delete changed while you were asked \\(confirmed ${schema}\\.rec: 2; now ${schema}\\.rec: 3\\): nothing was deleted`));
    assert.deepEqual(await ids(), [1, 2, 3]);
  });

  test("unchanged rows are deleted as confirmed", async () => {
    const fifo = makeFifo(dir, "hold2");
    const running = startDj(["delete", "Rec", "--where", "id >= 2", "--force"], { cwd: dir, env: { DJ_TEST_PAUSE: `delete-confirmed:${fifo}` } });
    const held = await holdFifo(fifo, running);
    await held.close();
    const r = await running.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await ids(), [1]);
  });
});
