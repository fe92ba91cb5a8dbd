import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { loadRegistry } from "../../src/codecs/registry.js";
import { parseTypeSpec } from "../../src/codecs/typespec.js";
import { isDjError } from "../../src/errors.js";
import { codecModule, tempProject, writeFile, writePlugin } from "../helpers/cli.js";

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function project() {
  const p = tempProject();
  cleanups.push(p.cleanup);
  return p.dir;
}

describe("type specs", () => {
  test("<name>, <name@>, <name@store>", () => {
    assert.deepEqual(parseTypeSpec("<blob>"), { name: "blob", store: null });
    assert.deepEqual(parseTypeSpec("<blob@>"), { name: "blob", store: "" });
    assert.deepEqual(parseTypeSpec(" <zarr@mystore> "), { name: "zarr", store: "mystore" });
    assert.throws(() => parseTypeSpec("<>"), (e) => isDjError(e, "codec"));
    assert.throws(() => parseTypeSpec("<a@b/c>"), /invalid store name/);
  });
});

describe("discovery and chains", () => {
  test("plugins are found in node_modules, scoped and symlinked, without importing them", async () => {
    const dir = project();
    writePlugin(dir, { name: "plain-codecs", codecs: { plain: "./plain.js" }, modules: { "plain.js": codecModule("plain", "json") } });
    writePlugin(dir, { name: "@lab/scoped", codecs: { scoped: "./s.js" }, modules: { "s.js": "throw new Error('imported too early')" } });
    // A workspace-style link: node_modules/linked -> ../packages/linked
    const target = join(dir, "packages/linked");
    writeFile(target, "package.json", { name: "linked", version: "2.0.0", datajoint: { codecs: { linked: "./l.js" } } });
    writeFile(target, "l.js", codecModule("linked", "json"));
    symlinkSync(target, join(dir, "node_modules/linked"));
    mkdirSync(join(dir, "sub"));
    const registry = loadRegistry({ projectDir: join(dir, "sub") });
    const names = registry.list().filter((e) => e.provider !== "built-in").map((e) => `${e.name}:${e.provider}`);
    assert.deepEqual(registry.list().filter((e) => e.provider === "built-in").map((e) => e.name), ["attach", "blob", "filepath", "hash", "npy", "object"]);
    assert.deepEqual(names, ["linked:linked@2.0.0", "plain:plain-codecs@1.0.0", "scoped:@lab/scoped@1.0.0"]);
    assert.equal((await registry.get("linked")).name, "linked");
  });

  test("a manifest bigger than the read buffer (64 KiB) is read whole; a package.json that is a folder is skipped", () => {
    const dir = project();
    // "datajoint" only after 100 KB of other keys: the marker is beyond the first read.
    writeFile(join(dir, "node_modules/big-codecs"), "package.json", { name: "big-codecs", version: "1.0.0", keywords: Array.from({ length: 5000 }, (_, i) => `keyword-${i}-padding`), datajoint: { codecs: { big: "./b.js" } } });
    mkdirSync(join(dir, "node_modules/odd/package.json"), { recursive: true });
    writePlugin(dir, { name: "small-codecs", codecs: { small: "./s.js" } });
    const names = loadRegistry({ projectDir: dir }).list().filter((e) => e.provider !== "built-in").map((e) => e.name);
    assert.deepEqual(names, ["big", "small"]);
  });

  test("a module that fails to load is reported with its real error", async () => {
    const dir = project();
    writePlugin(dir, { name: "broken", codecs: { broken: "./b.js" }, modules: { "b.js": "throw new Error('boom at import')" } });
    const registry = loadRegistry({ projectDir: dir });
    await assert.rejects(registry.get("broken"), (e) => isDjError(e, "codec") && /boom at import/.test(e.message));
    assert.equal(registry.entry("broken")?.status, "error");
  });

  test("two packages declaring one codec name is an error naming both", async () => {
    const dir = project();
    writePlugin(dir, { name: "one", codecs: { same: "./x.js" }, modules: { "x.js": codecModule("same", "json") } });
    writePlugin(dir, { name: "two", codecs: { same: "./x.js" }, modules: { "x.js": codecModule("same", "json") } });
    const registry = loadRegistry({ projectDir: dir });
    await assert.rejects(registry.get("same"), (e) => isDjError(e, "codec") && /one@1\.0\.0/.test(e.message) && /two@1\.0\.0/.test(e.message));
  });

  test("an incompatible apiVersion is listed as incompatible with what to upgrade", async () => {
    const dir = project();
    writePlugin(dir, { name: "future", apiVersion: 2, codecs: { future: "./f.js" }, modules: { "f.js": codecModule("future", "json") } });
    const entry = loadRegistry({ projectDir: dir }).entry("future");
    assert.equal(entry?.status, "incompatible");
    assert.match(entry?.problem ?? "", /upgrade dj/);
  });

  test("chains resolve with the store propagating inward; cycles are detected", async () => {
    const dir = project();
    writePlugin(dir, {
      name: "chain",
      codecs: { outer: "./o.js", inner: "./i.js", c1: "./c1.js", c2: "./c2.js" },
      modules: {
        "o.js": codecModule("outer", "<inner>"),
        "i.js": codecModule("inner", "json"),
        "c1.js": codecModule("c1", "<c2>"),
        "c2.js": codecModule("c2", "<c1>"),
      },
    });
    const registry = loadRegistry({ projectDir: dir });
    const chain = await registry.resolveChain("<outer@cold>");
    assert.deepEqual(chain.chain.map((c) => c.name), ["outer", "inner"]);
    assert.equal(chain.finalDtype, "json");
    assert.equal(chain.store, "cold");
    await assert.rejects(registry.resolveChain("<c1>"), /Circular codec reference detected: <c1>/);
    await assert.rejects(registry.resolveChain("<zarr@s>"), (e) => isDjError(e, "codec") && e.hint === "npm install dj-zarr-codecs");
  });
});
