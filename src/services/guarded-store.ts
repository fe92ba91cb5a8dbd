/**
 * The store an insert's codecs write through. Before any object is written or looked up for
 * reuse, its path is named in the insert's intent (and that write has landed), so a gc that lists
 * the object also sees the intent. It also records what was written and reused, stops new writes
 * once the insert is interrupted, and passes the insert's abort signal to writes in flight.
 */
import type { Readable } from "node:stream";
import { ConflictError, isDjError } from "../errors.js";
import { Intent } from "../stores/control.js";
import { PathSet } from "../stores/path-set.js";
import type { ObjectInfo, PutOptions, RangeQuery, Store } from "../stores/types.js";

export interface GuardEvents {
  wrote(store: GuardedStore, key: string): void;
  reused(store: GuardedStore, key: string): void;
  /** Throws when the insert was interrupted. */
  checkRunning(): void;
  signal: AbortSignal;
}

export class GuardedStore implements Store {
  readonly protocol: string;
  readonly root: string;
  readonly name: string;
  readonly intent: Intent;
  private readonly named = new PathSet();
  private readonly naming = new Map<string, Promise<void>>();
  readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly inner: Store,
    private readonly events: GuardEvents,
  ) {
    this.protocol = inner.protocol;
    this.root = inner.root;
    this.name = inner.name;
    this.intent = new Intent(inner);
    const putFile = inner.putFile?.bind(inner);
    if (putFile) this.putFile = (key, localPath, opts) => this.write(key, opts, (o) => putFile(key, localPath, o));
  }

  putFile?: (key: string, localPath: string, opts?: PutOptions) => Promise<void>;

  /** Name `key` in the intent unless a path already named covers it; resolves once it is visible. */
  nameInIntent(key: string): Promise<void> {
    const covering = this.named.coveringPath(key);
    if (covering !== undefined) return this.naming.get(covering)!;
    this.named.add(key);
    const pending = this.intent.name([key]);
    pending.catch(() => {}); // awaited by the write that needs it; never an unhandled rejection
    this.naming.set(key, pending);
    return pending;
  }

  private async write<T>(key: string, opts: PutOptions | undefined, run: (opts: PutOptions) => Promise<T>): Promise<T> {
    this.events.checkRunning();
    await this.nameInIntent(key);
    this.events.checkRunning();
    const signal = opts?.signal ? AbortSignal.any([opts.signal, this.events.signal]) : this.events.signal;
    const pending = run({ ...opts, signal });
    this.inFlight.add(pending);
    try {
      const result = await pending;
      this.events.wrote(this, key);
      return result;
    } catch (err) {
      // "Already exists" under ifAbsent: the object is reused, as content-addressed objects are.
      if (opts?.ifAbsent && isDjError(err, "conflict")) this.events.reused(this, key);
      throw err;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  set(key: string, value: Uint8Array, opts?: PutOptions): Promise<void> {
    return this.write(key, opts, (o) => this.inner.set(key, value, o));
  }

  setStream(key: string, body: Readable, opts?: PutOptions & { size?: number }): Promise<void> {
    return this.write(key, opts, (o) => this.inner.setStream(key, body, { ...opts, ...o }));
  }


  /** A lookup may lead to reuse: name it first, and refresh a found object so --min-age keeps it. */
  async exists(key: string): Promise<boolean> {
    this.events.checkRunning();
    await this.nameInIntent(key);
    const found = await this.inner.exists(key);
    if (found) {
      if (this.inner.touch) await this.inner.touch(key).catch(() => false);
      this.events.reused(this, key);
    }
    return found;
  }

  get(key: string, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    return this.inner.get(key, opts);
  }
  getRange(key: string, range: RangeQuery, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    return this.inner.getRange(key, range, opts);
  }
  getStream(key: string, opts?: { signal?: AbortSignal }): Promise<Readable | undefined> {
    return this.inner.getStream(key, opts);
  }
  size(key: string): Promise<number | undefined> {
    return this.inner.size(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }
  touch(key: string): Promise<boolean> {
    return this.inner.touch ? this.inner.touch(key) : this.inner.exists(key);
  }
}

/** The insert found a reused object gone after a concurrent gc: nothing was inserted. */
export function reusedObjectGone(store: string, key: string): ConflictError {
  return new ConflictError(`store "${store}": object ${key}, which this insert reuses, was removed by a concurrent dj gc`, {
    hint: "nothing was inserted; run the insert again",
    code: "store.gone",
  });
}
