/**
 * Shared by the hostile-input suites: a project with one table of every built-in codec, its
 * state (row count, every file in the store, spool files in the temporary folder) to compare
 * before and after a refused command, and the checks every refusal must pass.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDj, tempProject, type RunResult } from "./cli.js";
import { schemaName } from "./db.js";
import { configFor, embedded, mariadb, type TestDialect } from "./dialects.js";

/** Every built-in codec, a varchar key (for long key values) and plain json/float32 columns. */
export const ALL_CODECS_TABLE = `Item (manual)
    name : varchar(250)
    ---
    b = null : <blob>
    bs = null : <blob@>
    a = null : <attach>
    as_ = null : <attach@>
    h = null : <hash@>
    o = null : <object@>
    n = null : <npy@>
    j = null : json
    f = null : float32
`;

export interface HostileProject {
  dir: string;
  schema: string;
  dj(args: string[], opts?: { env?: Record<string, string | undefined>; input?: string }): Promise<RunResult>;
  state(): Promise<ProjectState>;
  close(): Promise<void>;
}

export interface ProjectState {
  rows: number;
  storeFiles: string[];
  projectFiles: string[];
  spools: string[];
}

function walk(root: string, skip: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  if (!existsSync(root)) return out;
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (skip(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) go(p);
      else out.push(p.slice(root.length + 1));
    }
  };
  go(root);
  return out.sort();
}

/** A project on MariaDB (or another dialect: `embedded: true` or `dialect`) with ALL_CODECS_TABLE declared. */
export async function hostileProject(label: string, opts: { embedded?: boolean; dialect?: TestDialect; storeLocation?: string } = {}): Promise<HostileProject> {
  const schema = schemaName(label);
  const dialect = opts.dialect ?? (opts.embedded ? embedded : mariadb);
  const { dir, cleanup } = tempProject({
    "dj.config.json": configFor(dialect, {
      schema,
      stores: { default: "local", local: { protocol: "file", location: opts.storeLocation ?? "./store" } },
    }),
    "p.dj": `schema ${schema}\n\n${ALL_CODECS_TABLE}`,
  });
  if (!opts.storeLocation) mkdirSync(join(dir, "store"));
  const dj: HostileProject["dj"] = (args, o = {}) => runDj(args, { cwd: dir, ...o });
  const declared = await dj(["declare", "p.dj"]);
  assert.equal(declared.code, 0, declared.stderr);
  return {
    dir,
    schema,
    dj,
    async state() {
      const r = await dj(["fetch", "Item", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return {
        rows: JSON.parse(r.stdout).rows.length,
        storeFiles: walk(opts.storeLocation ?? join(dir, "store")),
        // The database and the store are compared above; the rest of the project must not gain
        // files either (no half-written output, no temporary file).
        projectFiles: walk(dir, (n) => n === ".dj" || n === "store" || n === ".git"),
        spools: readdirSync(tmpdir()).filter((f) => f.startsWith("dj-hash-")),
      };
    },
    async close() {
      await dialect.dropSchemas(schema);
      cleanup();
    },
  };
}

/** A refusal as cli.md wants it: the exit code, one `dj:` line (plus a hint), no stack trace. */
export function assertRefused(r: RunResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}, expected ${code}\n${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.match(lines[0]!, /^dj: /, r.stderr);
  assert.equal(lines.filter((l) => !l.startsWith("  hint:")).length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, "no stack trace");
  assert.match(r.stderr, message);
}

/** Run `fn`, which must be refused, and check that nothing changed. */
export async function refusedWithoutChange(p: HostileProject, args: string[], code: number, message: RegExp, opts?: { input?: string }): Promise<RunResult> {
  const before = await p.state();
  const r = await p.dj(args, opts);
  assertRefused(r, code, message);
  assert.deepEqual(await p.state(), before, "nothing changed");
  return r;
}

/** A file of `bytes` zero bytes that takes no disk space (a sparse file). */
export function sparseFile(path: string, bytes: number, header?: Buffer): void {
  const r = spawnSync("python3", ["-c", `import sys\nwith open(sys.argv[1], "wb") as f:\n    f.write(bytes.fromhex(sys.argv[3]))\n    f.truncate(int(sys.argv[2]))`, path, String(bytes), (header ?? Buffer.alloc(0)).toString("hex")]);
  assert.equal(r.status, 0, String(r.stderr));
}

/** True when this process may mount a tmpfs (root in a namespace that allows it). */
export function canMount(): boolean {
  const probe = join(tmpdir(), `dj-mount-probe-${process.pid}`);
  mkdirSync(probe, { recursive: true });
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]).status === 0;
  if (ok) spawnSync("umount", [probe]);
  spawnSync("rmdir", [probe]);
  return ok;
}

/** Mount a small tmpfs at `dir` (options such as `size=256k` or `ro`); returns the unmount. */
export function mountTmpfs(dir: string, options: string): () => void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  assert.equal(r.status, 0, String(r.stderr));
  return () => {
    spawnSync("umount", [dir]);
  };
}
