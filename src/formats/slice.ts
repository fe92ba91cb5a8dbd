/**
 * NumPy basic indexing from text (`dj fetch --slice "0:1000,3"`): integers (negative counting from
 * the end), `start:stop:step` with any part omitted and negative steps, one `...`, and trailing
 * axes left out. `parseSlice` checks the text alone; `normalizeSlice` resolves it against a shape
 * exactly as NumPy does (Python's `slice.indices` rules; out-of-range integers are an error,
 * out-of-range slice bounds are clipped, empty results are fine).
 *
 * Errors: text that is not an index at all (bad syntax, a zero step, two `...`) is a UsageError
 * (exit 2) — it is wrong whatever the array. An index that does not fit this array (an integer out
 * of bounds, more indices than axes) is an InputError (exit 7), NumPy's IndexError.
 */
import { InputError, UsageError } from "./errors.js";

export type SliceItem =
  | { kind: "int"; value: number; text: string }
  | { kind: "range"; start: number | null; stop: number | null; step: number | null }
  | { kind: "ellipsis" };

/** The selection on one axis of the source: `count` indices `start, start+step, …`. */
export interface AxisSelection {
  start: number;
  step: number;
  count: number;
  /** An integer index: the axis is dropped from the result's shape, as NumPy drops it. */
  drop: boolean;
}

export interface Selection {
  axes: AxisSelection[];
  /** The result's shape (integer-indexed axes left out). */
  shape: number[];
  /**
   * Every axis indexed by an integer and no `...`: NumPy returns a scalar, not an array, and its
   * scalars are in native byte order (`a[1, 2]` of a `>f4` array is a little-endian float32,
   * while `a[1, 2, ...]` is a 0-d `>f4` array).
   */
  scalar: boolean;
}

const INT = /^[+-]?\d+$/;

function syntax(text: string, why: string): UsageError {
  return new UsageError(`--slice ${JSON.stringify(text)}: ${why}`, {
    hint: 'NumPy slice syntax, one item per axis separated by commas: 5, -1, 0:100, ::2, 10:0:-3, ... (e.g. --slice "0:1000,3")',
    code: "usage.slice",
  });
}

/** A bound or step: an integer, or null when omitted. Bounds beyond 2^53 keep their sign (clipped later). */
function bound(part: string, text: string): number | null {
  const s = part.trim();
  if (s === "") return null;
  if (!INT.test(s)) throw syntax(text, `${JSON.stringify(s)} is not an integer`);
  return Number(s);
}

export function parseSlice(text: string): SliceItem[] {
  if (text.trim() === "") throw syntax(text, "the slice is empty");
  const parts = text.split(",");
  // Python allows one trailing comma (`a[0,]`), never an empty item elsewhere.
  if (parts.length > 1 && parts[parts.length - 1]!.trim() === "") parts.pop();
  const items: SliceItem[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === "") throw syntax(text, "an item between commas is empty");
    if (part === "...") {
      if (items.some((i) => i.kind === "ellipsis")) throw syntax(text, "an index can only have a single ellipsis ('...')");
      items.push({ kind: "ellipsis" });
      continue;
    }
    const pieces = part.split(":");
    if (pieces.length === 1) {
      if (!INT.test(part)) throw syntax(text, `${JSON.stringify(part)} is not an integer, a slice (start:stop:step) or ...`);
      items.push({ kind: "int", value: Number(part), text: part });
      continue;
    }
    if (pieces.length > 3) throw syntax(text, `${JSON.stringify(part)} has more than two colons`);
    const [start, stop, step] = [bound(pieces[0]!, text), bound(pieces[1]!, text), pieces.length === 3 ? bound(pieces[2]!, text) : null];
    if (step === 0) throw syntax(text, "slice step cannot be zero");
    items.push({ kind: "range", start, stop, step });
  }
  return items;
}

/** Python's `slice(start, stop, step).indices(length)`, then the number of indices. */
function rangeOn(item: { start: number | null; stop: number | null; step: number | null }, length: number): AxisSelection {
  const step = item.step ?? 1;
  const clip = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) {
      v += length;
      if (v < 0) return step < 0 ? -1 : 0;
      return v;
    }
    return v >= length ? (step < 0 ? length - 1 : length) : v;
  };
  const start = clip(item.start, step < 0 ? length - 1 : 0);
  const stop = clip(item.stop, step < 0 ? -1 : length);
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  // Steps beyond the axis reach one index at most; keep them small so offsets stay exact.
  return { start: count === 0 ? 0 : start, step: count <= 1 ? 1 : step, count, drop: false };
}

/** Resolve parsed items against a shape (NumPy's basic indexing rules). */
export function normalizeSlice(items: SliceItem[], shape: readonly number[], text = ""): Selection {
  const indexing = items.filter((i) => i.kind !== "ellipsis").length;
  if (indexing > shape.length) {
    throw new InputError(`--slice ${JSON.stringify(text)}: too many indices for array: array is ${shape.length}-dimensional, but ${indexing} were indexed`, {
      hint: `the array's shape is [${shape.join(", ")}]`,
      code: "input.slice",
    });
  }
  // `...` stands for as many full axes as the other items leave; without one they fill the end.
  const full = { kind: "range", start: null, stop: null, step: null } as const;
  const at = items.findIndex((i) => i.kind === "ellipsis");
  const fill = Array.from({ length: shape.length - indexing }, () => full);
  const expanded = at < 0 ? [...items, ...fill] : [...items.slice(0, at), ...fill, ...items.slice(at + 1)];
  const axes = expanded.map((item, axis): AxisSelection => {
    const length = shape[axis]!;
    if (item.kind === "int") {
      const i = item.value < 0 ? item.value + length : item.value;
      if (!(i >= 0 && i < length)) {
        throw new InputError(`--slice ${JSON.stringify(text)}: index ${item.text.replace(/^\+/, "")} is out of bounds for axis ${axis} with size ${length}`, {
          hint: `the array's shape is [${shape.join(", ")}]`,
          code: "input.slice",
        });
      }
      return { start: i, step: 1, count: 1, drop: true };
    }
    return rangeOn(item as Exclude<SliceItem, { kind: "int" | "ellipsis" }>, length);
  });
  const scalar = at < 0 && axes.every((a) => a.drop);
  return { axes, shape: axes.filter((a) => !a.drop).map((a) => a.count), scalar };
}

/** The smallest box `[lo, hi)` holding every selected index (undefined when nothing is selected). */
export function boundingBox(sel: Selection): { lo: number[]; hi: number[] } | undefined {
  if (sel.axes.some((a) => a.count === 0)) return undefined;
  const lo = sel.axes.map((a) => (a.step > 0 ? a.start : a.start + (a.count - 1) * a.step));
  const hi = sel.axes.map((a) => (a.step > 0 ? a.start + (a.count - 1) * a.step : a.start) + 1);
  return { lo, hi };
}
