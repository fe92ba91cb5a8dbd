/**
 * Failures on the output side (issue 14, item 4), through the built binary: every error while
 * writing `dj fetch --out` is exit 5 (the file system refuses: full, read-only, no permission)
 * or 7 (the path is wrong: a file in the way, a name too long, an attachment name that is no
 * file name), names the path and the cause, leaves nothing of the value it was writing, and says
 * how many values were written before it. A read-only store says "read-only" (also in `dj store
 * check`); the embedded database on a full disk is exit 4, "disk full".
 *
 * Full and read-only file systems are real: small tmpfs mounts (skipped, with the reason, where
 * this process may not mount). EACCES runs dj without CAP_DAC_OVERRIDE (setpriv), since root
 * ignores permission bits.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { djBin, repoRoot, runDj } from "../helpers/cli.js";
import { connect } from "../helpers/db.js";
import { postgresql } from "../helpers/dialects.js";
import { pgConnect } from "../helpers/pg.js";
import { assertRefused, canMount, hostileProject, mountTmpfs, refusedWithoutChange, type HostileProject } from "../helpers/hostile.js";

const mountable = canMount();
const noMount = !mountable && "this process cannot mount a tmpfs (needs root in a namespace that allows mount)";

/** Every file under `dir` (relative), folders included, so removed folders show too. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p.slice(dir.length + 1) + (e.isDirectory() ? "/" : ""));
      if (e.isDirectory()) go(p);
    }
  };
  go(dir);
  return out.sort();
}

describe("fetch --out failures are user errors and leave nothing half-written", () => {
  let p: HostileProject;
  const scratch = mkdtempSync(join(tmpdir(), "dj-out-"));
  const at = (f: string) => join(p.dir, f);

  before(async () => {
    p = await hostileProject("outerr");
    // Three rows with a 100 kB array each, and an attachment on the first.
    spawnSync("python3", ["-c", `import numpy as np; np.save("${at("w.npy")}", np.arange(12500.0))`]);
    writeFileSync(at("notes.txt"), "attached notes\n");
    for (const name of ["r1", "r2", "r3"]) {
      const r = await p.dj(["insert", "Item", "--key", `name=${name}`, "--from", "n=w.npy", ...(name === "r1" ? ["--from", "a=notes.txt"] : [])]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await p.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("a file where a folder is needed (exit 7, ENOTDIR-like), for one value and for many", async () => {
    writeFileSync(at("afile"), "x");
    await refusedWithoutChange(p, ["fetch", "Item", "--key", "name=r1", "--attr", "n", "--out", "afile/w.npy"], 7, /cannot write into \S*afile: \S*afile is a file, not a folder/);
    // Many values: out/name=r2 is a file, so the second value cannot be written; the first stays.
    const out = join(scratch, "blocked");
    mkdirSync(out);
    writeFileSync(join(out, "name=r2"), "in the way");
    const r = await p.dj(["fetch", "Item", "--attr", "n", "--out", out]);
    assertRefused(r, 7, /name=r2.*(is a file, not a folder|a part of the path is a file)/);
    assert.match(r.stderr, /hint: .*1 of 3 values was written before it \(\S+name=r1\/n\.npy\)/);
    assert.deepEqual(tree(out), ["name=r1/", "name=r1/n.npy", "name=r2"]);
  });

  test("a file name too long (exit 7, ENAMETOOLONG)", async () => {
    await refusedWithoutChange(p, ["fetch", "Item", "--key", "name=r1", "--attr", "n", "--out", `${"y".repeat(300)}.npy`], 7, /cannot write y+\.npy: the file name is too long \(ENAMETOOLONG\)/);
  });

  test("attachment names from the database that are no file names (exit 7, no EISDIR)", async () => {
    const conn = await connect();
    try {
      await assertAttachmentNamesRefused(p, scratch, async (value) => void (await conn.query(`UPDATE \`${p.schema}\`.\`item\` SET a = ? WHERE name = 'r1'`, [value])));
    } finally {
      await conn.end();
    }
  });

  test("a full disk (ENOSPC on a 256 kB tmpfs): exit 5, the values before it stay, nothing of the failed one", { skip: noMount }, async () => {
    const mnt = join(scratch, "full");
    const unmount = mountTmpfs(mnt, "size=256k");
    try {
      const r = await p.dj(["fetch", "Item", "--attr", "n", "--out", join(mnt, "o")]);
      assertRefused(r, 5, /cannot write \S+\/o\/name=r3\/n\.npy: no space left on the device \(ENOSPC\)/);
      assert.match(r.stderr, /hint: free some space, or write elsewhere with --out; 2 of 3 values were written before it/);
      assert.deepEqual(tree(join(mnt, "o")), ["name=r1/", "name=r1/n.npy", "name=r2/", "name=r2/n.npy"], "no .partial file, no folder for r3");
    } finally {
      unmount();
    }
  });

  test("a read-only file system (EROFS): exit 5", { skip: noMount }, async () => {
    const mnt = join(scratch, "ro");
    const unmount = mountTmpfs(mnt, "size=64k,ro");
    try {
      await refusedWithoutChange(p, ["fetch", "Item", "--key", "name=r1", "--attr", "n", "--out", join(mnt, "w.npy")], 5, /cannot write \S+\/ro\/w\.npy: the file system is read-only \(EROFS\)/);
    } finally {
      unmount();
    }
  });

  test("no write permission (EACCES, dj run without CAP_DAC_OVERRIDE): exit 5", async () => {
    const locked = join(scratch, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const r = spawnSync("setpriv", ["--bounding-set=-dac_override,-dac_read_search", "--", process.execPath, djBin, "fetch", "Item", "--key", "name=r1", "--attr", "n", "--out", join(locked, "w.npy")], { cwd: p.dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assertRefused({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, 5, /cannot write \S+\/locked\/w\.npy: permission denied \(EACCES\)/);
    assert.deepEqual(tree(locked), []);
  });

  test("too many open files (EMFILE) while writing output: exit 5 with the path", async () => {
    // The writer itself, in a process whose descriptors are all in use (ulimit and real files).
    const src = (f: string) => JSON.stringify(join(repoRoot, "src", f));
    const script = join(scratch, "emfile.mjs");
    writeFileSync(
      script,
      `import { closeSync, openSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeDecoded } from ${src("services/output.ts")};
import { sourceFromMemory } from ${src("formats/ndarray.ts")};
import { parseDescr } from ${src("formats/dtype.ts")};
const v = { kind: "ndarray", array: sourceFromMemory({ dtype: parseDescr("<f8"), shape: [2], data: new Uint8Array(16) }) };
const held = [];
// Take every free descriptor, then write. A descriptor that Node or the loader closes in the
// background frees a slot and the write succeeds: then take that one too and write again.
for (let attempt = 0; attempt < 50; attempt++) {
  try { for (;;) held.push(openSync("/dev/null", "r")); } catch (e) { if (e.code !== "EMFILE") throw e; }
  try { await writeDecoded(v, process.argv[2]); }
  catch (e) { console.log(JSON.stringify({ kind: e.kind, message: e.message })); break; }
  closeSync(held.pop()); // room to remove what was written, before trying again
  rmSync(dirname(process.argv[2]), { recursive: true, force: true });
}
`,
    );
    const target = join(scratch, "emfile", "w.npy");
    const r = spawnSync("bash", ["-c", 'ulimit -n 256; exec "$0" --import tsx "$1" "$2"', process.execPath, script, target], { cwd: repoRoot, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(result.kind, "store");
    assert.match(result.message, /cannot write \S+\/emfile\/w\.npy: too many open files \(EMFILE\)/);
    assert.ok(!existsSync(join(scratch, "emfile")), "the folder made for it is removed");
  });
});

describe("read-only stores, a full spool folder and a full embedded database", { skip: noMount }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "dj-ro-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("a store on a read-only file system says read-only (store check and insert, exit 5)", async () => {
    const mnt = join(scratch, "store");
    const unmountRw = mountTmpfs(mnt, "size=256k");
    mkdirSync(join(mnt, "s"));
    spawnSync("mount", ["-o", "remount,ro", mnt]);
    try {
      const p = await hostileProject("rostore", { storeLocation: join(mnt, "s") });
      try {
        spawnSync("python3", ["-c", `import numpy as np; np.save("${join(p.dir, "a.npy")}", np.arange(6.0))`]);
        const check = await p.dj(["store", "check", "local"]);
        assert.equal(check.code, 5, check.stderr);
        assert.match(check.stdout + check.stderr, /store "local" is read-only: \S+ is on a read-only file system/);
        assert.doesNotMatch(check.stdout + check.stderr, /ENOENT/);
        await refusedWithoutChange(p, ["insert", "Item", "--key", "name=x", "--from", "n=a.npy"], 5, /store "local" is read-only/);
      } finally {
        await p.close();
      }
    } finally {
      unmountRw();
    }
  });

  test("a pipe larger than the temporary folder, for <hash@>: exit 7, no spool file left", async () => {
    const spoolDir = join(scratch, "spool");
    const unmount = mountTmpfs(spoolDir, "size=256k");
    try {
      const p = await hostileProject("spool");
      try {
        const before = await p.state();
        const data = join(scratch, "one-mib.bin");
        writeFileSync(data, "z".repeat(1 << 20));
        // A real pipe (cat |): dj stops reading when the spool is full, and cat gets SIGPIPE.
        const run = spawnSync("sh", ["-c", 'cat "$2" | "$0" "$1" insert Item --key name=pipe --from h=-', process.execPath, djBin, data], { cwd: p.dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", TMPDIR: spoolDir } });
        const r = { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
        assertRefused(r, 7, /standard input does not fit in \S+\/spool \(ENOSPC\): <hash@> spools a pipe there to hash it/);
        assert.deepEqual(readdirSync(spoolDir), [], "the spool file is removed");
        assert.deepEqual(await p.state(), before);
      } finally {
        await p.close();
      }
    } finally {
      unmount();
    }
  });

  test("the embedded database on a full disk: exit 4, disk full, nothing kept", async () => {
    const mnt = join(scratch, "db");
    const unmount = mountTmpfs(mnt, "size=2m");
    const project = join(mnt, "project");
    mkdirSync(join(project, ".git"), { recursive: true });
    mkdirSync(join(project, "store"));
    writeFileSync(join(project, "dj.config.json"), JSON.stringify({ schema: "lab", stores: { default: "local", local: { protocol: "file", location: "./store" } } }));
    writeFileSync(join(project, "p.dj"), "schema lab\n\nNote (manual)\n    id : int32\n    ---\n    text : varchar(4000)\n");
    const dj = (...a: string[]) => runDj(a, { cwd: project });
    try {
      assert.equal((await dj("declare", "p.dj")).code, 0);
      assert.equal((await dj("insert", "Note", "--key", "id=1", "--set", "text=first")).code, 0);
      // Fill the disk to the last block with a real file.
      spawnSync("sh", ["-c", `head -c 4194304 /dev/zero > "${join(mnt, "fill")}"`]);
      const r = await dj("insert", "Note", "--key", "id=2", "--set", `text=${"x".repeat(3000)}`);
      assertRefused(r, 4, /the embedded database cannot write: disk full/);
      rmSync(join(mnt, "fill"));
      const rows = await dj("fetch", "Note", "--json");
      assert.equal(rows.code, 0, rows.stderr);
      assert.deepEqual(JSON.parse(rows.stdout).rows.map((x: { id: number }) => x.id), [1]);
    } finally {
      unmount();
    }
  });
});

/**
 * The in-table attachment of row r1 rewritten (by `setA`, straight into the database) with stored
 * names that are no file names: each fetch is refused (exit 7) and writes nothing; then r1's
 * attachment is put back.
 */
async function assertAttachmentNamesRefused(p: HostileProject, scratch: string, setA: (value: Buffer) => Promise<void>): Promise<void> {
  try {
    for (const name of ["..", ".", "", "a/b"]) {
      await setA(Buffer.concat([Buffer.from(name), Buffer.from([0]), Buffer.from("data")]));
      const out = join(scratch, `att-${p.schema}-${Buffer.from(name).toString("hex") || "empty"}`);
      mkdirSync(out);
      const r = await p.dj(["fetch", "Item", "--key", "name=r1", "--attr", "a", "--out", out]);
      assertRefused(r, 7, new RegExp(`the attachment's stored file name ${JSON.stringify(JSON.stringify(name)).slice(1, -1).replace(/\./g, "\\.")} cannot be used as a file name`));
      assert.deepEqual(tree(out), [], `nothing written for ${JSON.stringify(name)}`);
    }
  } finally {
    await setA(Buffer.from("notes.txt\0attached notes\n"));
  }
}

describe("fetch --out of an in-table attachment on PostgreSQL (bytea)", () => {
  let p: HostileProject;
  const scratch = mkdtempSync(join(tmpdir(), "dj-out-pg-"));
  before(async () => {
    p = await hostileProject("outerrpg", { dialect: postgresql });
    writeFileSync(join(p.dir, "notes.txt"), "attached notes\n");
    const r = await p.dj(["insert", "Item", "--key", "name=r1", "--from", "a=notes.txt"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await p.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("the attachment fetches with its name and bytes", async () => {
    const out = join(scratch, "good");
    mkdirSync(out);
    const r = await p.dj(["fetch", "Item", "--key", "name=r1", "--attr", "a", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(out), ["name=r1/", "name=r1/a/", "name=r1/a/notes.txt"]);
    assert.equal(readFileSync(join(out, "name=r1", "a", "notes.txt"), "utf8"), "attached notes\n");
  });

  test("attachment names from the database that are no file names (exit 7, no EISDIR)", async () => {
    const client = await pgConnect();
    try {
      await assertAttachmentNamesRefused(p, scratch, async (value) => void (await client.query(`UPDATE "${p.schema}"."item" SET a = $1 WHERE name = 'r1'`, [value])));
    } finally {
      await client.end();
    }
  });
});
