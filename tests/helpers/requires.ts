/**
 * Optional parts that some tests need beyond Node and the project's own dependencies. A test that
 * needs one that is missing is skipped, with the reason and the command that adds it, so that
 * `npm test` passes on a fresh machine. Under CI (`CI=true`) nothing is skipped: `.ci/run`
 * installs every part, and a skip there would hide a failure, so the tests run and fail, and
 * tests/unit/required-parts.test.ts names the part that is missing.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "./cli.js";

export interface OptionalPart {
  /** What is missing, in a user's words. */
  readonly what: string;
  /** The command that adds it on a machine of this kind. */
  readonly enable: string;
  readonly present: () => boolean;
}

const python = (exe: string, code: string) => () => spawnSync(exe, ["-c", code], { stdio: "ignore" }).status === 0;

export const parts = {
  numpy: {
    what: "NumPy for python3 on PATH",
    enable: "python3 -m pip install numpy",
    present: python("python3", "import numpy"),
  },
  pythonZarr: {
    what: "zarr 2.13 and numcodecs for Debian's /usr/bin/python3",
    enable: "apt-get install -y python3-zarr python3-numcodecs",
    present: python("/usr/bin/python3", "import zarr, numcodecs"),
  },
  nativeAddon: {
    what: "the dj-zarr-native addon (built against libblosc-dev and libzstd-dev)",
    enable: "apt-get install -y libblosc-dev libzstd-dev && npm rebuild dj-zarr-native",
    present: () => {
      try {
        createRequire(join(repoRoot, "package.json"))("dj-zarr-native");
        return true;
      } catch {
        return false; // not built: index.cjs cannot find build/Release/dj_zarr_native.node
      }
    },
  },
  wasmToolchain: {
    what: "clang-14 and lld-14 (they rebuild dj-zarr-codecs' WebAssembly Blosc-lz4 writer)",
    enable: "apt-get install -y clang-14 lld-14",
    present: () => spawnSync("clang-14", ["--version"], { stdio: "ignore" }).status === 0 && spawnSync("wasm-ld-14", ["--version"], { stdio: "ignore" }).status === 0,
  },
  zstdCli: {
    what: "the zstd command line",
    enable: "apt-get install -y zstd",
    present: () => spawnSync("zstd", ["--version"], { stdio: "ignore" }).status === 0,
  },
} satisfies Record<string, OptionalPart>;

export type PartName = keyof typeof parts;

const known = new Map<PartName, boolean>();
export function isPresent(name: PartName): boolean {
  if (!known.has(name)) known.set(name, parts[name].present());
  return known.get(name)!;
}

export const underCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * For `test(name, { skip: skipWithout("pythonZarr") }, ...)`: the skip reason when a part is
 * missing outside CI, else false (the test runs).
 */
export function skipWithout(...names: PartName[]): string | false {
  if (underCi) return false;
  const missing = names.filter((n) => !isPresent(n));
  if (missing.length === 0) return false;
  return missing.map((n) => `needs ${parts[n].what}; enable with: ${parts[n].enable}`).join("; ");
}

/**
 * For a test whose dj part runs everywhere and whose last check needs an optional part: marks the
 * test skipped (with the reason) and returns true when the part is missing, so the caller returns
 * before that check. Later tests that build on the rows it inserted still find them.
 */
export function skipRestWithout(t: { skip(message?: string): void }, ...names: PartName[]): boolean {
  const reason = skipWithout(...names);
  if (reason) t.skip(`the rest ${reason}`);
  return reason !== false;
}
