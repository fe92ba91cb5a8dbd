/**
 * Loading the optional dj-zarr-native addon: absent (not installed, or installed and not built)
 * falls back to the portable encoders as designed; an addon that is there but fails to load
 * falls back too, but says why instead of hiding it. Real packages in a temporary folder: the
 * package's own index.cjs, and for the failing case an addon file the system loader refuses.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadNative } from "../../packages/dj-zarr-codecs/src/native.js";
import { repoRoot } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder whose node_modules holds dj-zarr-native as given: null (none), "unbuilt", or the bytes of its addon file. */
function projectWith(addon: null | "unbuilt" | Uint8Array): (id: string) => unknown {
  const dir = mkdtempSync(join(tmpdir(), "dj-native-load-"));
  made.push(dir);
  if (addon !== null) {
    const pkg = join(dir, "node_modules/dj-zarr-native");
    mkdirSync(pkg, { recursive: true });
    for (const f of ["index.cjs", "package.json"]) copyFileSync(join(repoRoot, "packages/dj-zarr-native", f), join(pkg, f));
    if (addon !== "unbuilt") {
      mkdirSync(join(pkg, "build/Release"), { recursive: true });
      writeFileSync(join(pkg, "build/Release/dj_zarr_native.node"), addon);
    }
  }
  return createRequire(join(dir, "index.js"));
}

test("not installed: absent, the portable encoders by design", () => {
  assert.deepEqual(loadNative(projectWith(null), {}), { status: "absent", reason: "dj-zarr-native is not installed" });
});

test("installed but not built: absent", () => {
  assert.deepEqual(loadNative(projectWith("unbuilt"), {}), { status: "absent", reason: "dj-zarr-native is not built" });
});

test("built but failing to load: failed, with the loader's reason", () => {
  const state = loadNative(projectWith(new TextEncoder().encode("not a shared object\n")), {});
  assert.equal(state.status, "failed");
  assert.match((state as { reason: string }).reason, /^dj-zarr-native is installed but failed to load \(.*dj_zarr_native\.node: .*\)$/);
  assert.equal(((state as { error: NodeJS.ErrnoException }).error).code, "ERR_DLOPEN_FAILED");
});

test("DJ_ZARR_NATIVE=0: off, whatever is installed", () => {
  assert.deepEqual(loadNative(projectWith("unbuilt"), { DJ_ZARR_NATIVE: "0" }), { status: "off", reason: "DJ_ZARR_NATIVE=0 turns dj-zarr-native off" });
});

test("the real addon loads", { skip: skipWithout("nativeAddon") }, () => {
  const state = loadNative(createRequire(join(repoRoot, "packages/dj-zarr-codecs/src/native.ts")), {});
  assert.equal(state.status, "loaded");
  assert.match((state as { codecs: { bloscVersion: string } }).codecs.bloscVersion, /^1\.\d+\.\d+/);
});
