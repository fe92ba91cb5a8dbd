/**
 * stdout and stderr, as dj writes them. Where the descriptor is a file, a pipe, a socket or
 * /dev/null, text is written with fs.writeSync and process.stdout / process.stderr are never
 * created: creating one loads Node's stream and net modules, about 4 ms of a command that runs
 * in 40. On a terminal (or anything else) the Node stream is used, as before. Both ways write
 * synchronously on Linux and macOS (Node makes stdio pipes blocking), so the order of what dj
 * prints is the order it was written in.
 *
 * A reader that went away (EPIPE: `dj codecs list | head -1`) ends the output quietly instead
 * of an unhandled 'error' event with a stack trace; the command's exit code is its own.
 */
import { fstatSync, readlinkSync, writeSync } from "node:fs";

type Mode = "sync" | "stream" | "closed";

/** Whether fd is a file, pipe, socket or /dev/null: written with writeSync, and never a terminal. */
function plainDescriptor(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (st.isFile() || st.isFIFO() || st.isSocket()) return true;
    // A character device is a terminal or something like /dev/null; only Linux says which cheaply.
    return st.isCharacterDevice() && process.platform === "linux" && readlinkSync(`/proc/self/fd/${fd}`) === "/dev/null";
  } catch {
    return false; // closed, or no /proc: let Node decide
  }
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code;

export class StdioChannel {
  private mode: Mode | undefined;

  constructor(
    private readonly fd: 1 | 2,
    private readonly nodeStream: () => NodeJS.WriteStream,
  ) {}

  private current(): Mode {
    this.mode ??= plainDescriptor(this.fd) ? "sync" : "stream";
    return this.mode;
  }

  /** The Node stream, from now on used for every write (for writers that need a stream or a callback). */
  stream(): NodeJS.WriteStream {
    const s = this.nodeStream();
    if (this.mode !== "stream" && this.mode !== "closed") {
      this.mode = "stream";
      s.on("error", (err) => {
        if (errorCode(err) !== "EPIPE") throw err;
        this.mode = "closed";
      });
    }
    return s;
  }

  /** A terminal, with its width when it has one; false where dj writes synchronously (never a terminal). */
  get isTTY(): boolean {
    return this.current() === "stream" && Boolean(this.nodeStream().isTTY);
  }

  get columns(): number | undefined {
    return this.isTTY ? this.nodeStream().columns : undefined;
  }

  write(text: string | Uint8Array): void {
    const mode = this.current();
    if (mode === "closed") return;
    if (mode === "stream") {
      this.stream().write(text);
      return;
    }
    const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    let at = 0;
    try {
      while (at < bytes.byteLength) at += writeSync(this.fd, bytes, at, bytes.byteLength - at);
    } catch (err) {
      if (errorCode(err) === "EPIPE") this.mode = "closed";
      // A non-blocking descriptor that is full: Node's stream queues the rest.
      else if (errorCode(err) === "EAGAIN") this.stream().write(bytes.subarray(at));
      else throw err;
    }
  }
}

export const stdout = new StdioChannel(1, () => process.stdout);
export const stderr = new StdioChannel(2, () => process.stderr);
