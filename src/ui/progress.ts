/**
 * A one-line progress report on stderr (percent and MiB/s), drawn only when stderr is a TTY and
 * neither --quiet nor --json is given; redrawn at most ten times a second.
 */
import type { Output } from "./output.js";
import { stderr } from "./stdio.js";

export interface Progress {
  add(bytes: number): void;
  done(): void;
}

export function progress(out: Output, label: string, total: number): Progress {
  if (!out.interactive || total <= 0) return { add() {}, done() {} };
  const started = performance.now();
  let seen = 0;
  let drawn = 0;
  const draw = () => {
    const secs = (performance.now() - started) / 1000;
    const pct = Math.min(100, (seen / total) * 100);
    const rate = secs > 0 ? seen / 1048576 / secs : 0;
    stderr.write(`\r${label} ${pct.toFixed(0).padStart(3)}%  ${(seen / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MiB  ${rate.toFixed(0)} MiB/s `);
  };
  return {
    add(bytes) {
      seen += bytes;
      const now = performance.now();
      if (now - drawn > 100) {
        drawn = now;
        draw();
      }
    },
    done() {
      draw();
      stderr.write("\n");
    },
  };
}
