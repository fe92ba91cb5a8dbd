/**
 * `dj codecs list --verify` says why <zarr@> runs on the portable encoders: an addon that is
 * installed but fails to load is named with the loader's reason, not passed off as "not built".
 * The project gets its own copy of dj-zarr-codecs (its built dist/) next to a dj-zarr-native
 * whose addon file the system loader refuses, so the plugin resolves that one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";

const { dir, cleanup } = tempProject({ "dj.config.json": {} });
after(cleanup);

/** dj-zarr-codecs as installed from its package, beside a dj-zarr-native that is not built. */
function installPlugin(): void {
  const modules = join(dir, "node_modules");
  const plugin = join(modules, "dj-zarr-codecs");
  mkdirSync(plugin, { recursive: true });
  copyFileSync(join(repoRoot, "packages/dj-zarr-codecs/package.json"), join(plugin, "package.json"));
  cpSync(join(repoRoot, "packages/dj-zarr-codecs/dist"), join(plugin, "dist"), { recursive: true });
  for (const dep of ["numcodecs", "lz4-napi"]) symlinkSync(join(repoRoot, "node_modules", dep), join(modules, dep));
  const native = join(modules, "dj-zarr-native");
  mkdirSync(native);
  for (const f of ["index.cjs", "package.json"]) copyFileSync(join(repoRoot, "packages/dj-zarr-native", f), join(native, f));
}

const zarrEntry = async () => {
  const r = await runDj(["codecs", "list", "--verify", "--json"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).codecs.find((c: { name: string }) => c.name === "zarr");
};

test("an addon that is not built: the portable encoders, said so", async () => {
  installPlugin();
  const zarr = await zarrEntry();
  assert.equal(zarr.status, "ok");
  // zstd-napi, an optional peer too, is not in this project either.
  assert.equal(zarr.runtime, "portable encoders: dj-zarr-native is not built; zstd through WASM (zstd-napi is not installed)");
});

test("an addon that is built but fails to load: named, with the loader's reason", async () => {
  const release = join(dir, "node_modules/dj-zarr-native/build/Release");
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, "dj_zarr_native.node"), "not a shared object\n");
  const zarr = await zarrEntry();
  assert.equal(zarr.status, "ok", "the codec still works, on the portable encoders");
  assert.match(zarr.runtime, /^portable encoders: dj-zarr-native is installed but failed to load \(.*dj_zarr_native\.node: .*\); zstd through WASM \(zstd-napi is not installed\)$/);
  const table = await runDj(["codecs", "list", "--verify"], { cwd: dir });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /failed/, "the table's status column says so too (wrapped: only one word is matched)");
});

test("a zstd-napi that is installed but was never built: named with the command that builds it", async () => {
  const napi = join(dir, "node_modules/zstd-napi");
  mkdirSync(napi, { recursive: true });
  for (const f of ["package.json", "binding.js"]) copyFileSync(join(repoRoot, "node_modules/zstd-napi", f), join(napi, f));
  cpSync(join(repoRoot, "node_modules/zstd-napi/dist"), join(napi, "dist"), { recursive: true });
  try {
    const zarr = await zarrEntry();
    assert.equal(zarr.status, "ok");
    assert.match(zarr.runtime, /; zstd through WASM; zstd-napi cannot be loaded \(installed but not built: Cannot find module .*binding\.node.*; run npm rebuild zstd-napi\)$/);
  } finally {
    rmSync(napi, { recursive: true, force: true });
  }
});

test("a zstd-napi that is installed but fails to load: named, and zstd runs on the WASM build at every level", async () => {
  const napi = join(dir, "node_modules/zstd-napi");
  mkdirSync(join(napi, "build/Release"), { recursive: true });
  for (const f of ["package.json", "binding.js"]) copyFileSync(join(repoRoot, "node_modules/zstd-napi", f), join(napi, f));
  cpSync(join(repoRoot, "node_modules/zstd-napi/dist"), join(napi, "dist"), { recursive: true });
  writeFileSync(join(napi, "build/Release/binding.node"), "not a shared object\n");
  const zarr = await zarrEntry();
  assert.equal(zarr.status, "ok");
  assert.match(zarr.runtime, /; zstd through WASM; zstd-napi cannot be loaded \(.*binding\.node.*\)$/);
  // The codec the worker threads would load: the WASM build, for encoding and decoding alike.
  const compressors = join(dir, "node_modules/dj-zarr-codecs/dist/compressors.js");
  const probe = spawnSync(process.execPath, ["--input-type=module", "-e", `
const { loadWasmCodec } = await import(${JSON.stringify(compressors)});
for (const level of [1, 5]) {
  const c = await loadWasmCodec({ id: "zstd", level });
  const data = new Uint8Array(100000).map((_, i) => i % 7);
  const back = await c.decode(await c.encode(data));
  console.log(level, c.encoder, Buffer.from(back).equals(Buffer.from(data)));
}`], { encoding: "utf8", env: { ...process.env, DJ_ZARR_NATIVE: "0" } });
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout, "1 wasm true\n5 wasm true\n");
});
