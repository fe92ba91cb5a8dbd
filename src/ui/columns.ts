/**
 * Tables that fit the terminal: stdout's width on a TTY, else 80 columns (what a pager or a CI
 * log shows). When the natural widths do not fit, the columns named in `shrink` are narrowed,
 * first one first, and their cells wrap at spaces; a word longer than its column is broken
 * there, never cut off.
 */
import { stdout } from "./stdio.js";

export interface ColumnsOptions {
  /** Total width to fit in (default: the terminal's, else 80). */
  width?: number;
  /** Columns that may be narrowed, in the order they give up width, each down to `min`. */
  shrink?: Array<{ column: number; min: number }>;
  /** Colour headers and lines (only when colour is allowed). */
  color?: boolean;
}

const len = (s: string) => [...s].length;

/** Where to break a word longer than `width`: before its last `@`, `/` or after a `-`, else at the width. */
function breakAt(word: string[], width: number): number {
  for (let i = width; i > width / 2; i--) {
    if (word[i] === "@" || word[i] === "/") return i;
    if (word[i - 1] === "-") return i;
  }
  return width;
}

/** Wrap text to `width` columns at spaces; a longer word is broken (never cut off). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  const flush = () => {
    if (line) lines.push(line);
    line = "";
  };
  for (let word of text.split(/ +/)) {
    while (len(word) > width) {
      flush();
      const chars = [...word];
      const at = breakAt(chars, width);
      lines.push(chars.slice(0, at).join(""));
      word = chars.slice(at).join("");
    }
    if (!line) line = word;
    else if (len(line) + 1 + len(word) <= width) line += " " + word;
    else {
      flush();
      line = word;
    }
  }
  flush();
  return lines.length ? lines : [""];
}

/** Content widths that fit `budget`, taking width from the `shrink` columns in order. */
export function fitWidths(natural: number[], shrink: Array<{ column: number; min: number }>, budget: number): number[] {
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) - budget;
  for (const { column, min } of shrink) {
    if (excess <= 0) break;
    const give = Math.min(excess, widths[column]! - min);
    if (give > 0) {
      widths[column]! -= give;
      excess -= give;
    }
  }
  return widths;
}

/**
 * A table drawn as cli-table3 draws it (box lines, one space of padding, a line between rows),
 * without loading it, narrowed to fit. Colour: cyan headers and grey lines, as cli-table3's.
 */
export function renderColumns(head: string[], rows: string[][], options: ColumnsOptions = {}): string {
  const width = options.width ?? (stdout.columns || 80);
  const natural = head.map((h, i) => Math.max(len(h), ...rows.map((r) => len(r[i] ?? ""))));
  // A narrowed column keeps room for its header.
  const shrink = (options.shrink ?? []).map((s) => ({ column: s.column, min: Math.max(s.min, len(head[s.column]!)) }));
  // Each column costs its content, two spaces of padding and one line; plus the closing line.
  const widths = fitWidths(natural, shrink, width - head.length * 3 - 1);
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[39m` : text);
  const rule = (left: string, mid: string, right: string) => paint("90", left + widths.map((w) => "─".repeat(w + 2)).join(mid) + right);
  const bar = paint("90", "│");
  const out: string[] = [rule("┌", "┬", "┐")];
  const emit = (cells: string[], isHead: boolean) => {
    const wrapped = cells.map((c, i) => wrapText(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let k = 0; k < height; k++) {
      const parts = wrapped.map((w, i) => {
        const text = (w[k] ?? "").padEnd(widths[i]!);
        return ` ${isHead ? paint("36", text) : text} `;
      });
      out.push(bar + parts.join(bar) + bar);
    }
  };
  emit(head, true);
  for (const r of rows) {
    out.push(rule("├", "┼", "┤"));
    emit(r, false);
  }
  out.push(rule("└", "┴", "┘"));
  return out.join("\n");
}
