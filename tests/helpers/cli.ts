/**
 * Run the built binary (dist/bin/dj.js) in a temporary project, as a user would. Every run is
 * searched for its project's secrets (secret-scan.ts): a command that prints one fails its test.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { leakedSecret, projectSecrets } from "./secret-scan.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// Each test process keeps dj's code cache (bin/compile-cache.ts) in a private folder of its own,
// inherited by every dj it starts, so no test depends on what an earlier run or the developer's
// own dj left in ~/.cache/dj. Removed when the process ends.
const compileCache = mkdtempSync(join(tmpdir(), "dj-test-cache-"));
process.env.DJ_COMPILE_CACHE = compileCache;
process.once("exit", () => rmSync(compileCache, { recursive: true, force: true }));
export const djBin = join(repoRoot, "dist/bin/dj.js");
/**
 * The reference fixtures: the project's own byte-identical copy of the real NumPy, zarr-python and
 * DataJoint for Python outputs (see tests/fixtures/reference/README.md). Read, never edited;
 * `npm run fixtures:check` compares the copy with the shared set when that is present.
 */
export const fixturesDir = join(repoRoot, "tests/fixtures/reference");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runDj(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; input?: string }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const secrets = projectSecrets(opts.cwd, args, env);
    const child = spawn(process.execPath, [djBin, ...args], { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const leaked = leakedSecret(secrets, stdout, stderr);
      if (leaked) reject(new Error(`dj ${args.join(" ")} printed a secret of its project (${leaked.slice(0, 2)}…): ${stderr || stdout}`.replaceAll(leaked, "****")));
      else resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A temporary project folder with a `.git` marker so config discovery stops inside it. */
export function tempProject(files: Record<string, string | object> = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dj-test-"));
  mkdirSync(join(dir, ".git"));
  for (const [rel, content] of Object.entries(files)) writeFile(dir, rel, content);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(dir: string, rel: string, content: string | object): string {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

/** A fake codec plugin package in `<project>/node_modules/<name>` (for discovery tests). */
export function writePlugin(
  projectDir: string,
  pkg: { name: string; version?: string; codecs: Record<string, string>; apiVersion?: number; modules?: Record<string, string> },
): string {
  const dir = join(projectDir, "node_modules", pkg.name);
  writeFile(dir, "package.json", {
    name: pkg.name,
    version: pkg.version ?? "1.0.0",
    type: "module",
    description: `test plugin ${pkg.name}`,
    datajoint: { codecs: pkg.codecs, ...(pkg.apiVersion === undefined ? {} : { apiVersion: pkg.apiVersion }) },
  });
  for (const [rel, src] of Object.entries(pkg.modules ?? {})) writeFile(dir, rel, src);
  return dir;
}

/** Source of a minimal codec module: stores JSON, optionally chaining to another codec. */
export function codecModule(name: string, dtype: string): string {
  return `export default {
  name: ${JSON.stringify(name)},
  description: "test codec ${name}",
  accepts: ["value"],
  getDtype(isStore) { return ${JSON.stringify(dtype)}; },
  async encode(v) { return v; },
  async decode(v) { return { kind: "value", value: v }; },
};\n`;
}
