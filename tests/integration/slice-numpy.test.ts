/**
 * `dj fetch --slice` against NumPy: random slices (fixed seed) of arrays of several dtypes
 * (big-endian ones too), C and F layouts and 1–4 dimensions, stored as `<zarr@>` (small chunks,
 * so slices cross chunk edges and end in edge chunks), `<npy@>`, in-table `<blob>` and
 * `<photon@>`, in a file store and on s3rver, with the embedded database (and one MariaDB case).
 * Every output is compared with NumPy slicing the original in one Python process per batch.
 *
 * The test goes through the slice service (what `dj fetch --slice` runs), so it reads through
 * `readBox` wherever a codec has one and through byte ranges where not: it needs no change when
 * a codec gains `readBox`.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runDj, tempProject } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { mariadb, postgresql } from "../helpers/dialects.js";
import { skipWithout } from "../helpers/requires.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";
import { checkWithNumpy, makeArrays, randomSlice, rng, type ArrayCase, type Check } from "../helpers/slice-cases.js";
import { exitCodeOf, isDjError } from "../../src/errors.js";
import { closeAll } from "../../src/lifecycle.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const SEED = 20251;
const SLICES_PER_VALUE = 8;

/** Arrays: dtype, shape (edges that chunks do not divide), layout. Photon takes the 3–4-d non-negative ones. */
const SPECS: Array<Omit<ArrayCase, "file"> & { photon?: boolean }> = [
  { dtype: "<f8", shape: [37], order: "C" },
  { dtype: ">f4", shape: [23, 9], order: "C" },
  { dtype: ">f4", shape: [23, 9], order: "F" },
  { dtype: "<i2", shape: [5, 7, 11], order: "F", photon: true },
  { dtype: ">i8", shape: [6, 5, 4], order: "C" },
  { dtype: "|u1", shape: [3, 4, 5, 6], order: "C", photon: true },
  { dtype: "<c8", shape: [9, 13], order: "F" },
  { dtype: "|b1", shape: [17, 3], order: "C" },
  { dtype: ">f8", shape: [4, 3, 5, 7], order: "F", photon: true },
  { dtype: "<u4", shape: [1, 29], order: "C" },
];

interface Project {
  dir: string;
  cleanup: () => void;
}

function project(database: object | undefined, stores: Record<string, unknown>, schema: string): Project {
  const p = tempProject({
    "dj.config.json": {
      ...(database ? { database } : {}),
      schema,
      stores,
      // ~200-byte chunks: every array here spans several chunks, with partial edge chunks.
      codecs: { zarr: { chunkBytes: 200, compressor: "zstd" } },
    },
  });
  mkdirSync(join(p.dir, "node_modules"));
  for (const pkg of ["dj-zarr-codecs", "dj-photon-codecs"]) symlinkSync(join(repoRoot, "packages", pkg), join(p.dir, "node_modules", pkg));
  return p;
}

const definition = (schema: string, store: string) => `schema ${schema}

Arr (manual)
    arr : int32
    ---
    z : <zarr@${store}>
    n : <npy@${store}>
    b = null : <blob>
    p = null : <photon@${store}>
`;

/**
 * Insert every array, slice each value SLICES_PER_VALUE times, and hand back the checks. Photon
 * stores the Anscombe transform, so its original is its full fetch (the streaming path, not
 * the slice path).
 */
async function sliceAll(dir: string, specs: typeof SPECS, seedOffset: number, label: string): Promise<Check[]> {
  const { openSession } = await import("../../src/services/session.js");
  const { resolveTable } = await import("../../src/services/table-ref.js");
  const { insertRow } = await import("../../src/services/insert.js");
  const { prepareTable } = await import("../../src/services/encode-row.js");
  const { rowFromFlags } = await import("../../src/services/row-input.js");
  const { fetchSlice } = await import("../../src/services/slice-fetch.js");
  const { fetchRows, decodeCell } = await import("../../src/services/fetch.js");
  const { writeDecoded } = await import("../../src/services/output.js");
  const session = await openSession({ cwd: dir });
  const heading = await resolveTable("Arr", session.config.schema, session.dialect.introspector);
  const prepared = await prepareTable(session, heading);
  const cases = specs.map((s, i) => ({ ...s, file: join(dir, `a${i}.npy`), nonneg: s.photon }));
  makeArrays(cases, SEED + seedOffset);
  const r = rng(SEED + seedOffset);
  const checks: Check[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      const froms = [`z=${c.file}`, `n=${c.file}`, `b=${c.file}`, ...(c.photon ? [`p=${c.file}`] : [])];
      await insertRow(session, prepared, rowFromFlags([`arr=${i}`], [], froms), { baseDir: dir });
      // Photon twice: as stored (the transform) and with --inverse algebraic (the inverse applied to what is read).
      const attrs: Array<["z" | "n" | "b" | "p", Check["dtype"], Record<string, unknown>]> = [["z", "little", {}], ["n", "exact", {}], ["b", "little", {}]];
      if (c.photon) attrs.push(["p", "exact", {}], ["p", "exact", { inverse: "algebraic" }]);
      for (const [attr, dtype, fetchOptions] of attrs) {
        let original = c.file;
        if (attr === "p") {
          const res = await fetchRows(session, heading, { keys: [`arr=${i}`], attrs: ["p"] });
          const decoded = (await decodeCell(session, res, res.rows[0]!, heading.attributes.find((a) => a.name === "p")!, fetchOptions))!;
          original = await writeDecoded(decoded, join(dir, `full-p${i}-${Object.keys(fetchOptions).length}.npy`));
        }
        for (let k = 0; k < SLICES_PER_VALUE; k++) {
          const slice = randomSlice(r, c.shape);
          const out = join(dir, `out-${attr}${i}-${Object.keys(fetchOptions).length}-${k}.npy`);
          let got: Check["got"];
          try {
            await fetchSlice(session, heading, { keys: [`arr=${i}`], attrs: [attr], slice, out, fetchOptions });
            got = { file: out };
          } catch (err) {
            if (!isDjError(err)) throw err;
            got = { exit: exitCodeOf(err), message: (err as Error).message };
          }
          checks.push({ original, slice, got, dtype, label: `${label} <${attr}>${fetchOptions.inverse ? " --inverse" : ""} ${c.dtype} ${c.order}` });
        }
      }
    }
  } finally {
    await session.dialect.driver.close();
    await closeAll();
  }
  return checks;
}

function assertMatches(t: { diagnostic(m: string): void }, checks: Check[], atLeast: number): void {
  const r = checkWithNumpy(checks);
  t.diagnostic(`${checks.length} slices: ${r.compared} outputs compared with NumPy, ${r.errors} IndexError cases`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.compared >= atLeast, `only ${r.compared} slices compared (${r.errors} were errors)`);
  // The generator draws out-of-range integers now and then: some errors are checked too.
  if (checks.length >= 100) assert.ok(r.errors > 0, "no IndexError case was drawn");
}

describe("--slice matches NumPy", { skip: skipWithout("numpy") }, () => {
  let s3: S3Server;
  before(async () => {
    s3 = await startS3rver();
  });
  after(async () => {
    await s3?.stop();
  });

  for (const where of ["file", "s3"] as const) {
    test(`${where} store, embedded database: ${SPECS.length} arrays × 3–5 ways to store × ${SLICES_PER_VALUE} slices`, async (t) => {
      const p = project(undefined, { default: "main", main: where === "file" ? { protocol: "file", location: "./store" } : s3.spec({ location: `slices-${Date.now()}` }) }, "lab");
      try {
        if (where === "file") mkdirSync(join(p.dir, "store"));
        writeFileSync(join(p.dir, "p.dj"), definition("lab", "main"));
        const r = await runDj(["declare", "p.dj"], { cwd: p.dir });
        assert.equal(r.code, 0, r.stderr);
        const checks = await sliceAll(p.dir, SPECS, where === "file" ? 0 : 1, where);
        assertMatches(t, checks, 150);
      } finally {
        p.cleanup();
      }
    });
  }

  for (const dialect of [mariadb, postgresql])
  test(`${dialect.name} and the file store: one array of each layout`, async (t) => {
    const schema = schemaName("slice");
    const p = project(dialect.database!, { default: "main", main: { protocol: "file", location: "./store" } }, schema);
    try {
      mkdirSync(join(p.dir, "store"));
      writeFileSync(join(p.dir, "p.dj"), definition(schema, "main"));
      const r = await runDj(["declare", "p.dj"], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const checks = await sliceAll(p.dir, [SPECS[2]!, SPECS[8]!], 2, dialect.name);
      assertMatches(t, checks, 20);
    } finally {
      await dialect.dropSchemas(schema);
      p.cleanup();
    }
  });
});
