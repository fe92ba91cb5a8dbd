/**
 * The slice text rules (which mistakes are usage errors, exit 2, and which are index errors,
 * exit 7, as NumPy raises IndexError) and how much a box read asks of its source. The values of
 * slices are checked against NumPy in tests/integration/slice-numpy.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exitCodeOf, isDjError } from "../../src/errors.js";
import { normalizeSlice, parseSlice } from "../../src/formats/slice.js";
import { readBoxByRanges } from "../../src/formats/box-ranges.js";
import { readSelection } from "../../src/formats/slice-read.js";
import { sourceFromMemory, type NdArraySource } from "../../src/formats/ndarray.js";
import { parseDescr } from "../../src/formats/dtype.js";

function exitOf(fn: () => unknown): { exit: number; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isDjError(err), `not a dj error: ${err}`);
    return { exit: exitCodeOf(err), message: (err as Error).message };
  }
  assert.fail("no error");
}

test("text that is no index at all is a usage error (exit 2), whatever the array", () => {
  for (const [text, words] of [
    ["", /the slice is empty/],
    ["  ", /the slice is empty/],
    ["1,,2", /an item between commas is empty/],
    ["a", /"a" is not an integer, a slice/],
    ["1.5", /"1.5" is not an integer/],
    ["1:2:3:4", /more than two colons/],
    ["::0", /slice step cannot be zero/],
    ["...,0,...", /single ellipsis/],
    ["0:x", /"x" is not an integer/],
    ["None", /is not an integer, a slice/],
  ] as const) {
    const r = exitOf(() => parseSlice(text));
    assert.equal(r.exit, 2, text);
    assert.match(r.message, words, text);
    assert.ok(r.message.startsWith(`--slice ${JSON.stringify(text)}: `), r.message);
  }
});

test("indices that do not fit the array are input errors (exit 7) in NumPy's words", () => {
  const at = (text: string, shape: number[]) => exitOf(() => normalizeSlice(parseSlice(text), shape, text));
  assert.deepEqual(at("10", [10]), { exit: 7, message: '--slice "10": index 10 is out of bounds for axis 0 with size 10' });
  assert.deepEqual(at(":,-4", [2, 3]), { exit: 7, message: '--slice ":,-4": index -4 is out of bounds for axis 1 with size 3' });
  assert.deepEqual(at("0,0,0", [2, 3]), { exit: 7, message: '--slice "0,0,0": too many indices for array: array is 2-dimensional, but 3 were indexed' });
  assert.equal(at("0", []).exit, 7);
  assert.equal(at("0", [0]).exit, 7);
});

test("normalisation follows Python's slice.indices, and a trailing comma is allowed", () => {
  const sel = (text: string, shape: number[]) => normalizeSlice(parseSlice(text), shape, text);
  assert.deepEqual(sel("::-1", [5]).axes, [{ start: 4, step: -1, count: 5, drop: false }]);
  assert.deepEqual(sel("-100:100", [5]).axes, [{ start: 0, step: 1, count: 5, drop: false }]);
  assert.deepEqual(sel("3:1", [5]).shape, [0]);
  assert.deepEqual(sel("99999999999999999999999:", [5]).shape, [0]);
  assert.deepEqual(sel("1,", [5, 4]).shape, [4]);
  assert.deepEqual(sel("...,1", [2, 3, 4]).shape, [2, 3]);
  assert.deepEqual(sel("...", []).shape, []);
  assert.equal(sel("1,2", [3, 3]).scalar, true);
  assert.equal(sel("1,2,...", [3, 3]).scalar, false);
});

function counting(source: NdArraySource): { source: NdArraySource; reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return { reads, source: { ...source, read: (o, n) => (reads.push([o, n]), source.read(o, n)) } };
}

test("a box of rows is one read of exactly those bytes; far-apart runs are separate reads", async () => {
  const f8 = parseDescr("<f8");
  // 1000 rows of 1024 float64 (8 KiB a row): rows 10..19 are one contiguous run.
  const big = sourceFromMemory({ dtype: f8, shape: [1000, 1024], data: new Uint8Array(1000 * 1024 * 8) });
  const a = counting(big);
  await readBoxByRanges(a.source, [10, 0], [20, 1024]);
  assert.deepEqual(a.reads, [[10 * 8192, 10 * 8192]]);
  // One column of rows 0..2 with a 1 KiB gap setting: each element is its own read.
  const b = counting(big);
  await readBoxByRanges(b.source, [0, 5], [3, 6], { gapBytes: 1024 });
  assert.deepEqual(b.reads, [[40, 8], [8192 + 40, 8], [16384 + 40, 8]]);
  // With the default 64 KiB gap, they merge into one read from the first to the last.
  const c = counting(big);
  await readBoxByRanges(c.source, [0, 5], [3, 6]);
  assert.deepEqual(c.reads, [[40, 2 * 8192 + 8]]);
});

test("an F-order source is read in its own runs and comes back in C order", async () => {
  const u1 = parseDescr("|u1");
  // shape [3, 4] in F order: element (i, j) at byte i + 3*j, value 10*i + j.
  const data = new Uint8Array(12);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) data[i + 3 * j] = 10 * i + j;
  const s = counting(sourceFromMemory({ dtype: u1, shape: [3, 4], data }, "F"));
  const box = await readBoxByRanges(s.source, [1, 1], [3, 3], { gapBytes: 0 });
  assert.deepEqual([...box], [11, 12, 21, 22]);
  assert.deepEqual(s.reads, [[4, 2], [7, 2]]);
  const r = await readSelection(s.source, normalizeSlice(parseSlice("::-2,::3"), [3, 4]));
  assert.deepEqual([...r.data], [20, 23, 0, 3]);
});

test("an empty selection reads nothing", async () => {
  const s = counting(sourceFromMemory({ dtype: parseDescr("<i4"), shape: [4, 4], data: new Uint8Array(64) }));
  const r = await readSelection(s.source, normalizeSlice(parseSlice("2:2"), [4, 4]));
  assert.deepEqual(r.shape, [0, 4]);
  assert.equal(r.data.byteLength, 0);
  assert.deepEqual(s.reads, []);
});
