/**
 * The layering held by a test: scripts/check-imports.mjs over the real tree finds nothing, and
 * over small made-up trees it finds each kind of violation (so the rules themselves can fail).
 * The made-up trees are real files in a temporary folder, read the same way as the repository.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { repoRoot } from "../helpers/cli.js";
// @ts-expect-error: a plain .mjs script, without type declarations
import * as rules from "../../scripts/check-imports.mjs";

interface Finding {
  rule: string;
  from?: string;
  line?: number;
  layers?: string[];
}
const { check, importsOf, report } = rules as {
  check(root: string): { violations: Finding[]; cycles: Finding[] };
  importsOf(source: string, fileName?: string): { specifier: string; line: number; typeOnly: boolean }[];
  report(result: { violations: Finding[]; cycles: Finding[] }): string;
};

const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A tree of files (path → text) in a new temporary folder, with the folders the checker walks. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "dj-imports-"));
  made.push(root);
  for (const dir of ["src", "bin", "packages"]) mkdirSync(join(root, dir));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** "rule from:line" for each violation, "cycle a → b → a" for each loop. */
function findings(root: string): string[] {
  const { violations, cycles } = check(root);
  return [...violations.map((v) => `${v.rule} ${v.from}:${v.line}`), ...cycles.map((c) => `cycle ${c.layers!.join(" → ")}`)];
}

test("the repository keeps the import rules", () => {
  const result = check(repoRoot);
  assert.equal(result.violations.length + result.cycles.length, 0, `\n${report(result)}`);
});

describe("the parser finds every kind of import, and only imports", () => {
  const source = [
    'import a from "./a.js";',
    'import type { B } from "./b.js";',
    'import { type C, type D } from "./c.js";',
    'import { e, type E } from "./e.js";',
    'export { f } from "./f.js";',
    'export type { G } from "./g.js";',
    'export * from "./h.js";',
    'import "./side-effect.js";',
    'const lazy = await import("./lazy.js");',
    'let t: typeof import("./typeof.js");',
    'type T = import("./type-position.js").T;',
    'const r = require("./required.cjs");',
    'const text = `import x from "./in-a-template.js";`;',
    '// import y from "./in-a-comment.js";',
    'const s = "import z from \'./in-a-string.js\'";',
  ].join("\n");
  const found = importsOf(source, "src/x/file.ts");
  const bySpecifier = new Map(found.map((i) => [i.specifier, i]));

  test("all twelve imports, with their lines", () => {
    assert.deepEqual(
      found.map((i) => `${i.line} ${i.specifier}`),
      ["1 ./a.js", "2 ./b.js", "3 ./c.js", "4 ./e.js", "5 ./f.js", "6 ./g.js", "7 ./h.js", "8 ./side-effect.js", "9 ./lazy.js", "10 ./typeof.js", "11 ./type-position.js", "12 ./required.cjs"],
    );
  });

  test("type-only imports are told apart (and still counted)", () => {
    const typeOnly = found.filter((i) => i.typeOnly).map((i) => i.specifier);
    assert.deepEqual(typeOnly, ["./b.js", "./c.js", "./g.js", "./typeof.js", "./type-position.js"]);
    assert.equal(bySpecifier.get("./e.js")!.typeOnly, false, "a value import with one type name is a value import");
  });

  test("text that only looks like an import is not one", () => {
    for (const s of ["./in-a-template.js", "./in-a-comment.js", "./in-a-string.js"]) assert.ok(!bySpecifier.has(s), s);
  });
});

describe("each rule fails on a tree that breaks it", () => {
  test("a clean layered tree passes", () => {
    const root = tree({
      "bin/dj.ts": 'import { run } from "../src/cli.js";',
      "src/cli.ts": 'import "./commands/data.js"; import "./errors.js";',
      "src/commands/data.ts": 'import { insert } from "../services/insert.js"; import "../ui/table.js";',
      "src/services/insert.ts": 'import "../db/open.js"; import "../stores/open.js"; import "../codecs/registry.js"; import "../formats/npy.js";',
      "src/codecs/registry.ts": 'import type { Store } from "../stores/types.js"; import { hashPath } from "../stores/addressing.js"; import "../formats/npy.js";',
      "src/formats/npy.ts": 'import { readFile } from "node:fs/promises"; import "./dtype.js"; import { deflate } from "pako";',
      "src/db/mysql/driver.ts": 'const m = await import("mysql2/promise");',
      "src/stores/s3.ts": 'import { S3Client } from "@aws-sdk/client-s3";',
      "packages/dj-x/src/x.ts": 'import type { Codec } from "dj-cli"; import { z } from "numcodecs/zstd"; import "./y.js";',
    });
    assert.deepEqual(findings(root), []);
  });

  test("a command that imports db/ or stores/, a type import included", () => {
    const root = tree({
      "src/commands/doctor.ts": 'const { openDialect } = await import("../db/open.js");\nimport type { Store } from "../stores/types.js";',
      "src/services/insert.ts": 'import "../db/open.js"; import "../stores/open.js";',
    });
    assert.deepEqual(findings(root), ["commands-imports src/commands/doctor.ts:1", "commands-imports src/commands/doctor.ts:2"]);
  });

  test("a codec that imports commands/, ui/, db/ or a store implementation", () => {
    const root = tree({
      "src/codecs/scaffold.ts": [
        'import type { CommandContext } from "../commands/context.js";',
        'import { plural } from "../ui/plural.js";',
        'import type { Dialect } from "../db/types.js";',
        'import { FileStore } from "../stores/file.js";',
        'import type { Store } from "../stores/types.js";',
      ].join("\n"),
    });
    assert.deepEqual(findings(root), ["codecs-imports src/codecs/scaffold.ts:1", "codecs-imports src/codecs/scaffold.ts:2", "codecs-imports src/codecs/scaffold.ts:3", "codecs-imports src/codecs/scaffold.ts:4"]);
  });

  test("formats/ that imports anything of dj outside formats/, or a package but pako", () => {
    const root = tree({
      "src/formats/npy.ts": 'import { InputError } from "../errors.js";\nimport { z } from "zod";\nimport { createHash } from "node:crypto";\nimport "./dtype.js";',
    });
    assert.deepEqual(findings(root), ["formats-imports src/formats/npy.ts:1", "formats-pure src/formats/npy.ts:2"]);
  });

  test("a plugin that reaches past the public API", () => {
    const root = tree({
      "packages/dj-x/src/x.ts": 'import { schemaPath } from "../../../src/stores/addressing.js";\nimport type { Codec } from "dj-cli/dist/src/codecs/types.js";\nimport type { Store } from "dj-cli";',
    });
    assert.deepEqual(findings(root), ["plugin-public-api packages/dj-x/src/x.ts:1", "plugin-public-api packages/dj-x/src/x.ts:2"]);
  });

  test("a heavy package imported away from its one home", () => {
    const root = tree({
      "src/services/insert.ts": 'import type { Pool } from "mysql2/promise";\nconst s3 = await import("@aws-sdk/lib-storage");',
      "src/db/mysql/driver.ts": 'import type { Pool } from "mysql2/promise";',
    });
    assert.deepEqual(findings(root), ["package-home src/services/insert.ts:1", "package-home src/services/insert.ts:2"]);
  });

  test("a folder that is not in the layer table, and a kernel module that imports a layer", () => {
    const root = tree({
      "src/data/insert.ts": 'import "../db/open.js";',
      "src/errors.ts": 'import type { Heading } from "./schema/heading.js";',
    });
    assert.deepEqual(findings(root), ["unknown-layer src/data/insert.ts:1", "kernel-imports src/errors.ts:1"]);
  });

  test("folder cycles, each named once by the import that breaks the rules", () => {
    const root = tree({
      "src/codecs/types.ts": 'import type { Store } from "../stores/types.js";',
      "src/stores/addressing.ts": 'import type { KeyValue } from "../codecs/types.js";',
      "src/codecs/scaffold.ts": 'import type { CommandContext } from "../commands/context.js";',
      "src/commands/codecs.ts": 'import { loadRegistry } from "../codecs/registry.js";',
    });
    const { cycles } = check(root);
    assert.deepEqual(
      cycles.map((c) => c.layers!.join(" → ")),
      ["codecs → commands → codecs", "codecs → stores → codecs"],
    );
  });

  test("a loop of three folders is found too", () => {
    const root = tree({
      "src/codecs/hints.ts": 'import { nearest } from "../config/nearest.js";',
      "src/config/load.ts": 'import { isValidSchemaName } from "../schema/schema-name.js";',
      "src/schema/compile.ts": 'import { parseTypeSpec } from "../codecs/typespec.js";',
    });
    assert.deepEqual(findings(root), ["config-imports src/config/load.ts:1", "cycle codecs → config → schema → codecs"]);
  });
});
