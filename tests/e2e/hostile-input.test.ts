/**
 * Hostile input through the built binary (issue 14, items 2, 8 and 10): size limits are errors,
 * not aborts; endless devices are refused while pipes, FIFOs and standard input stream; delete
 * is explicit; each input error has the input exit code. Every refusal is one `dj:` line (plus a
 * hint), no stack trace, and changes nothing: row count, store files, project files and spool
 * files are compared before and after.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { djBin } from "../helpers/cli.js";
import { postgresql } from "../helpers/dialects.js";
import { assertRefused, hostileProject, refusedWithoutChange, sparseFile, type HostileProject } from "../helpers/hostile.js";

const NPY_U1_HEADER = (n: number) => {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n},), }`;
  const text = dict + " ".repeat(64 - ((10 + dict.length + 1) % 64)) + "\n";
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, "latin1")]);
};

describe("hostile input: limits, devices, streams, explicit delete, exit classes", () => {
  let p: HostileProject;
  const at = (f: string) => join(p.dir, f);

  before(async () => {
    p = await hostileProject("hostile");
    spawnSync("python3", ["-c", `import numpy as np; np.save("${at("a.npy")}", np.arange(60.0))`]);
    writeFileSync(at("small.txt"), "small file\n");
    for (const name of ["keep1", "keep2"]) {
      const r = await p.dj(["insert", "Item", "--key", `name=${name}`, "--from", "n=a.npy", "--set", "f=1.5"]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => p.close());

  describe("size limits are errors, with the codec that takes the value", () => {
    test("a 2 GiB array for <blob> and <blob@> (exit 7, hint <npy@>/<zarr@>; nothing is read)", async () => {
      sparseFile(at("big.npy"), NPY_U1_HEADER(2 ** 31).length + 2 ** 31, NPY_U1_HEADER(2 ** 31));
      for (const attr of ["b", "bs"]) {
        const r = await refusedWithoutChange(p, ["insert", "Item", "--key", "name=big", "--from", `${attr}=big.npy`], 7, /<blob> holds at most 1024 MiB; this array is 2147483648 bytes/);
        assert.match(r.stderr, /hint: use <npy@> or <zarr@>/);
      }
    });

    test("a file over 1 GiB for <attach> and <attach@> (exit 7, hint <object@>)", async () => {
      sparseFile(at("huge.bin"), 2 ** 30 + 1);
      for (const attr of ["a", "as_"]) {
        const r = await refusedWithoutChange(p, ["insert", "Item", "--key", "name=huge", "--from", `${attr}=huge.bin`], 7, /<attach> holds at most 1024 MiB; \S+huge\.bin is 1073741825 bytes/);
        assert.match(r.stderr, /hint: use <object@>/);
      }
    });

    test("a .npy header length field of 4 GiB (exit 7, not an abort)", async () => {
      const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xf0, 0xff, 0xff, 0xff]);
      writeFileSync(at("h4g.npy"), Buffer.concat([head, Buffer.from("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n"), Buffer.alloc(8)]));
      for (const attr of ["n", "b"]) {
        await refusedWithoutChange(p, ["insert", "Item", "--key", "name=h4g", "--from", `${attr}=h4g.npy`], 7, /h4g\.npy: not a valid \.npy file: the header length field says 4294967280 bytes; NumPy reads headers of at most 10000 characters/);
      }
    });

    test("a JSON value over 64 MiB in a rows file (exit 7)", async () => {
      writeFileSync(at("bigjson.jsonl"), `{"name": "j", "j": "${"x".repeat((64 << 20) + 1)}"}\n`);
      await refusedWithoutChange(p, ["insert", "Item", "--rows", "bigjson.jsonl"], 7, /bigjson\.jsonl:1 is \d+ characters of JSON, more than the 64 MiB a JSON value may hold/);
    });

    test("<hash@> hashes and copies a 256 MiB file in bounded memory (peak RSS under 200 MiB)", async () => {
      sparseFile(at("quarter.bin"), 256 << 20);
      const r = spawnSync("/usr/bin/time", ["-f", "maxrss=%M", process.execPath, djBin, "insert", "Item", "--key", "name=quarter", "--from", "h=quarter.bin"], { cwd: p.dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const kib = Number(/maxrss=(\d+)/.exec(r.stderr)![1]);
      assert.ok(kib < 200 * 1024, `peak RSS ${kib} KiB`);
      const fetched = await p.dj(["fetch", "Item", "--key", "name=quarter", "--attr", "h", "--json"]);
      assert.match(fetched.stdout, /"size": 268435456/);
      assert.equal((await p.dj(["delete", "Item", "--key", "name=quarter", "--force"])).code, 0);
    });
  });

  describe("devices are refused; pipes, FIFOs and standard input stream", () => {
    for (const [device, attr] of [["/dev/zero", "h"], ["/dev/zero", "o"], ["/dev/urandom", "a"], ["/dev/null", "bs"]] as const) {
      test(`${device} for ${attr} (exit 7: a character device)`, async () => {
        await refusedWithoutChange(p, ["insert", "Item", "--key", "name=dev", "--from", `${attr}=${device}`], 7, new RegExp(`${device} is a character device, not a file \\(for ${attr}\\)`));
      });
    }

    test("a directory where a file is expected (exit 7)", async () => {
      mkdirSync(at("folder"), { recursive: true });
      writeFileSync(at("folder/x"), "x");
      await refusedWithoutChange(p, ["insert", "Item", "--key", "name=dir", "--from", "h=folder"], 7, /<hash> expects bytes or a file, got a directory/);
      await refusedWithoutChange(p, ["insert", "Item", "--key", "name=dir", "--from", "a=folder"], 7, /<attach> expects a file path, got a directory/);
      await refusedWithoutChange(p, ["insert", "Item", "--rows", "folder"], 7, /folder is a directory: --rows needs a \.jsonl or \.csv file/);
    });

    test("a file dj may not read (EACCES, dj run without CAP_DAC_OVERRIDE) is exit 7, not a codec failure", async () => {
      writeFileSync(at("secret.bin"), "no reading");
      chmodSync(at("secret.bin"), 0o000);
      const before = await p.state();
      for (const attr of ["h", "o", "a"]) {
        const r = spawnSync("setpriv", ["--bounding-set=-dac_override,-dac_read_search", "--", process.execPath, djBin, "insert", "Item", "--key", "name=secret", "--from", `${attr}=secret.bin`], { cwd: p.dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
        assertRefused({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, 7, new RegExp(`cannot read secret\\.bin \\(for ${attr}\\): permission denied`));
      }
      assert.deepEqual(await p.state(), before);
    });

    test("standard input (--from h=-) is streamed into <hash@> and <object@>", async () => {
      const data = "piped bytes ".repeat(1000);
      for (const attr of ["h", "o"]) {
        const r = await p.dj(["insert", "Item", "--key", `name=stdin-${attr}`, "--from", `${attr}=-`], { input: data });
        assert.equal(r.code, 0, r.stderr);
        const out = await p.dj(["fetch", "Item", "--key", `name=stdin-${attr}`, "--attr", attr, "--out", `stdin-${attr}.out`]);
        assert.equal(out.code, 0, out.stderr);
        assert.equal(readFileSync(at(`stdin-${attr}.out`), "utf8"), data);
      }
    });

    test("a FIFO is streamed into <object@> and <attach>", async () => {
      for (const attr of ["o", "a"]) {
        const fifo = at(`pipe-${attr}`);
        assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
        // The writer holds the FIFO open until dj has read it all (no timing involved).
        const writer = spawn("sh", ["-c", `printf 'fifo contents %s' ${attr} > "${fifo}"`]);
        const written = new Promise((resolve) => writer.on("close", resolve));
        const r = await p.dj(["insert", "Item", "--key", `name=fifo-${attr}`, "--from", `${attr}=pipe-${attr}`]);
        await written;
        assert.equal(r.code, 0, r.stderr);
        const outDir = at(`fifo-out-${attr}`);
        const fetched = await p.dj(["fetch", "Item", "--key", `name=fifo-${attr}`, "--attr", attr, "--out", outDir]);
        assert.equal(fetched.code, 0, fetched.stderr);
        const file = fetched.stdout.trim().split("\n")[0]!;
        assert.equal(readFileSync(file, "utf8"), `fifo contents ${attr}`);
      }
    });
  });

  databaseFacingCases(() => p, at);
});

/**
 * The cases whose refusal the database could get wrong (out-of-range values, deep JSON, a delete
 * without a key, a bad rows file): run on MariaDB above and on PostgreSQL below, each refused
 * with no row half-inserted and nothing else changed.
 */
function databaseFacingCases(p: () => HostileProject, at: (f: string) => string): void {
  describe("exit classes", () => {
    test("a key value that makes a file name too long is input (exit 7), not codec", async () => {
      await refusedWithoutChange(p(), ["insert", "Item", "--key", `name=${"<".repeat(99)}`, "--from", "n=a.npy"], 7, /object path segment .* 302 bytes long; file systems allow 255/);
    });

    test("float32=1e39 is out of range (exit 7), not a database error", async () => {
      await refusedWithoutChange(p(), ["insert", "Item", "--key", "name=f", "--set", "f=1e39"], 7, /bad value for f: "1e39" is out of range for float32/);
      await refusedWithoutChange(p(), ["insert", "Item", "--key", "name=f", "--set", "f=-3.5e38"], 7, /out of range for float32/);
    });

    test("JSON nested 30 000 levels deep (--set for json and for <blob>) is exit 7, not a crash", async () => {
      const deep = "[".repeat(30000) + "]".repeat(30000);
      await refusedWithoutChange(p(), ["insert", "Item", "--key", "name=deep", "--set", `j=${deep}`], 7, /the value for j is JSON nested more than 31 levels deep/);
      await refusedWithoutChange(p(), ["insert", "Item", "--key", "name=deep", "--set", `b=${deep}`], 7, /the value for b is JSON nested more than 31 levels deep/);
      writeFileSync(at("deep.jsonl"), `{"name": "deep", "j": ${deep}}\n`);
      await refusedWithoutChange(p(), ["insert", "Item", "--rows", "deep.jsonl"], 7, /deep\.jsonl:1 is JSON nested more than 31 levels deep/);
      // 31 levels are still fine (the most MariaDB stores), in a json column and in a <blob>.
      const ok = await p().dj(["insert", "Item", "--key", "name=deep31", "--set", `j=${"[".repeat(31)}1${"]".repeat(31)}`, "--set", `b=${"[".repeat(31)}1${"]".repeat(31)}`]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((await p().dj(["delete", "Item", "--key", "name=deep31", "--force"])).code, 0);
    });
  });

  describe("delete is explicit", () => {
    test("a repeated --key for one attribute is a usage error (delete, fetch and insert)", async () => {
      const r = await refusedWithoutChange(p(), ["delete", "Item", "--key", "name=keep1", "--key", "name=keep2", "--force"], 2, /--key name is given twice \(name=keep1, name=keep2\)/);
      assert.match(r.stderr, /hint: run the command once per value/);
      await refusedWithoutChange(p(), ["fetch", "Item", "--key", "name=keep1", "--key", "name=keep2"], 2, /--key name is given twice/);
      await refusedWithoutChange(p(), ["insert", "Item", "--key", "name=x", "--key", "name=y", "--set", "f=1"], 2, /--key name is given twice/);
    });

    test("delete with no --key is refused, even with --force; --all with --key too", async () => {
      const r = await refusedWithoutChange(p(), ["delete", "Item", "--force"], 2, /no --key or --where given: this would delete every row of \S+\.Item/);
      assert.match(r.stderr, /hint: .*add --all to delete the whole table/);
      await refusedWithoutChange(p(), ["delete", "Item", "--all", "--key", "name=keep1", "--force"], 2, /--all deletes every row; it cannot be combined with --key/);
    });

    test("a CSV rows file with a repeated column is exit 7", async () => {
      writeFileSync(at("dup.csv"), "name,f,f\nrow1,1,2\n");
      await refusedWithoutChange(p(), ["insert", "Item", "--rows", "dup.csv"], 7, /dup\.csv:1: column "f" appears more than once in the header/);
    });

    test("--all --force deletes every row (the documented way)", async () => {
      const before = (await p().state()).rows;
      assert.ok(before >= 2);
      const r = await p().dj(["delete", "Item", "--all", "--force"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`deleted ${before} rows from`));
      assert.equal((await p().state()).rows, 0);
    });
  });
}

describe("hostile input on PostgreSQL: the database-facing cases", () => {
  let p: HostileProject;
  const at = (f: string) => join(p.dir, f);
  before(async () => {
    p = await hostileProject("hostilepg", { dialect: postgresql });
    spawnSync("python3", ["-c", `import numpy as np; np.save("${at("a.npy")}", np.arange(60.0))`]);
    for (const name of ["keep1", "keep2"]) {
      const r = await p.dj(["insert", "Item", "--key", `name=${name}`, "--from", "n=a.npy", "--set", "f=1.5"]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => p.close());

  databaseFacingCases(() => p, at);
});
