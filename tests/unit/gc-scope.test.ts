/** The pieces gc's safety rests on: the "covered" rule, store locations, prefix validation. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PathSet } from "../../src/stores/path-set.js";
import { overlappingGroups, rootsOverlap, storeRoot } from "../../src/stores/location.js";
import { validateStores, type Problem } from "../../src/config/stores.js";
import type { ResolvedConfig } from "../../src/config/types.js";

test("PathSet covers a path, what lies under it and its manifest — nothing else", () => {
  const s = new PathSet();
  s.add("_schema/lab/t/id=1/w_abc.zarr");
  s.add("_hash/lab/aaaa");
  for (const k of ["_schema/lab/t/id=1/w_abc.zarr", "_schema/lab/t/id=1/w_abc.zarr/0.0", "_schema/lab/t/id=1/w_abc.zarr/c/0/0", "_schema/lab/t/id=1/w_abc.zarr.manifest.json", "_hash/lab/aaaa"]) {
    assert.ok(s.covers(k), k);
  }
  for (const k of ["_schema/lab/t/id=1/w_abc.zarr2", "_schema/lab/t/id=1", "_schema/lab/t/id=1/w_ab", "_hash/lab/aaaab", "_hash/lab"]) {
    assert.ok(!s.covers(k), k);
  }
});

test("store roots: symlinked file locations and differently spelled S3 endpoints are one location", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dj-loc-"));
  try {
    mkdirSync(join(dir, "store"));
    symlinkSync(join(dir, "store"), join(dir, "alias"));
    const s3 = (endpoint: string, location: string, secure?: boolean) => ({ protocol: "s3", endpoint, bucket: "b", location, ...(secure === undefined ? {} : { secure }) });
    const config = {
      baseDir: dir,
      stores: {
        default: "a",
        filepath_default: null,
        specs: {
          a: { protocol: "file", location: "./store" },
          b: { protocol: "file", location: "alias/" },
          c: { protocol: "file", location: "./elsewhere-missing" },
          x: s3("https://S3.example.org:443", "data"),
          y: s3("s3.example.org", "/data/", true),
          z: s3("s3.example.org", "data/sub", true),
          w: s3("http://s3.example.org", "data", false),
        },
      },
    } as unknown as ResolvedConfig;
    assert.equal((await storeRoot(config, "a")).root, (await storeRoot(config, "b")).root);
    assert.equal((await storeRoot(config, "c")).root, null);
    assert.equal((await storeRoot(config, "x")).root, "s3://s3.example.org/b/data");
    assert.equal((await storeRoot(config, "y")).root, "s3://s3.example.org/b/data");
    assert.ok(rootsOverlap((await storeRoot(config, "x")).root!, (await storeRoot(config, "z")).root!));
    assert.ok(!rootsOverlap("s3://h/b/data", "s3://h/b/database"));
    const groups = await overlappingGroups(config);
    // http and https to one host are taken as one service: over-counting references is the safe side.
    assert.deepEqual(groups.map((g) => g.stores), [["a", "b"], ["w", "x", "y", "z"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("prefix shapes: empty, absolute, dot segments, backslashes and .dj-gc are problems; defaults are fine", () => {
  const check = (extra: Record<string, unknown>) => {
    const problems: Problem[] = [];
    validateStores({ s: { protocol: "file", location: ".", ...extra } }, problems);
    return problems.map((p) => p.path);
  };
  assert.deepEqual(check({}), []);
  assert.deepEqual(check({ hash_prefix: "objects/hash", schema_prefix: "objects/schema", filepath_prefix: null }), []);
  assert.deepEqual(check({ hash_prefix: "" }), ["stores.s.hash_prefix"]);
  assert.deepEqual(check({ schema_prefix: "///" }), ["stores.s.schema_prefix"]);
  assert.deepEqual(check({ schema_prefix: "/x" }), ["stores.s.schema_prefix"]);
  assert.deepEqual(check({ schema_prefix: "x/./y" }), ["stores.s.schema_prefix"]);
  assert.deepEqual(check({ hash_prefix: "a\\b" }), ["stores.s.hash_prefix"]);
  assert.deepEqual(check({ filepath_prefix: "raw//x" }), ["stores.s.filepath_prefix"]);
  assert.deepEqual(check({ hash_prefix: ".dj-gc" }), ["stores.s.hash_prefix"]);
  assert.deepEqual(check({ filepath_prefix: "_hash/raw" }), ["stores.s.filepath_prefix"]);
});
