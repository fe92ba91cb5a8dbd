/**
 * The store's control area, `.dj-gc/`, where inserts and `dj gc` runs announce themselves so a
 * gc never deletes what an insert is about to reference (docs/decisions.md, "gc and inserts"):
 *
 *   .dj-gc/intents/{id}/head.json   an insert in flight: who (host, pid), refreshed while it runs
 *   .dj-gc/intents/{id}/p{n}.json   paths it will write or reuse, each part written BEFORE them
 *   .dj-gc/runs/{id}.json           a gc run that may delete, refreshed while it runs
 *
 * A record is fresh while it was refreshed within the TTL and its process is not provably dead
 * (same machine and pid namespace, and the pid is gone). The area lies outside dj's sections, and
 * section prefixes may not start with `.dj-gc`, so it is never a gc candidate.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { isDjError } from "../errors.js";
import type { Store } from "./types.js";

export const CONTROL_PREFIX = ".dj-gc";
const INTENTS = `${CONTROL_PREFIX}/intents/`;
const RUNS = `${CONTROL_PREFIX}/runs/`;
const HEARTBEAT_MS = 60_000;

/** Records not refreshed for this long are stale. DJ_TEST_INTENT_TTL_MS is a TEST-ONLY override. */
export function recordTtlMs(): number {
  const test = process.env.DJ_TEST_INTENT_TTL_MS;
  return test && Number.isFinite(Number(test)) ? Number(test) : 10 * 60_000;
}

interface Identity {
  host: string;
  /** Linux boot id and pid namespace: with them, a pid names one process on one machine. */
  boot: string | null;
  pidns: string | null;
}

let identity: Identity | null = null;
function localIdentity(): Identity {
  if (identity) return identity;
  const read = (f: () => string) => {
    try {
      return f().trim();
    } catch (err) {
      // Not Linux, or /proc hidden (a sandbox): then a pid proves nothing, and records wait out the TTL.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES") return null;
      throw err;
    }
  };
  identity = {
    host: hostname(),
    boot: read(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
    pidns: read(() => readlinkSync("/proc/self/ns/pid")),
  };
  return identity;
}

export interface ControlRecord extends Identity {
  id: string;
  kind: "insert" | "gc";
  pid: number;
  started: string;
}

function newRecord(kind: ControlRecord["kind"]): ControlRecord {
  const id = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString("hex")}`;
  return { id, kind, pid: process.pid, started: new Date().toISOString(), ...localIdentity() };
}

/** A dead writer on this very machine need not wait out the TTL. */
function provablyDead(r: Partial<ControlRecord>): boolean {
  const me = localIdentity();
  if (!me.boot || !me.pidns || r.host !== me.host || r.boot !== me.boot || r.pidns !== me.pidns || typeof r.pid !== "number") return false;
  try {
    process.kill(r.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/**
 * The failures the control area lives with: a store failure, and a record that is not JSON.
 * A refresh that fails leaves the record to go stale (a later one may succeed); a removal that
 * fails leaves it to go stale too; a record that cannot be read counts as an unknown writer,
 * which is the cautious reading. Anything else is a bug in dj and is thrown.
 */
function tolerated(err: unknown): undefined {
  if (isDjError(err, "store") || err instanceof SyntaxError) return undefined;
  throw err;
}

async function readJson(store: Store, key: string): Promise<unknown> {
  const data = await store.get(key);
  return data ? JSON.parse(Buffer.from(data).toString("utf8")) : undefined;
}

/** A heartbeat that rewrites `key` while the process runs; never keeps the process alive. */
function heartbeat(store: Store, key: string, record: ControlRecord): NodeJS.Timeout {
  const timer = setInterval(() => void store.set(key, encode({ ...record, refreshed: new Date().toISOString() })).catch(tolerated), HEARTBEAT_MS);
  timer.unref();
  return timer;
}

/** An insert's intent in one store. Created lazily: an insert that writes nothing there writes no intent. */
export class Intent {
  private readonly record = newRecord("insert");
  private head: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private parts = 0;

  constructor(private readonly store: Store) {}

  /** Name paths before touching them: resolves once the names are visible to any gc. */
  async name(paths: string[]): Promise<void> {
    const headKey = `${INTENTS}${this.record.id}/head.json`;
    this.head ??= this.store.set(headKey, encode(this.record)).then(() => {
      this.timer = heartbeat(this.store, headKey, this.record);
    });
    await this.head;
    await this.store.set(`${INTENTS}${this.record.id}/p${this.parts++}.json`, encode(paths));
  }

  /** Remove the intent (after commit, or after cleanup). A store failure is not thrown: a leftover intent goes stale. */
  async remove(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.head) return;
    // A head that failed was already thrown to name()'s caller, which awaited the same promise.
    await this.head.catch(() => {});
    await this.store.deletePrefix(`${INTENTS}${this.record.id}/`).catch(tolerated);
  }
}

export interface IntentScan {
  /** Paths named by fresh intents (store-relative). */
  paths: string[];
  fresh: number;
  /** Intents of dead or silent inserts: their objects are ordinary orphans. */
  stale: Array<{ id: string; newest: Date }>;
}

export async function readIntents(store: Store, now = Date.now()): Promise<IntentScan> {
  const byId = new Map<string, Array<{ key: string; modified: Date }>>();
  for await (const o of store.list(INTENTS)) {
    const id = o.key.slice(INTENTS.length).split("/")[0]!;
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id)!.push(o);
  }
  const scan: IntentScan = { paths: [], fresh: 0, stale: [] };
  const ttl = recordTtlMs();
  for (const [id, objects] of byId) {
    const newest = new Date(Math.max(...objects.map((o) => o.modified.getTime())));
    const head = (await readJson(store, `${INTENTS}${id}/head.json`).catch(tolerated)) as Partial<ControlRecord> | undefined;
    if (newest.getTime() <= now - ttl || (head && provablyDead(head))) {
      scan.stale.push({ id, newest });
      continue;
    }
    scan.fresh++;
    for (const o of objects) {
      if (o.key.endsWith("/head.json")) continue;
      // A part that vanished belongs to an insert that just finished: its rows are committed.
      const paths = await readJson(store, o.key);
      if (paths === undefined) continue;
      if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) throw new Error(`intent ${o.key} is not a list of paths`);
      scan.paths.push(...paths);
    }
  }
  return scan;
}

export async function removeIntent(store: Store, id: string): Promise<void> {
  await store.deletePrefix(`${INTENTS}${id}/`);
}

/** A gc run's marker, present while it may delete. */
export class GcRun {
  private readonly record = newRecord("gc");
  private timer: NodeJS.Timeout | null = null;
  private readonly key = `${RUNS}${this.record.id}.json`;

  constructor(private readonly store: Store) {}

  async start(): Promise<void> {
    await this.store.set(this.key, encode(this.record));
    this.timer = heartbeat(this.store, this.key, this.record);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.delete(this.key).catch(tolerated);
  }
}

/** gc runs that may be deleting in this store right now. */
export async function activeGcRuns(store: Store, now = Date.now()): Promise<ControlRecord[]> {
  const ttl = recordTtlMs();
  const active: ControlRecord[] = [];
  for await (const o of store.list(RUNS)) {
    if (o.modified.getTime() <= now - ttl) continue;
    const r = (await readJson(store, o.key).catch(tolerated)) as ControlRecord | undefined;
    if (r && provablyDead(r)) continue;
    active.push(r ?? ({ id: o.key, kind: "gc", pid: 0, host: "?", boot: null, pidns: null, started: o.modified.toISOString() } as ControlRecord));
  }
  return active;
}

/** Wait until no gc run is active in `store`; `onWait` is told once, with the first one. */
export async function waitForGcRuns(store: Store, onWait?: (run: ControlRecord) => void): Promise<void> {
  let delay = 50;
  let told = false;
  for (;;) {
    const runs = await activeGcRuns(store);
    if (runs.length === 0) return;
    if (!told) onWait?.(runs[0]!);
    told = true;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}
