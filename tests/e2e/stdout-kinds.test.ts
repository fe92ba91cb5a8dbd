/**
 * What dj prints reaches every kind of stdout whole, and a reader that went away is not an
 * error: through the built binary, with stdout a regular file, a pipe, /dev/null, or a pipe
 * whose read end is closed before dj starts (EPIPE on the first write, made certain by closing
 * it first, not by timing). Before ui/stdio.ts, the last case ended in an unhandled 'error'
 * event with Node's stack trace and exit 1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { djBin, tempProject } from "../helpers/cli.js";

describe("stdout of every kind", () => {
  let dir: string;
  let cleanup: () => void;
  before(() => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": { schema: "lab", stores: { default: "local", local: { protocol: "file", location: "./store" } } } }));
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
});
