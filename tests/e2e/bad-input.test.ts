/**
 * Bad input against the built binary: each case gets its documented exit code, a one-line
 * message, no stack trace, and changes nothing (rows counted and store objects listed before and
 * after). All output is also searched for the configured secrets. On all three dialects.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, repoRoot, runDj, tempProject, type RunResult } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";
import { caseFile, npyCases, numpyVerdicts, type NumpyVerdict } from "../helpers/npy-cases.js";

const SECRET_PW = "db-secret-Zx81!";
const SECRET_KEY = "s3-secret-Qv27?";

for (const dialect of dialects)
describe(`bad input changes nothing (${dialect.name})`, () => {
  const schema = schemaName("bad");
  let dir: string;
  let cleanup: () => void;
  const outputs: RunResult[] = [];
  const dj = async (...a: string[]) => {
    const r = await runDj(a, { cwd: dir });
    outputs.push(r);
    return r;
  };
  const state = async () => {
    const rows = JSON.parse((await runDj(["fetch", "Rec", "--json"], { cwd: dir })).stdout).rows.length;
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
    };
    walk(join(dir, "store"));
    return { rows, files: files.sort() };
  };

  before(async () => {
    // The test server's root has no password, so the database secret is only given (DJ_PASS) to
    // runs that are expected to be refused; the store secret sits on a store that is never reachable.
    ({ dir, cleanup } = tempProject({
      "dj.config.json": configFor(dialect, {
        schema,
        stores: {
          default: "local",
          local: { protocol: "file", location: "./store" },
          vault: { protocol: "s3", endpoint: "127.0.0.1:1", bucket: "vault", location: "x", access_key: "AK", secret_key: SECRET_KEY, secure: false },
        },
      }),
      "p.dj": `schema ${schema}\n\nRec (manual)\n    rec : varchar(200)\n    ---\n    w : <zarr@>\n    m = null : <photon@>\n`,
    }));
    mkdirSync(join(dir, "store"));
    mkdirSync(join(dir, "node_modules"));
    for (const p of ["dj-zarr-codecs", "dj-photon-codecs"]) symlinkSync(join(repoRoot, "packages", p), join(dir, "node_modules", p));
    spawnSync("python3", ["-c", `import numpy as np; np.save("${dir}/a.npy", np.arange(60.0).reshape(6, 10)); np.save("${dir}/c.npy", (np.arange(24) * 1j).reshape(2, 3, 4))`]);
    const r = await runDj(["declare", "p.dj"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await runDj(["insert", "Rec", "--key", "rec=ok", "--from", "w=a.npy"], { cwd: dir })).code, 0);
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  const cases: Array<[string, () => string[], number, RegExp]> = [
    ...readdirSync(join(fixturesDir, "npy"))
      .filter((f) => f.startsWith("bad_"))
      .map((f): [string, () => string[], number, RegExp] => [`invalid .npy ${f}`, () => ["insert", "Rec", "--key", `rec=${f}`, "--from", `w=${join(fixturesDir, "npy", f)}`], 7, new RegExp(f.replace(/\./g, "\\."))]),
    ["a dtype the codec rejects (complex movie for <photon@>)", () => ["insert", "Rec", "--key", "rec=c", "--from", "w=a.npy", "--from", "m=c.npy"], 7, /real numeric photon counts/],
    ["an unknown store in --from", () => ["insert", "Rec", "--key", "rec=x", "--from", "nope=a.npy"], 2, /has no attribute "nope"/],
    ["a key value with quotes and backticks", () => ["insert", "Rec", "--key", "rec=it's `x` \"y\"", "--from", "w=missing.npy"], 7, /missing\.npy: no such file/],
    // Not "missing": the path exists, but following it loops.
    ["a --from path that is a symlink loop", () => { for (const [to, at] of [["loop-b", "loop-a"], ["loop-a", "loop-b"]]) { try { symlinkSync(to!, join(dir, at!)); } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; } } return ["insert", "Rec", "--key", "rec=loop", "--from", "w=loop-a"]; }, 7, /cannot read loop-a \(for w\): too many levels of symbolic links/],
    // Command-line arguments cannot carry NUL; a rows file can.
    ["a key value with NUL", () => { writeFileSync(join(dir, "nul.jsonl"), '{"rec": "a\\u0000b", "w": "@a.npy"}\n'); return ["insert", "Rec", "--rows", "nul.jsonl"]; }, 7, /NUL/],
    ["key values with % and ..", () => ["insert", "Rec", "--key", "rec=../%2e%2e/x", "--from", "w=c.npy", "--from", "m=c.npy"], 7, /real numeric photon counts/],
    ["a key value too long for its type", () => ["insert", "Rec", "--key", `rec=${"x".repeat(201)}`, "--from", "w=a.npy"], 7, /longer than 200 characters/],
    ["a table name shaped like SQL injection", () => ["fetch", "Rec`; DROP TABLE rec; --"], 2, /invalid table reference/],
    ["an unknown table", () => ["fetch", `${schema}.Nope`], 4, /does not exist/],
    ["an unknown codec in a definition", () => { writeFileSync(join(dir, "u.dj"), `schema ${schema}\n\nU (manual)\n    id : int32\n    ---\n    v : <mystery@>\n`); return ["declare", "u.dj"]; }, 6, /u\.dj:6: Unknown codec: <mystery>/],
    ["an unknown store in a definition's codec", () => { writeFileSync(join(dir, "s.dj"), `schema ${schema}\n\nS (manual)\n    id : int32\n    ---\n    v : <zarr@cold>\n`); writeFileSync(join(dir, "s.npy"), ""); return ["declare", "s.dj"]; }, 0, /created/],
  ];
  for (const [name, args, code, re] of cases) {
    test(name, async () => {
      const before = await state();
      const r = await dj(...args());
      assert.equal(r.code, code, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, re);
      if (code !== 0) {
        assert.equal(r.stderr.trim().split("\n").filter((l) => !l.startsWith("  hint:")).length, 1, `one line: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      }
      assert.deepEqual(await state(), before);
    });
  }

  // Hand-written .npy headers, each judged by NumPy's own np.load inside this test (the whole
  // list runs against dj's reader in tests/unit/npy-numpy-rules.test.ts; these go through the
  // binary): what NumPy refuses is exit 7 with nothing changed, what it reads dj stores as read.
  const E2E_NPY_CASES = [
    "a duplicate 'shape' key (the last one counts)",
    "a duplicate 'shape' key whose last value is smaller than the data",
    "a dimension above 2^53 with no data",
    "a dimension of 2^64",
    "trailing junk after the dict",
    "leading zeros in a dimension",
    "Python 2 long suffixes in a 1.0 header",
    "Python 2 long suffixes in a 3.0 header",
    "a missing key",
    "a boolean dimension",
    "negative dimensions",
    "descr given as a one-letter code",
    "a hexadecimal dimension",
    "a header over NumPy's 10000 characters",
    "a header length field of 4 GiB",
  ];
  const e2eCases = npyCases.filter((c) => E2E_NPY_CASES.includes(c.name));
  let verdicts: Map<string, NumpyVerdict>;
  const npyDir = () => join(dir, "npy-cases");
  for (const [i, c] of e2eCases.entries()) {
    test(`.npy by NumPy's rules: ${c.name}`, async () => {
      if (!verdicts) {
        mkdirSync(npyDir(), { recursive: true });
        verdicts = numpyVerdicts(npyDir(), e2eCases);
      }
      const numpy = verdicts.get(c.name)!;
      const file = caseFile(npyDir(), e2eCases, c);
      const before = await state();
      const r = await dj("insert", "Rec", "--key", `rec=npy${i}`, "--from", `w=${file}`);
      if (!numpy.ok || c.djStricter) {
        if (c.djStricter) assert.ok(numpy.ok, `the case assumes NumPy reads it: ${numpy.error}`);
        assert.equal(r.code, 7, `NumPy: ${numpy.error ?? "reads it"}; dj: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /^dj: \S+case\d+\.npy: /);
        assert.match(r.stderr, c.djStricter ?? /not a valid \.npy file/);
        assert.equal(r.stderr.trim().split("\n").filter((l) => !l.startsWith("  hint:")).length, 1, `one line: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        assert.deepEqual(await state(), before);
        return;
      }
      assert.equal(r.code, 0, `NumPy reads it as ${numpy.dtype}${JSON.stringify(numpy.shape)}; dj: ${r.stderr}`);
      const out = join(npyDir(), `back${i}.npy`);
      const fetched = await dj("fetch", "Rec", "--key", `rec=npy${i}`, "--attr", "w", "--out", out);
      assert.equal(fetched.code, 0, fetched.stderr);
      const back = spawnSync("python3", ["-c", "import json, sys, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str, 'values': [float(x) for x in a.astype(np.float64).ravel()[:100]]}))", out], { encoding: "utf8" });
      assert.equal(back.status, 0, back.stderr);
      assert.deepEqual(JSON.parse(back.stdout), { shape: numpy.shape, dtype: numpy.dtype, values: numpy.values });
      assert.equal((await dj("delete", "Rec", "--key", `rec=npy${i}`, "--force")).code, 0);
    });
  }

  test("a corrupt chunk in the store: fetch exits 6 naming the chunk, writes no file", async () => {
    const { files } = await state();
    const chunkFile = files.find((f) => /rec=ok\/w_[^/]+\.zarr\/0\.0$/.test(f))!;
    assert.ok(chunkFile, files.join("\n"));
    const good = readFileSync(chunkFile);
    try {
      writeFileSync(chunkFile, "not a chunk at all, longer than a header");
      const r = await dj("fetch", "Rec", "--key", "rec=ok", "--attr", "w", "--out", "bad.npy");
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /^dj: <zarr>: cannot decode chunk \S+\.zarr\/0\.0: .+\n/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.ok(!existsSync(join(dir, "bad.npy")), "no partial output");
    } finally {
      writeFileSync(chunkFile, good);
    }
    const ok = await dj("fetch", "Rec", "--key", "rec=ok", "--attr", "w", "--out", "good.npy");
    assert.equal(ok.code, 0, ok.stderr);
  });

  test("inserting into an attribute whose store is not configured: exit 3, nothing written", async () => {
    const before = await state();
    const r = await dj("insert", "S", "--key", "id=1", "--from", "a.npy");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Storage 'cold' is requested but not configured in stores/);
    assert.deepEqual(await state(), before);
  });

  test("malformed configs name the file and the JSON path (exit 3)", async () => {
    const bad: Array<[unknown, RegExp]> = [
      ["{not json", /dj\.config\.json: not valid JSON/],
      [{ stores: { s: { protocol: "s3", bucket: "b", location: "" } } }, /stores\.s\.endpoint: is missing/],
      [{ stores: { s: { protocol: "file", location: ".", hash_prefx: "h" } } }, /stores\.s\.hash_prefx: invalid key .*did you mean 'hash_prefix'/],
      [{ stores: { default: 3 } }, /stores\.default: stores\.default must be a string/],
      [{ database: { port: "abc" } }, /database\.port/],
      [{ requiredCodecs: [1] }, /requiredCodecs: must be a list/],
    ];
    for (const [config, re] of bad) {
      const p = tempProject({ "dj.config.json": typeof config === "string" ? config : (config as object) });
      try {
        const r = await runDj(["config", "validate"], { cwd: p.dir });
        outputs.push(r);
        assert.equal(r.code, 3, JSON.stringify(config));
        assert.match(r.stderr, re);
      } finally {
        p.cleanup();
      }
    }
  });

  test("secrets never appear in any output, --verbose included", async () => {
    // PostgreSQL here trusts loopback and ignores any password, so its refusal is for a user it
    // does not know. On the embedded project DJ_PASS alone changes nothing (it names no server):
    // only the secret is checked there.
    const login = dialect.name === "postgresql" ? { DJ_PASS: SECRET_PW, DJ_USER: "djtest_nobody" } : { DJ_PASS: SECRET_PW };
    const withPassword = (...a: string[]) => runDj(a, { cwd: dir, env: login });
    const denied = await withPassword("fetch", "Rec", "--verbose");
    if (dialect.database) assert.equal(denied.code, 4, denied.stderr);
    outputs.push(denied, await withPassword("config", "show", "--verbose"), await withPassword("schema", "list", "--json"));
    outputs.push(await dj("config", "show", "--verbose"));
    outputs.push(await dj("config", "show", "--sources", "--json"));
    outputs.push(await dj("store", "list", "--verbose"));
    outputs.push(await dj("store", "check", "vault", "--verbose"));
    outputs.push(await dj("fetch", "Rec", "--verbose"));
    for (const r of outputs) {
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET_PW.replace(/[!?]/g, "\\$&")));
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET_KEY.replace(/[!?]/g, "\\$&")));
    }
  });
});
