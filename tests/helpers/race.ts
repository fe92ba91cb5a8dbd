/**
 * Deterministic races with the built binary: a FIFO that holds a dj process at a known point
 * (as an attribute's input, or through the test-only DJ_TEST_PAUSE hook), and a running dj whose
 * stderr the test can wait on. Opening a FIFO for writing returns only once dj opened it for
 * reading, so "dj has reached the point" is an event, never a sleep.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { constants as os } from "node:os";
import { join } from "node:path";
import { djBin } from "./cli.js";

export function makeFifo(dir: string, name: string): string {
  const path = join(dir, name);
  const r = spawnSync("mkfifo", [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
  return path;
}

/**
 * Resolves once the reader (dj) has opened the FIFO: dj is now waiting on it. When dj exits
 * first, the test's pending open is released (by opening the reading end itself) and this
 * rejects with dj's stderr, so a broken run fails instead of hanging.
 */
export async function holdFifo(path: string, running: RunningDj): Promise<FileHandle> {
  const opening = open(path, "w");
  const exited = running.done.then(async (r) => {
    const reader = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    (await opening).close();
    await reader.close();
    throw new Error(`dj exited (status ${r.status}) before reaching the FIFO: ${r.stderr}`);
  });
  exited.catch(() => {});
  return Promise.race([opening, exited]);
}

export interface DjExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunningDj {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches. */
  waitForStderr(re: RegExp): Promise<void>;
  /** `status` is what a shell reports: the exit code, or 128 + the signal's number. */
  done: Promise<DjExit>;
}

export function startDj(args: string[], opts: { cwd: string; env?: Record<string, string> }): RunningDj {
  const child = spawn(process.execPath, [djBin, ...args], { cwd: opts.cwd, env: { ...process.env, NO_COLOR: "1", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => {
    err += d;
    for (const w of [...waiters]) if (w.re.test(err)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  const done = new Promise<DjExit>((resolve) =>
    child.on("close", (code, signal) => {
      for (const w of waiters) w.resolve(); // let a waiting test fail on its own assertions
      resolve({ code, signal, status: code ?? 128 + (signal ? os.signals[signal] : 0), stdout: out, stderr: err });
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (re) => (re.test(err) ? Promise.resolve() : new Promise((resolve) => waiters.push({ re, resolve }))),
    done,
  };
}
