/**
 * `--key` + `--where` as one Condition, `--order-by` terms (checked, the key appended), and the
 * SELECT each dialect's compiler writes for an order and a page (OFFSET without LIMIT as
 * DataJoint does it: everything after the first n rows). Expected SQL is written out by hand.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { orderOf, restrictionOf, restricts } from "../../src/services/restriction.js";
import { isDjError } from "../../src/errors.js";
import { MysqlCompiler } from "../../src/db/mysql/compiler.js";
import { SqliteCompiler } from "../../src/db/embedded/compiler.js";
import { PostgresCompiler } from "../../src/db/postgres/compiler.js";
import { keyCondition } from "../../src/db/condition.js";
import type { Attribute, Heading } from "../../src/schema/heading.js";

const attr = (name: string, type: string, extra: Partial<Attribute> = {}): Attribute => ({
  name, sqlType: type, type, codec: null, marker: true, nullable: false, default: null, comment: "", inKey: false, hidden: false, ...extra,
});
const heading: Heading = {
  schema: "lab", table: "session", className: "Session", tier: "manual", master: null, comment: "",
  attributes: [
    attr("subject", "varchar(64)", { inKey: true }),
    attr("session_id", "int32", { inKey: true }),
    attr("session_date", "date"),
    attr("notes", "json", { nullable: true }),
    attr("waves", "<zarr@main>", { codec: { name: "zarr", store: "main" } as Attribute["codec"] }),
    attr("_secret", "int32", { hidden: true }),
  ],
  foreignKeys: [], indexes: [], lineage: {},
};
const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err: unknown) => isDjError(err, "usage") && pattern.test((err as Error).message));

const mysql = new MysqlCompiler();
const sqlite = new SqliteCompiler((s) => `/tmp/${s}.sqlite`);
const pg = new PostgresCompiler();

describe("restriction: --key and --where together", () => {
  test("keys are equalities AND-ed with the expression; values typed", () => {
    const c = restrictionOf(heading, { keys: ["subject=mouse1"], where: "session_id > 2 or session_date = 2024-01-31" });
    assert.deepEqual(mysql.where(c), { clauses: ["`subject` = ? AND (`session_id` > ? OR `session_date` = ?)"], params: ["mouse1", 2, "2024-01-31"] });
  });
  test("an `or` alone is parenthesised, so another clause AND-ed after it keeps its meaning", () => {
    assert.deepEqual(mysql.where(restrictionOf(heading, { where: "session_id = 1 or session_id = 2" })).clauses, ["(`session_id` = ? OR `session_id` = ?)"]);
  });
  test("nothing given: no restriction (and restricts() says so)", () => {
    assert.equal(restrictionOf(heading, {}), null);
    assert.deepEqual(mysql.where(null), { clauses: [], params: [] });
    assert.equal(restricts({ keys: [], where: "  " }), false);
    assert.equal(restricts({ where: "session_id = 1" }), true);
  });
  test("a key named twice is refused; a NULL key value is IS NULL", () => {
    usage(() => restrictionOf(heading, { keys: ["session_id=1", "session_id=2"] }), /given twice/);
    assert.deepEqual(sqlite.where(keyCondition({ notes: null, session_id: 3 })), { clauses: ['"notes" IS NULL AND "session_id" = ?'], params: [3] });
  });
  test("like escapes per dialect: MySQL's literal needs the backslash doubled", () => {
    const c = restrictionOf(heading, { where: "subject like 'a\\\\_%'" });
    assert.deepEqual(mysql.where(c), { clauses: ["`subject` LIKE ? ESCAPE '\\\\'"], params: ["a\\_%"] });
    assert.deepEqual(pg.where(c).clauses, [`"subject" LIKE ? ESCAPE '\\'`]);
    assert.deepEqual(sqlite.where(c).clauses, [`"subject" LIKE ? ESCAPE '\\'`]);
  });
});

describe("--order-by", () => {
  test("terms in order, asc/desc in any case, comma lists and repeats; the key follows", () => {
    assert.deepEqual(orderOf(heading, ["session_date DESC, subject"]), [
      { column: "session_date", descending: true },
      { column: "subject", descending: false },
      { column: "session_id", descending: false },
    ]);
    assert.deepEqual(orderOf(heading, ["session_id desc", "session_date asc"]), [
      { column: "session_id", descending: true },
      { column: "session_date", descending: false },
      { column: "subject", descending: false },
    ]);
  });
  test("none given: primary-key order", () => {
    assert.deepEqual(orderOf(heading), [
      { column: "subject", descending: false },
      { column: "session_id", descending: false },
    ]);
  });
  test("unknown, hidden, unorderable, repeated or malformed terms are refused", () => {
    usage(() => orderOf(heading, ["nosuch"]), /has no attribute "nosuch"/);
    usage(() => orderOf(heading, ["_secret"]), /has no attribute "_secret"/);
    usage(() => orderOf(heading, ["waves"]), /waves is <zarr@main>; its values have no order/);
    usage(() => orderOf(heading, ["notes desc"]), /notes is json/);
    usage(() => orderOf(heading, ["subject", "subject desc"]), /subject is named twice/);
    usage(() => orderOf(heading, ["subject up"]), /expects NAME \[asc\|desc\]/);
    usage(() => orderOf(heading, ["subject desc nulls"]), /expects NAME \[asc\|desc\]/);
    usage(() => orderOf(heading, ["subject,,session_id"]), /an empty term/);
    usage(() => orderOf(heading, ["`subject`"]), /has no attribute/);
  });
});

describe("SELECT with order and page, per dialect", () => {
  const order = [{ column: "a", descending: true }, { column: "b", descending: false }];
  test("ORDER BY, LIMIT, OFFSET", () => {
    assert.equal(mysql.select("s", "t", ["a"], [], { orderBy: order, limit: 10, offset: 20 }), "SELECT `a` FROM `s`.`t` ORDER BY `a` DESC, `b` ASC LIMIT 10 OFFSET 20");
    assert.equal(pg.select("s", "t", ["a"], ["x = ?"], { limit: 0 }), 'SELECT "a" FROM "s"."t" WHERE x = ? LIMIT 0');
  });
  test("OFFSET without LIMIT: every row after the first n (each dialect's spelling)", () => {
    assert.equal(mysql.select("s", "t", ["a"], [], { offset: 5 }), "SELECT `a` FROM `s`.`t` LIMIT 18446744073709551615 OFFSET 5");
    assert.equal(sqlite.select("s", "t", ["a"], [], { offset: 5 }), 'SELECT "a" FROM "s"."t" LIMIT -1 OFFSET 5');
    assert.equal(pg.select("s", "t", ["a"], [], { offset: 5 }), 'SELECT "a" FROM "s"."t" OFFSET 5');
  });
  test("offset 0 and no page: no clause", () => {
    assert.equal(mysql.select("s", "t", [], [], { offset: 0 }), "SELECT * FROM `s`.`t`");
  });
});
