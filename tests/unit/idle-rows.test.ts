/**
 * The per-row idle deadline of streamed MySQL results (src/db/mysql/idle-rows.ts): it counts
 * only the wait for the server, never the caller's time with a row, and a caller that stops
 * early ends the source stream as a plain for-await would.
 */
import assert from "node:assert/strict";
import { setTimeout as wait } from "node:timers/promises";
import { test } from "node:test";
import { withIdleDeadline } from "../../src/db/mysql/idle-rows.js";

async function* rows(n: number, ended: { value: boolean }) {
  try {
    for (let i = 0; i < n; i++) yield i;
  } finally {
    ended.value = true;
  }
}

test("a slow consumer does not trip the deadline: only the wait for the next row counts", async () => {
  let abandoned = 0;
  const seen: number[] = [];
  for await (const row of withIdleDeadline(rows(3, { value: false }), 30, () => abandoned++)) {
    seen.push(row);
    await wait(120); // four deadlines' worth of writing the batch out
  }
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(abandoned, 0);
});

test("a source that stops sending fails as a stalled SELECT and is abandoned", async () => {
  let abandoned = 0;
  const never = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<number>>(() => {}) }) };
  await assert.rejects(
    (async () => {
      for await (const _ of withIdleDeadline(never, 30, () => abandoned++));
    })(),
    { code: "PROTOCOL_SEQUENCE_TIMEOUT", $djOp: "SELECT" },
  );
  assert.equal(abandoned, 1);
});

test("stopping early (break or a throw) ends the source stream", async () => {
  const afterBreak = { value: false };
  for await (const row of withIdleDeadline(rows(10, afterBreak), 1000, () => {})) if (row === 2) break;
  assert.equal(afterBreak.value, true);
  const afterThrow = { value: false };
  await assert.rejects(
    (async () => {
      for await (const row of withIdleDeadline(rows(10, afterThrow), 1000, () => {})) if (row === 1) throw new Error("EPIPE");
    })(),
    /EPIPE/,
  );
  assert.equal(afterThrow.value, true);
});
