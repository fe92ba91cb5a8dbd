/**
 * Restrictions, order and export with the built binary on every dialect: `dj fetch`, `dj count`
 * and `dj delete` with `--key` and `--where`, `--order-by`/`--limit`/`--offset`, and
 * `--format csv|jsonl` read back with Python's csv module and JSON.parse. Hostile values are
 * bound harmlessly or refused (exit 2), and the table is proved intact afterwards.
 *
 * Expected rows are written out by hand from ROWS below, never computed by dj.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { schemaName } from "../helpers/db.js";
import { configFor, dialects } from "../helpers/dialects.js";

const pipeline = (s: string) => `schema ${s}

Subject (manual)
    subject_id : int32
    ---
    name : varchar(64)
    species = null : varchar(32)
    born = null : date
    weight = null : float64
    big = null : int64
    uid = null : uuid
    active = null : bool
    notes = null : json

Subject.Visit (part)
    -> master
    visit : int16
`;

const BOBBY = "Robert'); DROP TABLE subject;--";
const ROWS = [
  { subject_id: 1, name: "Alice", species: "mouse", born: "2024-01-31", weight: 20.5, big: "9007199254740993", uid: "0b5a4c2e-7f1d-4e3a-9c8b-1a2b3c4d5e6f", active: true, notes: { cage: 3 } },
  { subject_id: 2, name: "O'Brien, \"Bob\"", species: "rat", born: "2024-02-01", weight: 300, big: "-5", uid: null, active: false, notes: null },
  { subject_id: 3, name: "line1\nline2", species: null, born: null, weight: null, big: null, uid: null, active: null, notes: null },
  { subject_id: 4, name: "100%_done", species: "mouse", born: "2024-03-15", weight: 22, big: "0", uid: null, active: true, notes: null },
  { subject_id: 5, name: BOBBY, species: "Mouse", born: "2023-12-24", weight: 19.25, big: "7", uid: null, active: false, notes: null },
  { subject_id: 6, name: "", species: "zebrafish", born: "2024-01-01", weight: 0.5, big: "1", uid: null, active: true, notes: null },
];
const VISITS = [1, 1, 2, 4, 4, 4].map((s, i) => ({ subject_id: s, visit: i + 1 }));

/** Python's csv module reads the CSV: the list of records, header first. */
function pythonCsv(text: string): string[][] {
  const r = spawnSync("python3", ["-c", "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))"], { input: text, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const jsonl = (text: string) => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);

for (const dialect of dialects)
describe(`restrictions, order and export (${dialect.name})`, () => {
  const schema = schemaName("restrict");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });
  const ids = async (...a: string[]) => {
    const r = await dj("fetch", "Subject", "--json", ...a);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout).rows as Array<{ subject_id: number }>).map((x) => x.subject_id);
  };
  const count = async (table: string, ...a: string[]) => {
    const r = await dj("count", table, ...a);
    assert.equal(r.code, 0, r.stderr);
    return Number(r.stdout.trim());
  };
  const reset = async () => {
    await dj("delete", "Subject", "--all", "--force");
    writeFile(dir, "rows.jsonl", ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const a = await dj("insert", "Subject", "--rows", "rows.jsonl");
    assert.equal(a.code, 0, a.stderr);
    writeFile(dir, "visits.jsonl", VISITS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const b = await dj("insert", "Subject.Visit", "--rows", "visits.jsonl");
    assert.equal(b.code, 0, b.stderr);
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({ "dj.config.json": { ...configFor(dialect), schema } }));
    writeFile(dir, "p.dj", pipeline(schema));
    const d = await dj("declare", "p.dj");
    assert.equal(d.code, 0, d.stderr);
    await reset();
  });
  after(async () => {
    await dialect.dropSchemas(schema);
    cleanup();
  });

  test("--where with comparisons, in, like, is null, and/or/not and parentheses", async () => {
    assert.deepEqual(await ids("--where", "weight > 20"), [1, 2, 4]);
    assert.deepEqual(await ids("--where", "weight >= 20.5 and weight <= 22"), [1, 4]);
    assert.deepEqual(await ids("--where", "subject_id in (2, 4, 6)"), [2, 4, 6]);
    assert.deepEqual(await ids("--where", "subject_id not in (2, 4, 6)"), [1, 3, 5]);
    assert.deepEqual(await ids("--where", "species is null"), [3]);
    assert.deepEqual(await ids("--where", "not species is null and (born < 2024-01-15 or active = false)"), [2, 5, 6]);
    assert.deepEqual(await ids("--where", "born = '2024-02-01'"), [2]);
    assert.deepEqual(await ids("--where", "big = 9007199254740993"), [1]);
    assert.deepEqual(await ids("--where", "uid = '0b5a4c2e-7f1d-4e3a-9c8b-1a2b3c4d5e6f'"), [1]);
    assert.deepEqual(await ids("--where", "name != 'Alice'", "--key", "active=true"), [4, 6]);
    assert.deepEqual(await ids("--where", "active = true"), [1, 4, 6]);
    // `\%` is a literal percent sign (the backslash doubled once for the --where quoting).
    assert.deepEqual(await ids("--where", "name like '%\\\\%\\\\_%'"), [4]);
    assert.deepEqual(await ids("--where", "name like 'O''B%'"), [2]);
    // A comparison with NULL matches nothing (SQL and DataJoint alike): row 3 is in neither.
    assert.deepEqual(await ids("--where", "species = 'mouse' or species != 'mouse'"), [1, 2, 4, 5, 6]);
  });

  test("like follows the database's case rules (documented): 'mouse' vs 'Mouse'", async () => {
    const got = await ids("--where", "species like 'mouse'");
    assert.deepEqual(got, dialect.name === "postgresql" ? [1, 4] : [1, 4, 5]);
    // = on a varchar also follows the collation on MariaDB.
    assert.deepEqual(await ids("--where", "species = 'Mouse'"), dialect.name === "mariadb" ? [1, 4, 5] : [5]);
  });

  test("dj count takes the same restriction; --json gives the number", async () => {
    assert.equal(await count("Subject"), 6);
    assert.equal(await count("Subject", "--where", "weight < 21"), 3);
    assert.equal(await count("Subject", "--key", "species=mouse", "--where", "active = true"), 2);
    assert.equal(await count("Subject.Visit", "--where", "subject_id = 4"), 3);
    const r = await dj("count", "Subject", "--where", "species is null", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { table: `${schema}.subject`, rows: 1 });
  });

  test("--order-by, --limit, --offset: pages in a total order; offset without limit skips", async () => {
    // NULL sorts differently per database: restrict it away for an order every dialect shares.
    assert.deepEqual(await ids("--where", "weight is not null", "--order-by", "weight desc"), [2, 4, 1, 5, 6]);
    assert.deepEqual(await ids("--order-by", "species, subject_id desc", "--where", "subject_id in (1, 2, 4)"), [4, 1, 2]);
    assert.deepEqual(await ids("--order-by", "active desc", "--order-by", "born", "--where", "active is not null"), [6, 1, 4, 5, 2]);
    assert.deepEqual(await ids("--limit", "2"), [1, 2]);
    assert.deepEqual(await ids("--limit", "2", "--offset", "2"), [3, 4]);
    assert.deepEqual(await ids("--limit", "2", "--offset", "5"), [6]);
    assert.deepEqual(await ids("--offset", "4"), [5, 6]);
    assert.deepEqual(await ids("--where", "weight is not null", "--order-by", "weight", "--limit", "2", "--offset", "1"), [5, 1]);
  });

  test("bad restrictions and orders are refused with exit 2, naming the problem", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--where", "nosuch = 1"], /has no attribute "nosuch"/],
      [["--where", "weight >"], /--where: expected a value, but the restriction ends at position 9/],
      [["--where", "notes = 1"], /notes is json; its values cannot be compared/],
      [["--where", "weight like '1%'"], /like applies to text attributes/],
      [["--where", "name = 'a' ; DROP TABLE subject"], /unexpected character ";"/],
      [["--where", "name = x or 1 = 1"], /expected an attribute name, found "1"/],
      [["--order-by", "nosuch"], /--order-by: .* has no attribute "nosuch"/],
      [["--order-by", "weight sideways"], /--order-by expects NAME \[asc\|desc\]/],
      [["--order-by", "name; drop table subject"], /--order-by expects NAME \[asc\|desc\]/],
      [["--limit", "-1"], /--limit expects a whole number/],
      [["--offset", "1e3"], /--offset expects a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await dj("fetch", "Subject", ...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    const bad = await dj("fetch", "Subject", "--where", "weight = heavy");
    assert.equal(bad.code, 7, bad.stderr);
    assert.match(bad.stderr, /bad value for weight: "heavy"/);
    assert.equal(await count("Subject"), 6);
  });

  test("injection-shaped values are bound as values: the exact row matches, the table is intact", async () => {
    assert.deepEqual(await ids("--where", `name = '${BOBBY.replace(/'/g, "''")}'`), [5]);
    assert.deepEqual(await ids("--key", `name=${BOBBY}`), [5]);
    assert.deepEqual(await ids("--where", "name = \"x' OR '1'='1\""), []);
    assert.deepEqual(await ids("--where", "name like \"%' OR 1=1 --\""), []);
    // A value that is not of the attribute's type is refused before any SQL runs (exit 7).
    const notInt = await dj("fetch", "Subject", "--where", "subject_id in ('1) OR (1=1')");
    assert.equal(notInt.code, 7, notInt.stderr);
    assert.match(notInt.stderr, /bad value for subject_id: "1\) OR \(1=1" is not an integer/);
    assert.equal(await count("Subject", "--where", "name = '1'' OR ''1''=''1'"), 0);
    assert.equal(await count("Subject"), 6);
    assert.equal(await count("Subject.Visit"), 6);
  });

  test("--format jsonl: every row, plain values typed, read back with JSON.parse", async () => {
    const r = await dj("fetch", "Subject", "--format", "jsonl");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /6 rows/);
    const rows = jsonl(r.stdout);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows[0], { subject_id: 1, name: "Alice", species: "mouse", born: "2024-01-31", weight: 20.5, big: 9007199254740993, uid: "0b5a4c2e-7f1d-4e3a-9c8b-1a2b3c4d5e6f", active: true, notes: { cage: 3 } });
    // The big integer is exact in the text, not rounded through a double.
    assert.match(r.stdout.split("\n")[0]!, /"big":9007199254740993,/);
    assert.deepEqual(rows[2], { subject_id: 3, name: "line1\nline2", species: null, born: null, weight: null, big: null, uid: null, active: null, notes: null });
    assert.deepEqual(rows.map((x) => x.name), ROWS.map((x) => x.name));
    assert.deepEqual(rows.map((x) => x.active), [true, false, null, true, false, true]);
  });

  test("--format csv: RFC 4180 read back by Python's csv module; restricted, ordered, paged", async () => {
    const r = await dj("fetch", "Subject", "--format", "csv", "--where", "subject_id <= 3", "--order-by", "subject_id desc");
    assert.equal(r.code, 0, r.stderr);
    const records = pythonCsv(r.stdout);
    assert.deepEqual(records[0], ["subject_id", "name", "species", "born", "weight", "big", "uid", "active", "notes"]);
    assert.deepEqual(records.slice(1), [
      ["3", "line1\nline2", "", "", "", "", "", "", ""],
      ["2", "O'Brien, \"Bob\"", "rat", "2024-02-01", "300", "-5", "", "false", ""],
      ["1", "Alice", "mouse", "2024-01-31", "20.5", "9007199254740993", "0b5a4c2e-7f1d-4e3a-9c8b-1a2b3c4d5e6f", "true", '{"cage":3}'],
    ]);
    // NULL is an empty field, an empty string a quoted one.
    const six = await dj("fetch", "Subject", "--format", "csv", "--key", "subject_id=6", "--attr", "name", "--attr", "uid");
    assert.equal(six.stdout, 'subject_id,name,uid\r\n6,"",\r\n');
  });

  test("--format jsonl --out FILE writes the file whole; stdout stays empty", async () => {
    const r = await dj("fetch", "Subject", "--format", "jsonl", "--attr", "name", "--limit", "3", "--offset", "1", "--out", "page.jsonl");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.deepEqual(jsonl(readFileSync(join(dir, "page.jsonl"), "utf8")), [
      { subject_id: 2, name: "O'Brien, \"Bob\"" },
      { subject_id: 3, name: "line1\nline2" },
      { subject_id: 4, name: "100%_done" },
    ]);
    const missing = await dj("fetch", "Subject", "--format", "jsonl", "--out", "no/such/dir/x.jsonl");
    assert.equal(missing.code, 7, missing.stderr);
    assert.match(missing.stderr, /cannot write no\/such\/dir\/x.jsonl: a folder on the path does not exist/);
  });

  test("dj delete with --where: counts, confirmation, parts with their master", async () => {
    const refused = await dj("delete", "Subject", "--where", "weight < 21");
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`^  3 rows from ${schema}\\.subject$`, "m"));
    assert.match(refused.stderr, new RegExp(`^  2 rows from ${schema}\\.subject__visit$`, "m"));
    assert.match(refused.stderr, /refusing to delete 5 rows without --force/);
    assert.equal(await count("Subject"), 6);
    const partAlone = await dj("delete", "Subject.Visit", "--where", "visit > 4", "--force");
    assert.equal(partAlone.code, 8, partAlone.stderr);
    const all = await dj("delete", "Subject", "--where", "weight < 1", "--all", "--force");
    assert.equal(all.code, 2);
    assert.match(all.stderr, /--all deletes every row; it cannot be combined with --key or --where/);
    const injected = await dj("delete", "Subject", "--where", "name = 'x'' OR ''1''=''1'", "--force");
    assert.equal(injected.code, 0, injected.stderr);
    assert.match(injected.stderr, /no rows match/);
    const r = await dj("delete", "Subject", "--where", "weight < 21 and species like 'm%'", "--force", "--json");
    assert.equal(r.code, 0, r.stderr);
    const deleted = JSON.parse(r.stdout).deleted as Array<{ table: string; rows: number }>;
    // 'm%' matches "Mouse" (subject 5, no visits) except on PostgreSQL, where like is case-sensitive.
    const ci = dialect.name !== "postgresql";
    assert.deepEqual(Object.fromEntries(deleted.map((d) => [d.table, d.rows])), { subject: ci ? 2 : 1, subject__visit: 2 });
    assert.deepEqual(await ids(), ci ? [2, 3, 4, 6] : [2, 3, 4, 5, 6]);
    assert.equal(await count("Subject.Visit"), 4);
    await reset();
  });
});
