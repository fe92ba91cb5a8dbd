import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";

describe("dj codecs new", () => {
  const { dir, cleanup } = tempProject({ "dj.config.json": {} });
  after(cleanup);

  test("scaffolds a plugin that builds, tests, installs and is then discovered", async () => {
    const r = await runDj(["codecs", "new", "mycodec", "--dir", "plugins/mycodec"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const pkg = join(dir, "plugins/mycodec");
    // Build the TypeScript source against dj's public types, as `npm install && npm run build` would.
    mkdirSync(join(pkg, "node_modules"));
    symlinkSync(repoRoot, join(pkg, "node_modules/dj-cli"));
    symlinkSync(join(repoRoot, "node_modules/@types"), join(pkg, "node_modules/@types"));
    const build = spawnSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", join(pkg, "tsconfig.json")], { encoding: "utf8" });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const t = spawnSync(process.execPath, ["--test", join(pkg, "test/mycodec.test.js")], { encoding: "utf8" });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    // `npm install ./plugins/mycodec` links the folder into node_modules.
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    symlinkSync(pkg, join(dir, "node_modules/dj-mycodec-codec"));
    const list = await runDj(["codecs", "list", "--json"], { cwd: dir });
    const entry = JSON.parse(list.stdout).codecs.find((c: any) => c.name === "mycodec");
    assert.equal(entry.provider, "dj-mycodec-codec@0.1.0");
    const check = await runDj(["codecs", "check", "mycodec"], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  test("refuses a non-empty folder (exit 8) and a bad name (exit 2)", async () => {
    const again = await runDj(["codecs", "new", "mycodec", "--dir", "plugins/mycodec"], { cwd: dir });
    assert.equal(again.code, 8);
    assert.match(again.stderr, /exists and is not empty/);
    const bad = await runDj(["codecs", "new", "My-Codec"], { cwd: dir });
    assert.equal(bad.code, 2);
  });
});
