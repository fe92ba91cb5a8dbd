/**
 * The committed WebAssembly Blosc-lz4 writer is what its sources build: scripts/build-blosc-wasm.sh,
 * run into a scratch file, gives the committed bytes. So the .wasm that ships is reviewable as
 * C (wasm/blosc_lz4.c and the vendored liblz4, PATCHES.md), and a source edit without a rebuild
 * is caught here.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";

const committed = join(repoRoot, "packages/dj-zarr-codecs/wasm/blosc-lz4.wasm");

test("scripts/build-blosc-wasm.sh rebuilds the committed blosc-lz4.wasm byte for byte", { skip: skipWithout("wasmToolchain") }, () => {
  const dir = mkdtempSync(join(tmpdir(), "dj-wasm-build-"));
  try {
    const out = join(dir, "rebuilt.wasm");
    const r = spawnSync("bash", [join(repoRoot, "scripts/build-blosc-wasm.sh"), out], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(committed)), "blosc-lz4.wasm is not what its sources build: run bash scripts/build-blosc-wasm.sh and commit the result");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the packed dj-zarr-codecs ships the .wasm with liblz4's licence", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "packages/dj-zarr-codecs/package.json"), "utf8")) as { files: string[] };
  assert.ok(pkg.files.includes("wasm"), `files: ${pkg.files}`);
  assert.match(readFileSync(join(repoRoot, "packages/dj-zarr-codecs/wasm/vendor/lz4/LICENSE"), "utf8"), /BSD|Redistribution and use/);
});
