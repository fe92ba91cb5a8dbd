/**
 * The safety around one insert (a row or a batch): its intent in every store it touches, the
 * check that each codec references what it wrote, the wait for concurrent gc runs before a
 * reused object is trusted, cleanup on failure, and undo on SIGINT/SIGTERM. See
 * docs/decisions.md, "gc and inserts", for why this order makes gc unable to delete what a
 * committed row references.
 */
import { isCommitUnanswered } from "../db/types.js";
import type { Codec } from "../codecs/types.js";
import type { ResolvedConfig } from "../config/types.js";
import { CodecError, UsageError } from "../errors.js";
import { interruptedBy, onInterrupt, testPause } from "../lifecycle.js";
import { waitForGcRuns } from "../stores/control.js";
import { PathSet } from "../stores/path-set.js";
import type { Store } from "../stores/types.js";
import { removeWritten, type EncodeGuard, type WrittenObject } from "./codec-context.js";
import { GuardedStore, reusedObjectGone } from "./guarded-store.js";

const IN_FLIGHT_WAIT_MS = 2000;

interface Touched {
  store: GuardedStore;
  key: string;
}

export class InsertGuard implements EncodeGuard {
  private readonly stores = new Map<Store, GuardedStore>();
  private readonly abort = new AbortController();
  /** `unanswered`: COMMIT was sent and no answer came; the row may exist (see `fail`). */
  private state: "encoding" | "committing" | "committed" | "failed" | "unanswered" = "encoding";
  private commitDone: Promise<unknown> | null = null;
  private cleanup: Promise<string[]> | null = null;
  private readonly unregister: () => void;
  /** Everything written, for cleanup of what codecs did not announce. */
  private readonly writtenKeys: Touched[] = [];
  /** Reused objects a row references: verified once no gc can be deleting them. */
  private readonly toVerify: Touched[] = [];
  private attribute: { label: string; wrote: Touched[]; reused: Touched[] } | null = null;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly written: WrittenObject[],
    private readonly notice?: (line: string) => void,
  ) {
    this.unregister = onInterrupt(() => this.interrupt());
  }

  wrap(store: Store): Store {
    if (store instanceof GuardedStore) return store;
    let guarded = this.stores.get(store);
    if (!guarded) {
      guarded = new GuardedStore(store, {
        wrote: (s, key) => {
          this.writtenKeys.push({ store: s, key });
          this.attribute?.wrote.push({ store: s, key });
        },
        reused: (s, key) => this.attribute?.reused.push({ store: s, key }),
        checkRunning: () => {
          const signal = interruptedBy();
          if (signal || this.abort.signal.aborted) throw new UsageError(`interrupted by ${signal ?? "a signal"}`, { code: "interrupted" });
        },
        signal: this.abort.signal,
      });
      this.stores.set(store, guarded);
    }
    return guarded;
  }

  announce(key: string, store: Store): void {
    if (store instanceof GuardedStore) void store.nameInIntent(key).catch(() => {});
  }

  begin(label: string): void {
    this.attribute = { label, wrote: [], reused: [] };
  }

  /**
   * The plugin contract (src/codecs/types.ts): every object an attribute wrote must be among the
   * paths its stored value references, or gc could not see it. Checked before anything commits.
   */
  encoded(last: Codec, stored: unknown): void {
    const attr = this.attribute;
    this.attribute = null;
    if (!attr || (attr.wrote.length === 0 && attr.reused.length === 0)) return;
    if (!last.referencedPaths) {
      if (attr.wrote.length === 0) return;
      throw new CodecError(`<${last.name}> wrote ${attr.wrote.length} object(s) for ${attr.label} but does not report references (no referencedPaths); dj gc could not protect them, so nothing was inserted`, {
        hint: "a codec that writes objects must implement referencedPaths (see Codecs and plugins in the README); ask its author",
        code: "codec.references",
      });
    }
    const refs = new Map<string, PathSet>();
    let reported;
    try {
      reported = last.referencedPaths(stored as never);
    } catch (err) {
      throw new CodecError(`<${last.name}>: referencedPaths failed on the value it encoded for ${attr.label}: ${(err as Error).message}`, { cause: err, code: "codec.references" });
    }
    for (const r of reported) {
      const name = r.store === null || r.store === "" ? this.config.stores.default ?? "" : r.store;
      if (!refs.has(name)) refs.set(name, new PathSet());
      refs.get(name)!.add(r.path);
    }
    const covered = (t: Touched) => refs.get(t.store.name)?.covers(t.key) ?? false;
    const missing = attr.wrote.find((t) => !covered(t));
    if (missing) {
      throw new CodecError(`<${last.name}> wrote ${missing.store.name}:${missing.key} for ${attr.label}, but its stored value does not reference it; dj gc would delete it, so nothing was inserted`, {
        hint: "referencedPaths must name every object the codec writes (or a folder holding them); ask the codec's author",
        code: "codec.references",
      });
    }
    this.toVerify.push(...attr.reused.filter(covered));
  }

  /**
   * Before the rows commit: a reused object could have been deleted by a gc that read intents
   * before this one named it. Once no gc run is active, any such delete has happened, so the
   * objects are checked (and, on a file store, refreshed) now.
   */
  async beforeCommit(): Promise<void> {
    const byStore = new Map<GuardedStore, string[]>();
    for (const t of this.toVerify) byStore.set(t.store, [...(byStore.get(t.store) ?? []), t.key]);
    for (const [store, keys] of byStore) {
      await waitForGcRuns(store.inner, (run) => this.notice?.(`waiting for dj gc (pid ${run.pid} on ${run.host}) to finish in store ${store.name}`));
      for (const key of new Set(keys)) if (!(await store.touch(key))) throw reusedObjectGone(store.name, key);
    }
    await testPause("insert-before-commit");
  }

  /** Run the transaction; an interrupt waits for its outcome instead of undoing a commit. */
  async commit<T>(transaction: () => Promise<T>): Promise<T> {
    const signal = interruptedBy();
    if (signal || this.abort.signal.aborted) throw new UsageError(`interrupted by ${signal ?? "a signal"}`, { code: "interrupted" });
    this.state = "committing";
    const pending = transaction();
    this.commitDone = pending.catch(() => {});
    try {
      const result = await pending;
      this.state = "committed";
      return result;
    } catch (err) {
      if (isCommitUnanswered(err)) {
        this.state = "unanswered";
        if (err instanceof Error) {
          err.message += "; the database did not answer the COMMIT, so the row may have been stored: the objects it would reference are kept (`dj fetch` shows whether the row exists; if not, `dj gc` removes them)";
        }
      } else this.state = "failed";
      throw err;
    }
  }

  /** After commit (or a skip): remove the intents. Never throws; a leftover intent goes stale. */
  async finish(): Promise<void> {
    if (this.state !== "committed") this.state = "committed";
    this.unregister();
    await Promise.all([...this.stores.values()].map((s) => s.intent.remove()));
  }

  /** After a failure: remove what was written, then the intents; returns the problems. */
  fail(): Promise<string[]> {
    this.cleanup ??= (async () => {
      this.unregister();
      if (this.state === "committed") return [];
      if (this.state === "unanswered") {
        // The row may have committed: removing its objects could lose data a row references.
        // Only the intents go; an object no row references is an orphan gc collects.
        await Promise.all([...this.stores.values()].map((s) => s.intent.remove()));
        return [];
      }
      this.state = "failed";
      this.abort.abort();
      // Aborted writes settle at once, except a read blocked on its input (a pipe) that never
      // ends: wait briefly, then remove; a write finishing later leaves an orphan gc collects.
      const inFlight = Promise.allSettled([...this.stores.values()].flatMap((s) => [...s.inFlight]));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([inFlight, new Promise((r) => (timer = setTimeout(r, IN_FLIGHT_WAIT_MS)))]);
      clearTimeout(timer);
      const problems = await removeWritten(this.written);
      // Objects codecs wrote without announcing them; content-addressed ones may be shared.
      const announced = new PathSet();
      for (const w of this.written) announced.add(w.key);
      for (const t of this.writtenKeys) {
        if (announced.covers(t.key) || this.isShareable(t)) continue;
        await t.store.delete(t.key).catch((err) => problems.push(`${t.store.name}:${t.key}: ${(err as Error).message}`));
      }
      await Promise.all([...this.stores.values()].map((s) => s.intent.remove()));
      return problems;
    })();
    return this.cleanup;
  }

  private isShareable(t: Touched): boolean {
    const prefix = this.config.stores.specs[t.store.name]?.hash_prefix.replace(/^\/+|\/+$/g, "");
    return !!prefix && t.key.startsWith(prefix + "/");
  }

  private async interrupt(): Promise<string | void> {
    if (this.state === "committing") await this.commitDone;
    if (this.state === "committed") {
      await this.finish();
      return "the insert had committed before the interrupt";
    }
    const count = this.written.length + this.writtenKeys.length;
    const problems = await this.fail();
    if (problems.length) throw new Error(problems.join("; "));
    return count ? "removed the objects this insert wrote" : undefined;
  }
}
