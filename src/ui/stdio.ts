/**
 * stdout and stderr, as dj writes them. Where the descriptor is a file or /dev/null, and for
 * the first 64 KiB into a pipe or socket, text is written with fs.writeSync and
 * process.stdout / process.stderr are never created: creating one loads Node's stream modules
 * (and on a pipe, `net`), about 4 ms of a command that runs in 40. On a terminal, on anything
 * else, and past those 64 KiB, Node's stream takes over for good, so a channel's output stays in
 * the order it was written, and a long output into a reader that stalls is written
 * asynchronously: a blocked writeSync would hold back dj's interrupt handlers (Ctrl-C, SIGTERM)
 * until the reader drains. 64 KiB is a Linux pipe's buffer, so the writes before it do not wait.
 *
 * A reader that went away (EPIPE or ECONNRESET: `dj codecs list | head -1`) ends the output
 * quietly, and the command ends with its own exit code; before, Node's unhandled 'error' event
 * printed a stack trace. Any other failure to write (a full disk behind `> file`) is a
 * StoreError (exit 5) naming the cause.
 */
import { fstatSync, readlinkSync, writeSync } from "node:fs";
import { StoreError, type CodeOf } from "../errors.js";

type Mode = "sync" | "stream" | "closed";

const PIPE_BUDGET = 64 * 1024;
/** Linux's names for terminals: pseudo-terminals, virtual consoles, serial lines, the console. */
const TERMINAL = /^\/dev\/(pts\/|tty|console$)/;

/** How fd may be written synchronously: without limit (a file, /dev/null), up to PIPE_BUDGET (a pipe, a socket), or not at all. */
function syncBudget(fd: number): number {
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return Infinity;
    if (st.isFIFO() || st.isSocket()) return PIPE_BUDGET;
    // A character device is a terminal, or one like /dev/null or /dev/full; only Linux says
    // which cheaply (elsewhere Node's stream decides).
    if (st.isCharacterDevice() && process.platform === "linux" && !TERMINAL.test(readlinkSync(`/proc/self/fd/${fd}`))) return Infinity;
  } catch {
    // closed, or no /proc: let Node decide
  }
  return 0;
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code;
const readerGone = (err: unknown) => errorCode(err) === "EPIPE" || errorCode(err) === "ECONNRESET";

const WORDS: Record<string, [string, CodeOf<"store">]> = {
  ENOSPC: ["no space left on the device", "output.enospc"],
  EDQUOT: ["disk quota exceeded", "output.edquot"],
};

/** A failure to write stdout or stderr, in dj's words (exit 5). */
export function stdioError(err: unknown, name: string): StoreError {
  const code = errorCode(err) ?? "unknown";
  const [words, djCode] = WORDS[code] ?? [(err as Error).message ?? String(err), "output.eio" as const];
  return new StoreError(`cannot write ${name}: ${words} (${code})`, { cause: err, code: djCode, hint: code === "ENOSPC" || code === "EDQUOT" ? "free some space, or send the output elsewhere" : undefined });
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
   * Node's stream, from now on used for every write (for writers that need a stream or a
   * callback, and past the budget). A reader that goes away closes the channel quietly; other
   * errors are left to the stream's other listeners (dj export has its own), or, with none,
   * fail as an unhandled error as Node's would.
   */
  stream(): NodeJS.WriteStream {
    const s = this.nodeStream();
    if (this.mode !== "closed") this.mode = "stream";
    if (!this.listening) {
      this.listening = true;
      s.on("error", (err) => {
        if (readerGone(err)) this.mode = "closed";
        else if (s.listenerCount("error") === 1) throw stdioError(err, this.name);
      });
    }
    return s;
  }

  /** Whether output has stopped because its reader went away. */
  get closed(): boolean {
    return this.mode === "closed";
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
      if (readerGone(err)) this.mode = "closed";
      // A non-blocking descriptor that is full: Node's stream queues the rest.
      else if (errorCode(err) === "EAGAIN") this.stream().write(bytes.subarray(at));
      else throw stdioError(err, this.name);
    }
  }

  /** Write through Node's stream and wait until it is written; a reader that went away is not an error. */
  async writeAndWait(bytes: Uint8Array): Promise<void> {
    if (this.current() === "closed") return;
    const s = this.stream();
    await new Promise<void>((resolve, reject) =>
      s.write(bytes, (err) => {
        if (!err || readerGone(err)) resolve();
        else reject(stdioError(err, this.name));
      }),
    );
  }
}

export const stdout = new StdioChannel(1, "stdout", () => process.stdout);
export const stderr = new StdioChannel(2, "stderr", () => process.stderr);
