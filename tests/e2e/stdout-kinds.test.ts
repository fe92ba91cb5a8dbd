/**
 * What dj prints reaches every kind of stdout whole, and a reader that went away is not an
 * error: through the built binary, with stdout a regular file, a pipe, /dev/null, or a pipe
 * whose read end is closed before dj starts (EPIPE on the first write, made certain by closing
 * it first, not by timing). Before ui/stdio.ts, the last case ended in an unhandled 'error'
 * event with Node's stack trace and exit 1. A full disk behind stdout (/dev/full) is exit 5 in
 * dj's words, and an interrupt still reaches dj while a reader that does not read holds its
 * output (the pipe is seen full before the signal is sent: no timing).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { djBin, runDj, tempProject } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";

describe("stdout of every kind", () => {
  let dir: string;
  let cleanup: () => void;
  before(() => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "lab", stores: { default: "local", local: { protocol: "file", location: "./store" } } },
      "p.dj": "schema lab\n\nRow (manual)\n    id : int32\n    ---\n    label : varchar(64)\n\nWave (manual)\n    id : int32\n    ---\n    a : <npy@>\n",
    }));
    mkdirSync(join(dir, "store"));
    // Enough rows that `dj fetch Row` prints far more than a pipe holds (64 KiB).
    writeFileSync(join(dir, "rows.jsonl"), Array.from({ length: 20000 }, (_, i) => JSON.stringify({ id: i, label: `row number ${i} of the stalled-reader test` })).join("\n") + "\n");
    for (const args of [["declare", "p.dj"], ["insert", "Row", "--rows", "rows.jsonl"]]) {
      const r = spawnSync(process.execPath, [djBin, ...args], { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => cleanup());

  const env = { ...process.env, DJ_COMPILE_CACHE: "0" };
  const piped = (args: string[]) => spawnSync(process.execPath, [djBin, ...args], { cwd: dir, env, encoding: "utf8" });

  test("a file, a pipe and /dev/null get the same whole output", () => {
    for (const args of [["--help"], ["codecs", "list"], ["codecs", "list", "--json"]]) {
      const viaPipe = piped(args);
      assert.equal(viaPipe.status, 0, viaPipe.stderr);
      assert.ok(viaPipe.stdout.length > 200, `${args.join(" ")}: ${viaPipe.stdout}`);
      const file = join(dir, "out.txt");
      const fd = openSync(file, "w");
      const toFile = spawnSync(process.execPath, [djBin, ...args], { cwd: dir, env, stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
      closeSync(fd);
      assert.equal(toFile.status, 0, toFile.stderr);
      assert.equal(readFileSync(file, "utf8"), viaPipe.stdout, `${args.join(" ")} to a file`);
      const devNull = openSync("/dev/null", "w");
      const toNull = spawnSync(process.execPath, [djBin, ...args], { cwd: dir, env, stdio: ["ignore", devNull, "pipe"], encoding: "utf8" });
      closeSync(devNull);
      assert.equal(toNull.status, 0, toNull.stderr);
      assert.equal(toNull.stderr, "");
    }
    assert.doesNotThrow(() => JSON.parse(piped(["codecs", "list", "--json"]).stdout));
  });

  test("a reader that closed before dj wrote ends the output quietly, with the command's own exit code", () => {
    // Python makes a pipe, closes its read end, and runs dj with the write end as stdout.
    for (const [args, exit] of [[["--help"], 0], [["codecs", "list"], 0], [["codecs", "list", "--json"], 0], [["nosuchcommand"], 2]] as const) {
      const r = spawnSync("python3", ["-c", `
import json, os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, cwd=${JSON.stringify(dir)}, env=dict(os.environ, DJ_COMPILE_CACHE="0"))
print(json.dumps({"code": p.returncode, "stderr": p.stderr.decode()}))
`, process.execPath, djBin, ...args], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout) as { code: number; stderr: string };
      assert.equal(result.code, exit, `${args.join(" ")}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /EPIPE|at .*\(|node:events/, args.join(" "));
      if (exit === 0) assert.equal(result.stderr, "", args.join(" "));
    }
  });

  /** Run dj with stdout on a descriptor Python prepares (`setup` gets `w`, the write end, and may use `r`). */
  const withStdout = (setup: string, args: string[]) => {
    const r = spawnSync("python3", ["-c", `
import fcntl, json, os, signal, subprocess, sys, termios, time, array
${setup}
print(json.dumps(result))
`, process.execPath, djBin, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, DJ_COMPILE_CACHE: "0" }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { code: number; stderr: string };
  };

  test("a full disk behind stdout is exit 5 naming ENOSPC, with no stack, in text, --json and export", () => {
    for (const args of [["codecs", "list"], ["codecs", "list", "--json"], ["fetch", "Row", "--format", "jsonl"], ["fetch", "Row", "--limit", "3"]]) {
      const result = withStdout(`
with open("/dev/full", "w") as full:
    p = subprocess.run(sys.argv[1:], stdout=full, stderr=subprocess.PIPE)
result = {"code": p.returncode, "stderr": p.stderr.decode()}`, args);
      assert.equal(result.code, 5, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /cannot write stdout: no space left on the device \(ENOSPC\)/, args.join(" "));
      assert.doesNotMatch(result.stderr, /internal error|at .*\(|node:events/, args.join(" "));
    }
  });

  test("Ctrl-C reaches dj while a reader that does not read holds its output, stderr apart or on the same pipe", () => {
    // dj prints ~1 MB into a pipe nobody reads; once the pipe is full (64 KiB waiting in it),
    // SIGINT is sent. dj must end by the signal; a dj stuck in a blocking write never would, nor
    // one waiting to print its "interrupted" line into the same full pipe.
    for (const shared of [false, true]) {
      const result = withStdout(`
r, w = os.pipe()
p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=w if ${shared ? "True" : "False"} else subprocess.PIPE)
os.close(w)
waiting = array.array("i", [0])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    fcntl.ioctl(r, termios.FIONREAD, waiting)
    if waiting[0] >= 65536:
        break
    time.sleep(0.01)
p.send_signal(signal.SIGINT)
try:
    code = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    code = "hung"
result = {"code": code, "stderr": "" if ${shared ? "True" : "False"} else p.stderr.read().decode(), "waiting": waiting[0]}`, ["fetch", "Row"]) as { code: number | string; stderr: string; waiting: number };
      assert.ok(result.waiting >= 65536, `the pipe never filled: ${JSON.stringify(result)}`);
      assert.ok(result.code === -2 || result.code === 130, `dj did not end by the interrupt (stderr ${shared ? "on the same pipe" : "apart"}): ${JSON.stringify(result)}`);
      if (!shared) assert.match(result.stderr, /dj: interrupted by SIGINT/);
    }
  });

  test("--slice to stdout ends quietly when the reader is gone", { skip: skipWithout("numpy") }, async () => {
    const made = spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/w.npy", np.arange(100000, dtype="<f8"))`]);
    assert.equal(made.status, 0, String(made.stderr));
    const inserted = await runDj(["insert", "Wave", "--key", "id=1", "--from", "a=w.npy"], { cwd: dir });
    assert.equal(inserted.code, 0, inserted.stderr);
    const result = withStdout(`
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
result = {"code": p.returncode, "stderr": p.stderr.decode()}`, ["fetch", "Wave", "--key", "id=1", "--attr", "a", "--slice", "0:50000"]);
    assert.deepEqual(result, { code: 0, stderr: "" });
  });

  test("a failure of a write Node's stream queued is exit 5 too: --slice to a full disk, a terminal that went away", { skip: skipWithout("numpy") }, () => {
    // Wave id=1 is inserted by the test before this one.
    const slice = ["fetch", "Wave", "--key", "id=1", "--attr", "a", "--slice", "0:50000"];
    const full = withStdout(`
with open("/dev/full", "w") as out:
    p = subprocess.run(sys.argv[1:], stdout=out, stderr=subprocess.PIPE)
result = {"code": p.returncode, "stderr": p.stderr.decode()}`, slice);
    assert.equal(full.code, 5, full.stderr);
    assert.match(full.stderr, /^dj: cannot write stdout: no space left on the device \(ENOSPC\)$/m);
    assert.doesNotMatch(full.stderr, /internal error|at .*\(|node:events/);
    // A pseudo-terminal whose other side is closed: stdout is a terminal (Node's stream), and
    // its writes fail with EIO.
    for (const args of [["codecs", "list"], ["codecs", "list", "--json"]]) {
      const tty = withStdout(`
master, slave = os.openpty()
os.close(master)
p = subprocess.run(sys.argv[1:], stdout=slave, stderr=subprocess.PIPE)
result = {"code": p.returncode, "stderr": p.stderr.decode()}`, args);
      assert.equal(tty.code, 5, `${args.join(" ")}: ${tty.stderr}`);
      assert.match(tty.stderr, /cannot write stdout: .*\(EIO\)/, args.join(" "));
      assert.doesNotMatch(tty.stderr, /internal error|at .*\(|node:events/, args.join(" "));
    }
  });
});
