/**
 * stdout and stderr, as dj writes them. Where the descriptor is a regular file or /dev/null
 * (/dev/full, /dev/zero), and for the first 64 KiB into a pipe or socket, text is written with
 * fs.writeSync and process.stdout / process.stderr are never created: creating one loads Node's
 * stream modules (and on a pipe, `net`), about 4 ms of a command that runs in 40. On a terminal,
 * on anything else, and once either channel has gone past its 64 KiB (or met a full
 * non-blocking pipe, or was asked for a stream), both channels use Node's streams for good, as
 * dj did before: each channel's output keeps its order, stderr does not overtake stdout that is
 * still queued (`2>&1`), and a long output into a reader that stalls is written without
 * blocking, so dj's interrupt handlers (Ctrl-C, SIGTERM) still run. 64 KiB is what an empty
 * Linux pipe of the default size holds.
 *
 * A reader that went away (EPIPE or ECONNRESET: `dj codecs list | head -1`) ends the output
 * quietly, and the command ends with its own exit code; before, Node's unhandled 'error' event
 * printed a stack trace. Any other failure to write (a full disk behind `> file`, a terminal
 * that went away) stops the output, says `dj: cannot write stdout: …` on stderr and makes the
 * exit code 5, whichever way the bytes were going; what was written before it stays written.
 */
import { fstatSync, readlinkSync, writeSync } from "node:fs";
import { StoreError } from "../errors.js";
import { writeFailureCause } from "../write-failures.js";

type Mode = "sync" | "stream" | "closed";

const PIPE_BUDGET = 64 * 1024;
/** Character devices that are certainly no terminal (Linux names them in /proc/self/fd). */
const NOT_A_TERMINAL = new Set(["/dev/null", "/dev/full", "/dev/zero"]);

/** How fd may be written synchronously: without limit (a file, /dev/null), up to PIPE_BUDGET (a pipe, a socket), or not at all. */
function syncBudget(fd: number): number {
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return Infinity;
    if (st.isFIFO() || st.isSocket()) return PIPE_BUDGET;
    // Any other character device may be a terminal: Node's stream decides (it knows how to ask).
    if (st.isCharacterDevice() && process.platform === "linux" && NOT_A_TERMINAL.has(readlinkSync(`/proc/self/fd/${fd}`))) return Infinity;
  } catch {
    // closed, or no /proc: let Node decide
  }
  return 0;
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code;
const readerGone = (err: unknown) => errorCode(err) === "EPIPE" || errorCode(err) === "ECONNRESET";

/** A failure to write stdout or stderr, in dj's words (exit 5). */
export function stdioError(err: unknown, name: string): StoreError {
  const code = errorCode(err) ?? "unknown";
  const cause = writeFailureCause(code);
  // Node's message repeats the code and the call ("ENXIO: no such device, write"): the words only.
  const plain = String((err as Error)?.message ?? err).replace(/^[A-Z0-9]+: /, "").replace(/, write$/, "");
  const [words, djCode] = cause?.[0] === "store" ? [cause[1], cause[2]] : [plain, "output.eio" as const];
  return new StoreError(`cannot write ${name}: ${words} (${code})`, { cause: err, code: djCode, hint: code === "ENOSPC" || code === "EDQUOT" ? "free some space, or send the output elsewhere" : undefined });
}

/** The first failure of a write queued in Node's stream (not a reader going away). */
let failure: StoreError | null = null;
let commandDone = false;

/**
 * The exit code of a command that returned `code`: a queued write that failed while it ran
 * makes a successful command exit 5, said on stderr (a failed command has said its own error).
 * Failures after this are said, and made the exit code, as they happen.
 */
export function finishCommand(code: number): number {
  commandDone = true;
  if (failure === null || code !== 0) return code;
  stderr.write(`dj: ${failure.message}\n`);
  return failure.exitCode;
}

export class StdioChannel {
  private mode: Mode | undefined;
  /** Bytes that may still be written synchronously. */
  private budget = 0;
  private listening = false;

  constructor(
    private readonly fd: 1 | 2,
    private readonly name: "stdout" | "stderr",
    private readonly nodeStream: () => NodeJS.WriteStream,
  ) {}

  private current(): Mode {
    if (this.mode === undefined) {
      this.budget = syncBudget(this.fd);
      this.mode = this.budget > 0 ? "sync" : "stream";
    }
    return this.mode;
  }

  /**
   * Node's stream, from now on used for every write on both channels (see the header), for
   * writers that need a stream or a callback. dj export adds its own error listener.
   */
  stream(): NodeJS.WriteStream {
    for (const channel of channels) channel.useStream();
    return this.nodeStream();
  }

  private useStream(): void {
    if (this.mode === undefined) this.current();
    if (this.mode !== "closed") this.mode = "stream";
    if (this.listening) return;
    this.listening = true;
    this.nodeStream().on("error", (err) => {
      this.mode = "closed";
      if (readerGone(err) || failure !== null) return;
      failure = stdioError(err, this.name);
      if (!commandDone) return;
      if (this.name === "stdout") stderr.write(`dj: ${failure.message}\n`);
      if (!process.exitCode) process.exitCode = failure.exitCode;
    });
  }

  /** Output on this channel stops; the error, unless its reader went away. */
  private stopped(err: unknown): StoreError | null {
    this.mode = "closed";
    return readerGone(err) ? null : stdioError(err, this.name);
  }

  /** A terminal, with its width when it has one; false where dj writes synchronously (never a terminal). */
  get isTTY(): boolean {
    return this.current() === "stream" && Boolean(this.nodeStream().isTTY);
  }

  get columns(): number | undefined {
    return this.isTTY ? this.nodeStream().columns : undefined;
  }

  write(text: string | Uint8Array): void {
    if (this.current() === "closed") return;
    const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    if (this.mode === "sync" && bytes.byteLength > this.budget) this.stream();
    if (this.mode === "stream") {
      this.stream().write(bytes);
      return;
    }
    this.budget -= bytes.byteLength;
    let at = 0;
    try {
      while (at < bytes.byteLength) at += writeSync(this.fd, bytes, at, bytes.byteLength - at);
    } catch (err) {
      // A non-blocking descriptor that is full: Node's stream queues the rest.
      if (errorCode(err) === "EAGAIN") this.stream().write(bytes.subarray(at));
      else {
        const error = this.stopped(err);
        // stderr that cannot be written has nowhere to say so: it only stops.
        if (error && this.name === "stdout") throw error;
      }
    }
  }

  /** Write through Node's stream and wait until it is written; a reader that went away is not an error. */
  async writeAndWait(bytes: Uint8Array): Promise<void> {
    if (this.current() === "closed") return;
    const s = this.stream();
    await new Promise<void>((resolve, reject) =>
      s.write(bytes, (err) => {
        const error = err ? this.stopped(err) : null;
        if (error) reject(error);
        else resolve();
      }),
    );
  }
}

export const stdout = new StdioChannel(1, "stdout", () => process.stdout);
export const stderr = new StdioChannel(2, "stderr", () => process.stderr);
const channels = [stdout, stderr];
