/**
 * Configuration is data, not code (issue 14 item 5, issue 12's JSON syntax item), through the
 * built binary: prototype keys, configs that exist but cannot be read, syntax errors in files that
 * hold secrets, credentials inside endpoint URLs. Each case: exit 3, one `dj:` line with a hint,
 * no stack trace, nothing written, and no part of any secret in any output.
 */
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { djBin, runDj, tempProject, writeFile, type RunResult } from "../helpers/cli.js";

const SECRET = "Zq9xWvK7-pw";
const SECRET_PARTS = [SECRET, SECRET.slice(0, 3), "WvK7"];
const outputs: RunResult[] = [];
const projects: Array<() => void> = [];
after(() => {
  projects.forEach((c) => c());
});

function project(files: Record<string, string | object> = {}): string {
  const p = tempProject(files);
  projects.push(p.cleanup);
  return p.dir;
}

async function dj(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const r = await runDj(args, { cwd, env });
  outputs.push(r);
  return r;
}

/** Exit 3, one `dj:` line naming `mention`, an indented hint, no stack trace. */
function assertConfigError(r: RunResult, mention: RegExp, verbose = false): void {
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, /^dj: /);
  assert.match(lines[0]!, mention);
  assert.match(lines[1] ?? "", /^ {2}hint: /);
  if (verbose) return; // --verbose adds the stack trace, by design
  assert.equal(lines.length, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const validStore = { protocol: "file", location: "./store" };

describe("no config key reaches an object prototype", () => {
  const cases: Array<[string, string]> = [
    ["a flat stores.__proto__.location key", JSON.stringify({ "stores.__proto__.location": "./evil", stores: { default: "s", s: { protocol: "file" } } })],
    ["a nested __proto__ object", `{"stores": {"default": "s", "s": {"protocol": "file"}, "__proto__": {"location": "./evil"}}}`],
    ["a constructor key in codecs", JSON.stringify({ stores: { default: "s", s: validStore }, codecs: { constructor: { location: "./evil" } } })],
    ["a prototype segment in database", JSON.stringify({ "database.prototype.host": "evil" })],
  ];
  for (const [name, text] of cases) {
    test(name, async () => {
      const dir = project({ "dj.config.json": text });
      const r = await dj(dir, ["store", "check"]);
      assertConfigError(r, /dj\.config\.json: key "[^"]*(__proto__|constructor|prototype)[^"]*" is not allowed/);
      assert.equal(existsSync(join(dir, "evil")), false, "nothing was written at the prototype's location");
      assert.deepEqual(readdirSync(dir).sort(), [".git", "dj.config.json"]);
    });
  }
  test("a __proto__ key in DJ_STORES", async () => {
    const dir = project({ "dj.config.json": { stores: { default: "s", s: validStore } } });
    const r = await dj(dir, ["store", "check"], { DJ_STORES: `{"default": "s", "s": {"protocol": "file"}, "__proto__": {"location": "./evil"}}` });
    assertConfigError(r, /DJ_STORES: key "__proto__" is not allowed/);
    assert.equal(existsSync(join(dir, "evil")), false);
  });
  test("a secret file named with __proto__", async () => {
    const dir = project({ "dj.config.json": { stores: { default: "s", s: { protocol: "s3", endpoint: "127.0.0.1:1", bucket: "b", location: "x" } } } });
    writeFile(dir, ".secrets/stores.__proto__.secret_key", SECRET);
    const r = await dj(dir, ["store", "list"]);
    assertConfigError(r, /secret file .*stores\.__proto__\.secret_key: its name is not allowed/);
  });
});

describe("a project config that exists but cannot be read is an error naming it", () => {
  /** A valid config in the project folder and the broken one in `sub/`, where dj runs. */
  function nested(make: (path: string) => void): { dir: string; sub: string; broken: string } {
    const dir = project({ "dj.config.json": { stores: { default: "parent", parent: validStore } } });
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const broken = join(sub, "dj.config.json");
    make(broken);
    return { dir, sub, broken };
  }
  const kinds: Array<[string, (p: string) => void, RegExp]> = [
    ["a dangling link", (p) => symlinkSync(join(p, "..", "missing.json"), p), /is a link to something that does not exist/],
    ["a link loop", (p) => symlinkSync(p, p), /is a link loop/],
    ["a folder", (p) => mkdirSync(p), /is a folder, not a file/],
    ["a FIFO", (p) => spawnSync("mkfifo", [p]), /is a FIFO \(named pipe\), not a file/],
  ];
  for (const [name, make, why] of kinds) {
    test(name, async () => {
      const { sub, broken } = nested(make);
      for (const args of [["store", "list"], ["config", "validate"]]) {
        const r = await dj(sub, args);
        assertConfigError(r, new RegExp(`config file ${broken.replace(/[.]/g, "\\.")} ${why.source}`));
        assert.doesNotMatch(r.stdout, /parent/, "the parent folder's config is not used");
      }
    });
  }
  test("a datajoint.json that is a folder is not skipped either", async () => {
    // The search order is by name, then upward, so a datajoint.json is reached when no
    // dj.config.json exists up to the project root.
    const alone = project({});
    mkdirSync(join(alone, "datajoint.json"));
    const r = await dj(alone, ["store", "list"]);
    assertConfigError(r, /datajoint\.json is a folder, not a file/);
  });
  test("--config naming a folder or a FIFO", async () => {
    const dir = project({});
    mkdirSync(join(dir, "cfgdir"));
    spawnSync("mkfifo", [join(dir, "cfg.fifo")]);
    assertConfigError(await dj(dir, ["--config", "cfgdir", "store", "list"]), /cfgdir is a folder, not a file/);
    assertConfigError(await dj(dir, ["--config", "cfg.fifo", "store", "list"]), /cfg\.fifo is a FIFO/);
  });
  test("a config without read permission", { skip: process.getuid?.() === 0 && !canRunAsNobody() ? "running as root without a nobody user: permissions are not enforced" : false }, async () => {
    const dir = project({});
    chmodSync(dir, 0o755);
    const sub = join(dir, "sub");
    mkdirSync(sub, { mode: 0o755 });
    writeFileSync(join(dir, "dj.config.json"), JSON.stringify({ stores: { default: "parent", parent: validStore } }), { mode: 0o644 });
    writeFileSync(join(sub, "dj.config.json"), JSON.stringify({ stores: { default: "s", s: validStore } }), { mode: 0o000 });
    chmodSync(join(sub, "dj.config.json"), 0o000);
    const r = runAsNobody(sub, ["store", "list"]);
    outputs.push(r);
    assertConfigError(r, /config file .*sub\/dj\.config\.json cannot be read \(permission denied\)/);
  });
});

function canRunAsNobody(): boolean {
  return spawnSync(process.execPath, ["-e", "0"], { uid: 65534, gid: 65534 }).status === 0;
}

/** Root ignores file permissions, so the permission case runs the binary as `nobody`. */
function runAsNobody(cwd: string, args: string[]): RunResult {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [djBin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("a JSON syntax error gives line and column, and never any of the text", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["a single-quoted secret", `{\n  "database": {\n    "host": "127.0.0.1",\n    "password": '${SECRET}'\n  }\n}\n`, /line 4, column 17: strings need double quotes/],
    ["an unquoted secret", `{\n  "stores": {\n    "s": {"protocol": "s3", "secret_key": ${SECRET}}\n  }\n}\n`, /line 3, column 43: expected a value/],
    ["a secret in an unterminated string", `{"database": {"password": "${SECRET}\n}}`, /line 1, column 39: line break or control character inside a string/],
    ["a missing comma", `{\n  "schema": "lab"\n  "requiredCodecs": []\n}\n`, /line 3, column 3: expected ',' or '}'/],
    ["a trailing comma", `{"schema": "lab",}`, /line 1, column 18: expected another key \(no comma before '}'\)/],
    ["an empty file", ``, /line 1, column 1: unexpected end of the file/],
  ];
  for (const [name, text, where] of cases) {
    test(name, async () => {
      const dir = project({ "dj.config.json": text });
      for (const args of [["config", "show"], ["config", "validate"], ["store", "list", "--verbose"]]) {
        const r = await dj(dir, args);
        assertConfigError(r, new RegExp(`dj\\.config\\.json: not valid JSON at ${where.source}`), args.includes("--verbose"));
        for (const part of SECRET_PARTS) assert.ok(!(r.stdout + r.stderr).includes(part), `"${part}" must not be printed`);
      }
    });
  }
  test("DJ_STORES with a syntax error gives the column, not the text", async () => {
    const dir = project({ "dj.config.json": { schema: "lab" } });
    const r = await dj(dir, ["store", "list"], { DJ_STORES: `{"s": {"protocol": "s3", "secret_key": '${SECRET}'}}` });
    assertConfigError(r, /DJ_STORES: must be a JSON object of store specs \(not valid JSON at column 40: strings need double quotes/);
  });
});

describe("credentials inside an endpoint URL are refused and never printed", () => {
  const endpoints = [`http://AKIAEXAMPLE:${SECRET}@127.0.0.1:9000`, `AKIAEXAMPLE:${SECRET}@s3.lab.org`, `https://AKIAEXAMPLE%3A:${encodeURIComponent(SECRET)}@s3.lab.org/`];
  for (const endpoint of endpoints) {
    test(endpoint.replace(SECRET, "<secret>").replace(encodeURIComponent(SECRET), "<secret>"), async () => {
      const dir = project({ "dj.config.json": { stores: { default: "s", s: { protocol: "s3", endpoint, bucket: "b", location: "x" } } } });
      for (const args of [["store", "check"], ["store", "list"], ["config", "show", "--verbose"]]) {
        const r = await dj(dir, args);
        assertConfigError(r, /stores\.s\.endpoint: holds credentials .*access_key and stores\.s\.secret_key/, args.includes("--verbose"));
        assert.equal(r.stdout, "");
        for (const part of [...SECRET_PARTS, "AKIAEXAMPLE"]) assert.ok(!(r.stdout + r.stderr).includes(part), `"${part}" must not be printed`);
      }
      const v = await dj(dir, ["config", "validate", "--json"]);
      assert.equal(v.code, 3);
      assert.match(JSON.parse(v.stdout).problems[0].message, /holds credentials/);
      assert.ok(!v.stdout.includes("AKIAEXAMPLE") && !v.stdout.includes(SECRET));
    });
  }
});

test("no secret appears in any output of this suite", () => {
  assert.ok(outputs.length > 20);
  for (const r of outputs) for (const part of [SECRET, encodeURIComponent(SECRET), "AKIAEXAMPLE"]) assert.ok(!(r.stdout + r.stderr).includes(part));
});
