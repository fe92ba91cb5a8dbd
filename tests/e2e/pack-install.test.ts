/**
 * The packages as users get them. `npm pack` runs in a copy of the repository's files without
 * dist/ (what a fresh clone has once `npm install` put node_modules there; the copy borrows this
 * repository's node_modules), so every tarball's dist/ comes from its prepack. The tarballs are
 * installed with npm 11 twice, globally (`npm install -g --prefix`) and into a project, and the
 * main job runs through each installed `dj`: init, declare a table with a <zarr@> attribute,
 * insert from a .npy, fetch to a .npy that NumPy compares with the input.
 *
 * better-sqlite3's install script (a C build from source here: minutes on a busy machine) is
 * kept out: the project denies it in its allowScripts, as npm 11 lets a project do, and the
 * global install runs no scripts; the jobs use the test MariaDB. None of dj's own packages has
 * an install script, which the project install proves: any of them would be printed as "not yet
 * covered by allowScripts". Last, dj-zarr-native is added to the project as a user who wants it
 * would (approved, built on install) and takes over from the portable encoders.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot, type RunResult } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";
import { skipWithout } from "../helpers/requires.js";

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** Runs a program to its end; npm's own environment variables (set when this runs under `npm test`) are left out. */
function run(cmd: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1" };
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "INIT_CWD") env[k] = v;
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const show = (r: RunResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** The repository's files as a clone has them: tracked and untracked but not ignored (no dist/, no node_modules). */
function copyRepository(to: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(listed.status, 0, listed.stderr);
  for (const rel of listed.stdout.split("\0").filter(Boolean)) {
    const from = join(repoRoot, rel);
    if (!existsSync(from)) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(to, rel)), { recursive: true });
    cpSync(from, join(to, rel));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(to, "node_modules"));
}

const npmWarnings = (stderr: string) => stderr.split("\n").filter((l) => /^npm (warn|WARN|error|ERR)/.test(l));

describe("packed and installed like a published package", { skip: skipWithout("numpy") }, () => {
  let work: string;
  let clone: string;
  let packed: PackResult[] = [];
  let packRun: RunResult;
  let manifestBefore: string;
  const tarball = (name: string) => join(work, "tarballs", packed.find((p) => p.name === name)!.filename);
  let globalInstall: RunResult;
  let projectInstall: RunResult;
  const schemas: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "dj-pack-"));
    clone = join(work, "clone");
    copyRepository(clone);
    assert.ok(!existsSync(join(clone, "dist")) && !existsSync(join(clone, "packages/dj-zarr-codecs/dist")));
    manifestBefore = readFileSync(join(clone, "package.json"), "utf8");
    mkdirSync(join(work, "tarballs"));
    packRun = await run("npm", ["pack", "--workspaces", "--include-workspace-root", "--json", "--pack-destination", join(work, "tarballs")], clone);
    assert.equal(packRun.code, 0, show(packRun));
    packed = JSON.parse(packRun.stdout) as PackResult[];

    // A project that approves no install script and denies better-sqlite3's (see the top of the file).
    mkdirSync(join(work, "project/.git"), { recursive: true });
    writeFileSync(join(work, "project/package.json"), JSON.stringify({ name: "lab", private: true, allowScripts: { "better-sqlite3": false } }, null, 2));
    const quiet = ["--prefer-offline", "--no-audit", "--no-fund"];
    [globalInstall, projectInstall] = await Promise.all([
      run("npm", ["install", "-g", "--prefix", join(work, "global"), "--ignore-scripts", ...quiet, tarball("dj-cli"), tarball("dj-zarr-codecs"), tarball("dj-photon-codecs")], work),
      run("npm", ["install", ...quiet, tarball("dj-cli"), tarball("dj-zarr-codecs")], join(work, "project")),
    ]);
  });

  after(async () => {
    if (schemas.length) {
      const conn = await connect();
      await dropSchemas(conn, ...schemas);
      await conn.end();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("npm pack in a fresh clone builds each package's dist/ into its tarball, with its LICENSE", () => {
    const files = (name: string) => new Set(packed.find((p) => p.name === name)?.files.map((f) => f.path));
    assert.deepEqual(packed.map((p) => p.name).sort(), ["dj-cli", "dj-photon-codecs", "dj-zarr-codecs", "dj-zarr-native"]);
    for (const { name } of packed) {
      for (const f of ["LICENSE", "README.md", "package.json"]) assert.ok(files(name).has(f), `${name} lacks ${f}`);
      assert.ok(![...files(name)].some((f) => f.startsWith("tests/") || f.endsWith(".test.ts") || f.endsWith(".tsbuildinfo")), name);
    }
    for (const f of ["dist/bin/dj.js", "dist/bin/main.js", "dist/bin/package.json", "dist/src/index.js", "dist/src/index.d.ts"]) assert.ok(files("dj-cli").has(f), f);
    for (const f of ["dist/zarr.js", "dist/zarr.d.ts", "dist/worker.js", "wasm/blosc-lz4.wasm", "wasm/vendor/lz4/LICENSE"]) assert.ok(files("dj-zarr-codecs").has(f), f);
    assert.ok(files("dj-photon-codecs").has("dist/photon.js"));
    for (const f of ["binding.gyp", "src/native.c", "index.cjs", "not-built.cjs"]) assert.ok(files("dj-zarr-native").has(f), f);
    assert.ok(![...files("dj-zarr-native")].some((f) => f.startsWith("build/")), "a compiled addon is for one machine only");
    assert.ok(![...files("dj-cli")].some((f) => f.startsWith("src/") || f.startsWith("packages/")));
    for (const { name } of packed) {
      const text = spawnSync("tar", ["-xzOf", tarball(name), "package/LICENSE"], { encoding: "utf8" }).stdout;
      assert.match(text, /^MIT License\n\nCopyright \(c\) \d{4} the dj authors\n/, `${name}'s LICENSE`);
    }
  });

  test("every file a manifest points at (main, bin, exports, codec modules) is in its tarball", () => {
    for (const p of packed) {
      const manifest = JSON.parse(spawnSync("tar", ["-xzOf", tarball(p.name), "package/package.json"], { encoding: "utf8" }).stdout);
      const targets: string[] = [manifest.main, ...Object.values<string>(manifest.bin ?? {}), ...Object.values<string | { module: string }>(manifest.datajoint?.codecs ?? {}).map((c) => (typeof c === "string" ? c : c.module))];
      for (const entry of Object.values<Record<string, string>>(manifest.exports ?? {})) targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
      const inside = new Set(p.files.map((f) => f.path));
      for (const t of targets.filter(Boolean)) assert.ok(inside.has(t.replace(/^\.\//, "")), `${p.name}: ${t} is not in the tarball`);
    }
  });

  test("the tarball's manifest has no prepare script, and the clone's package.json is as it was", () => {
    const manifest = JSON.parse(spawnSync("tar", ["-xzOf", tarball("dj-cli"), "package/package.json"], { encoding: "utf8" }).stdout);
    assert.equal(manifest.scripts.prepare, undefined, "npm 11 would ask every user to approve it");
    assert.equal(readFileSync(join(clone, "package.json"), "utf8"), manifestBefore);
    assert.ok(!existsSync(join(clone, ".tmp/package.json.prepack")));
  });

  test("installing the tarballs globally and into a project prints no warning", () => {
    assert.equal(globalInstall.code, 0, show(globalInstall));
    assert.deepEqual(npmWarnings(globalInstall.stderr), [], show(globalInstall));
    assert.match(globalInstall.stdout, /added \d+ packages/);
    assert.equal(projectInstall.code, 0, show(projectInstall));
    assert.deepEqual(npmWarnings(projectInstall.stderr), [], show(projectInstall));
    assert.match(projectInstall.stdout, /added \d+ packages/);
  });

  /** The main job in a new project folder through one installed `dj`. */
  async function mainJob(dj: string, projectDir: string): Promise<void> {
    const schema = schemaName("pack");
    schemas.push(schema);
    const step = async (...args: string[]) => {
      const r = await run(dj, args, projectDir);
      assert.equal(r.code, 0, `dj ${args.join(" ")}\n${show(r)}`);
      if (args[0] !== "init") assert.equal(r.stderr, "", `dj ${args.join(" ")} wrote to stderr\n${show(r)}`); // init notes the embedded database there
      return r;
    };
    const init = await step("init");
    assert.match(init.stdout, /wrote .*dj\.config\.json/);
    // The user's next step after `dj init`: name the schema and point it at the lab's server.
    const config = JSON.parse(readFileSync(join(projectDir, "dj.config.json"), "utf8"));
    writeFileSync(join(projectDir, "dj.config.json"), JSON.stringify({ ...config, database: databaseSection, schema, requiredCodecs: ["zarr"] }, null, 2));
    writeFileSync(join(projectDir, "pipeline.dj"), `schema ${schema}\n\nRecording (manual)\n    recording_id : int32\n    ---\n    waveform : <zarr@>   # samples x channels\n`);
    const made = spawnSync("python3", ["-c", "import numpy as np; np.save('x.npy', np.random.default_rng(7).standard_normal((5000, 16)).astype('float32'))"], { cwd: projectDir, encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);

    await step("codecs", "check", "--required");
    await step("declare", "pipeline.dj");
    await step("insert", "Recording", "--key", "recording_id=1", "--from", "x.npy");
    await step("fetch", "Recording", "--key", "recording_id=1", "--out", "y.npy");
    const same = spawnSync("python3", ["-c", "import numpy as np; x = np.load('x.npy'); y = np.load('y.npy'); print(x.dtype == y.dtype and x.shape == y.shape and bool((x == y).all()))"], { cwd: projectDir, encoding: "utf8" });
    assert.equal(same.stdout.trim(), "True", same.stderr);
  }

  /** What `dj codecs list --verify --json` says runs behind <zarr@>. */
  const zarrRuntime = (stdout: string) => (JSON.parse(stdout).codecs as { name: string; runtime?: string }[]).find((c) => c.name === "zarr")?.runtime ?? "";

  /** `dj codecs list --json` as a map of codec name → the package that provides it. */
  async function providers(dj: string, cwd: string): Promise<Record<string, string>> {
    const r = await run(dj, ["codecs", "list", "--json"], cwd);
    assert.equal(r.code, 0, show(r));
    return Object.fromEntries((JSON.parse(r.stdout).codecs as { name: string; provider: string }[]).map((c) => [c.name, c.provider]));
  }

  test("the project's dj (node_modules/.bin/dj) finds dj-zarr-codecs and runs the main job", async () => {
    const dj = join(work, "project/node_modules/.bin/dj");
    const found = await providers(dj, join(work, "project"));
    assert.match(found.zarr ?? "", /^dj-zarr-codecs/, JSON.stringify(found));
    assert.equal(found.photon, undefined, "dj-photon-codecs was not installed into the project");
    await mainJob(dj, join(work, "project"));
  });

  test("the global dj (<prefix>/bin/dj) finds the plugins installed beside it, from any folder, and runs the main job", async () => {
    const dj = join(work, "global/bin/dj");
    const elsewhere = join(work, "elsewhere");
    mkdirSync(join(elsewhere, ".git"), { recursive: true });
    const found = await providers(dj, elsewhere);
    assert.match(found.zarr ?? "", /^dj-zarr-codecs/, JSON.stringify(found));
    assert.match(found.photon ?? "", /^dj-photon-codecs/, JSON.stringify(found));
    await mainJob(dj, elsewhere);
  });

  test("dj-zarr-native, added to the project by choice and approved, builds and replaces the portable encoders", { skip: skipWithout("nativeAddon") }, async () => {
    const project = join(work, "project");
    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    // What `npm install-scripts approve dj-zarr-native` writes for a package installed from a tarball.
    manifest.allowScripts[`file:${tarball("dj-zarr-native")}`] = true;
    writeFileSync(join(project, "package.json"), JSON.stringify(manifest, null, 2));
    const before = await run(join(project, "node_modules/.bin/dj"), ["codecs", "list", "--verify", "--json"], project);
    assert.match(zarrRuntime(before.stdout), /^portable/, show(before));
    const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball("dj-zarr-native")], project);
    assert.equal(install.code, 0, show(install));
    assert.deepEqual(npmWarnings(install.stderr), [], show(install));
    const list = await run(join(project, "node_modules/.bin/dj"), ["codecs", "list", "--verify", "--json"], project);
    assert.equal(list.code, 0, show(list));
    assert.match(zarrRuntime(list.stdout), /^native c-blosc/, list.stdout);
  });
});
