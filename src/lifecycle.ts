/**
 * Resources that must be released on every exit path (database pools, S3 clients), and the
 * cleanup that must run when the user interrupts dj.
 *
 * - `onClose`: services register a closer when they open something; `runCli` calls `closeAll()`.
 * - `onInterrupt`: work in progress (an insert's objects and intent) registers what to undo.
 * - `trackTempFile`: a temporary file (`*.saving`, `*.partial`) lives in this registry while it
 *   is being written, so an interrupt can remove it even when its writer never resumes.
 * On SIGINT/SIGTERM the interrupt handlers run, temp files are removed, one line is printed and
 * dj ends by the same signal: a shell reports 130/143 (128 + the signal's number). A second
 * signal ends it at once.
 */
import { openSync } from "node:fs";

type Closer = () => Promise<void> | void;
/** Undo work in progress; returns a short description of what was removed (or nothing). */
export type InterruptHandler = () => Promise<string | void>;

const closers = new Set<Closer>();
const interruptHandlers = new Set<InterruptHandler>();
const tempFiles = new Set<string>();

export function onClose(closer: Closer): () => void {
  closers.add(closer);
  return () => closers.delete(closer);
}

export async function closeAll(): Promise<void> {
  const pending = [...closers];
  closers.clear();
  await Promise.allSettled(pending.map(async (close) => close()));
}

export function onInterrupt(handler: InterruptHandler): () => void {
  interruptHandlers.add(handler);
  return () => interruptHandlers.delete(handler);
}

/** Register a temporary file while it is written; call the returned function once it is gone or renamed. */
export function trackTempFile(path: string): () => void {
  tempFiles.add(path);
  return () => tempFiles.delete(path);
}

let interrupted: NodeJS.Signals | null = null;

/** True once SIGINT/SIGTERM arrived: writers stop starting new work. */
export function interruptedBy(): NodeJS.Signals | null {
  return interrupted;
}

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

let handling: Promise<void> | null = null;

/** Resolves never once an interrupt is being handled (its handler exits); at once otherwise. */
export async function interruptSettled(): Promise<void> {
  if (handling) await handling;
}

/**
 * End as the signal would have ended dj, so a shell reports 130/143 and a calling script stops
 * too (the usual rule for SIGINT). Not process.exit: it joins libuv's thread pool, and a read
 * blocked on a pipe that stays open (`--from o=fifo`) would keep dj from ever exiting.
 */
function dieBy(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

function handleInterrupt(signal: NodeJS.Signals): void {
  if (interrupted) return dieBy(signal); // a second signal: stop now
  interrupted = signal;
  process.exitCode = EXIT_CODES[signal] ?? 130;
  handling = undoAndExit(signal);
}

async function undoAndExit(signal: NodeJS.Signals): Promise<void> {
  const undoing = Promise.allSettled([...interruptHandlers].map((h) => h()));
  // For tests: the interrupt has reached every handler; what the test does next (a rival's
  // commit) is then handled after it, never before.
  await testPause("interrupt-handled");
  const results = await undoing;
  // Temp files last: an undo above may have been the one still writing them. (node:fs/promises
  // is loaded only here: at start-up it would cost every command some 15 internal modules.)
  const { rm } = await import("node:fs/promises");
  let temps = 0;
  for (const path of [...tempFiles]) {
    await rm(path, { force: true }).catch(() => {});
    temps++;
  }
  const done = results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
  const failed = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error)?.message ?? String(r.reason)] : []));
  if (temps) done.push(`removed ${temps} temporary file${temps === 1 ? "" : "s"}`);
  if (failed.length) done.push(`cleanup failed: ${failed.join("; ")} (dj gc collects what is left)`);
  const line = `dj: interrupted by ${signal}${done.length ? `; ${done.join(", ")}` : ""}\n`;
  await new Promise<void>((resolve) => {
    process.stderr.write(line, () => resolve());
    // Not written at once (stderr shares a full pipe with stdout, and its reader has stalled):
    // dj ends without waiting for a reader that may never come back.
    if (process.stderr.writableLength > 0) resolve();
  });
  dieBy(signal);
}

let installed = false;

/** Called once by `runCli`. */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => handleInterrupt(signal));
}

/**
 * TEST-ONLY hook: with `DJ_TEST_PAUSE=<point>:<fifo>` dj stops at the named point, opens the FIFO
 * and reads it to its end. A test opens the FIFO for writing — which returns once dj has reached
 * the point — does what it wants to race against dj, then closes it. Points: `gc-before-delete`,
 * `fetch-partial`, `insert-before-commit`, `delete-confirmed`, `interrupt-handled`. Never set
 * this outside tests.
 */
export async function testPause(point: string): Promise<void> {
  const hook = process.env.DJ_TEST_PAUSE;
  if (!hook) return;
  const at = hook.indexOf(":");
  if (hook.slice(0, at) !== point) return;
  // Opened on the main thread (blocking until the test opens the writing end), then read as a
  // non-blocking pipe: a read blocked in libuv's thread pool would keep process.exit waiting.
  const fd = openSync(hook.slice(at + 1), "r");
  const { Socket } = await import("node:net");
  const pipe = new Socket({ fd, readable: true, writable: false });
  await new Promise<void>((resolve) => {
    pipe.on("close", () => resolve());
    pipe.on("error", () => resolve());
    pipe.resume();
  });
}
