/** A small pool of worker threads for CPU-bound chunk compression and decompression. */
import { Worker } from "node:worker_threads";
import type { CompressorConfig } from "./compressors.js";

/** One chunk for a worker: encode it (WASM: numcodecs' or dj's Blosc-lz4 writer) or decode it. */
export interface WorkerTask {
  op: "encode" | "blosc-lz4" | "decode";
  config: CompressorConfig;
  data: Uint8Array;
  /** Element size, for Blosc's shuffle. */
  typesize?: number;
  /** Decoded size when known: bounds what a corrupt header can make the worker allocate. */
  expectedBytes?: number;
  /** Send `data` back with the result, so the caller can fill it again (no new allocation). */
  returnInput?: boolean;
  /** A buffer to encode into (moved to the worker; the result is a view of it when it fits). */
  output?: Uint8Array;
}

interface Task {
  msg: WorkerTask;
  recycle?: (input: Uint8Array) => void;
  resolve: (v: Uint8Array) => void;
  reject: (e: Error) => void;
}

const IDLE_MS = 50;
const MAX_HELD_IDLE_MS = 5000;

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Task[] = [];
  private readonly current = new Map<Worker, Task>();

  constructor(script: URL, size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script);
      w.unref();
      w.on("message", (m: { ok: boolean; data?: Uint8Array; input?: Uint8Array; error?: string }) => {
        const task = this.current.get(w)!;
        this.current.delete(w);
        w.unref(); // an idle worker must not keep the process alive
        this.lastActive = Date.now();
        if (m.input) task.recycle?.(m.input);
        if (m.ok) task.resolve(m.data!);
        else task.reject(new Error(m.error));
        this.idle.push(w);
        this.pump();
        this.scheduleShutdown();
      });
      // A worker that fails (or cannot even start) fails its task and everything queued:
      // a pending promise with no live worker would otherwise never settle.
      w.on("error", (err) => this.fail(w, err));
      w.on("exit", (code) => {
        if (!this.closed) this.fail(w, new Error(`compression worker exited with code ${code}`));
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  private shutdownTimer: NodeJS.Timeout | null = null;
  private closed = false;
  onClosed: (() => void) | null = null;
  /** While this says so (a stream of chunks is under way), an idle pool stays up. */
  keepAlive: () => boolean = () => false;
  private lastActive = Date.now();

  /**
   * A worker's message port can keep the process alive even when the worker is unref'd, so an
   * idle pool shuts itself down shortly after its last task; the next task starts a new pool
   * (new threads, the WASM compiled again), which a stream between two chunks must not pay for.
   * A hold that nothing uses for MAX_HELD_IDLE_MS (a stream its reader abandoned) stops counting,
   * so the process can still exit.
   */
  scheduleShutdown(): void {
    if (this.queue.length || this.current.size) return;
    if (this.shutdownTimer) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = setTimeout(() => {
      this.shutdownTimer = null;
      if (this.queue.length || this.current.size) return;
      if (this.keepAlive() && Date.now() - this.lastActive < MAX_HELD_IDLE_MS) return this.scheduleShutdown();
      void this.close();
    }, IDLE_MS);
    this.shutdownTimer.unref();
  }

  private fail(w: Worker, err: Error): void {
    const task = this.current.get(w);
    this.current.delete(w);
    task?.reject(err);
    for (const t of this.queue.splice(0)) t.reject(err);
    void this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Run one task; with `recycle`, the input buffer comes back through it once the worker is done. */
  run(msg: WorkerTask, recycle?: (input: Uint8Array) => void): Promise<Uint8Array> {
    this.lastActive = Date.now();
    if (this.shutdownTimer) {
      clearTimeout(this.shutdownTimer);
      this.shutdownTimer = null;
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: recycle ? { ...msg, returnInput: true } : msg, ...(recycle ? { recycle } : {}), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.current.set(w, task);
      w.ref(); // a busy worker keeps the process alive until its result arrives
      // Hand the bytes over without copying when the view owns its whole buffer (a view of a
      // larger buffer is copied: moving that buffer would take memory others still read).
      const d = task.msg.data;
      const owned = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
      const output = task.msg.output;
      const moved = output && output.buffer !== owned.buffer ? [owned.buffer as ArrayBuffer, output.buffer as ArrayBuffer] : [owned.buffer as ArrayBuffer];
      w.postMessage({ ...task.msg, data: owned, ...(moved.length === 2 ? {} : { output: undefined }) }, moved);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClosed?.();
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
