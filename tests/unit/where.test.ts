/**
 * `--where`: parsing (grammar, precedence, errors with a position), binding against a heading
 * (names checked, values typed, never spliced) and the SQL it renders.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseWhere } from "../../src/services/where-parse.js";
import { bindWhere } from "../../src/services/where-bind.js";
import { conditionSql } from "../../src/db/condition.js";
import { isDjError } from "../../src/errors.js";
import type { Attribute, Heading } from "../../src/schema/heading.js";

const attr = (name: string, type: string, extra: Partial<Attribute> = {}): Attribute => ({
  name,
  sqlType: type,
  type,
  codec: null,
  marker: true,
  nullable: false,
  default: null,
  comment: "",
  inKey: false,
  hidden: false,
  ...extra,
});

const heading: Heading = {
  schema: "lab",
  table: "session",
  className: "Session",
  tier: "manual",
  master: null,
  comment: "",
  attributes: [
    attr("subject", "varchar(64)", { inKey: true }),
    attr("session_id", "int32", { inKey: true }),
    attr("session_date", "date"),
    attr("duration", "float64", { nullable: true }),
    attr("notes", "json", { nullable: true }),
    attr("waves", "<zarr@main>", { codec: { name: "zarr", store: "main" } as Attribute["codec"] }),
    attr("_secret", "int32", { hidden: true }),
  ],
  foreignKeys: [],
  indexes: [],
  lineage: {},
};

const mysql = { quote: (s: string) => `\`${s}\``, likeEscape: " ESCAPE '\\\\'" };
const sql = (where: string) => conditionSql(bindWhere(parseWhere(where), heading), mysql);

const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err: unknown) => isDjError(err, "usage") && pattern.test(`${(err as Error).message}\n${(err as { hint?: string }).hint ?? ""}`));
const input = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err: unknown) => isDjError(err, "input") && pattern.test((err as Error).message));

describe("--where parsing", () => {
  test("every operator, bound as a parameter", () => {
    assert.deepEqual(sql("session_id = 3"), { sql: "`session_id` = ?", params: [3] });
    assert.deepEqual(sql("session_id == 3").sql, "`session_id` = ?");
    assert.deepEqual(sql("session_id != 3").sql, "`session_id` <> ?");
    assert.deepEqual(sql("session_id <> 3").sql, "`session_id` <> ?");
    assert.deepEqual(sql("session_id<3").sql, "`session_id` < ?");
    assert.deepEqual(sql("session_id<=3").sql, "`session_id` <= ?");
    assert.deepEqual(sql("session_id >3").sql, "`session_id` > ?");
    assert.deepEqual(sql("session_id>= -3"), { sql: "`session_id` >= ?", params: [-3] });
    assert.deepEqual(sql("session_id in (1, 2,3)"), { sql: "`session_id` IN (?, ?, ?)", params: [1, 2, 3] });
    assert.deepEqual(sql("session_id NOT IN (1)"), { sql: "`session_id` NOT IN (?)", params: [1] });
    assert.deepEqual(sql("subject like 'm%'"), { sql: "`subject` LIKE ? ESCAPE '\\\\'", params: ["m%"] });
    assert.deepEqual(sql("subject not like \"m_1\""), { sql: "`subject` NOT LIKE ? ESCAPE '\\\\'", params: ["m_1"] });
    assert.deepEqual(sql("duration is null"), { sql: "`duration` IS NULL", params: [] });
    assert.deepEqual(sql("duration IS NOT NULL"), { sql: "`duration` IS NOT NULL", params: [] });
  });

  test("and binds tighter than or; parentheses and not regroup", () => {
    assert.equal(sql("session_id = 1 or session_id = 2 and subject = m").sql, "`session_id` = ? OR (`session_id` = ? AND `subject` = ?)");
    assert.equal(sql("(session_id = 1 or session_id = 2) and subject = m").sql, "(`session_id` = ? OR `session_id` = ?) AND `subject` = ?");
    assert.equal(sql("not (session_id = 1 or subject = m)").sql, "NOT (`session_id` = ? OR `subject` = ?)");
    assert.equal(sql("not session_id = 1 and subject = m").sql, "NOT `session_id` = ? AND `subject` = ?");
    assert.equal(sql("((session_id = 1))").sql, "`session_id` = ?");
  });

  test("values are typed by the attribute, keywords are case-insensitive", () => {
    assert.deepEqual(sql("session_date >= 2024-01-31 AND session_date < '2024-02-07'").params, ["2024-01-31", "2024-02-07"]);
    assert.deepEqual(sql("subject = 'two words' Or subject = \"it\\'s\"").params, ["two words", "it's"]);
    assert.deepEqual(sql("subject = 'it''s'").params, ["it's"]);
    assert.deepEqual(sql("duration > 1e3").params, [1000]);
    assert.deepEqual(sql("subject = 'and'").params, ["and"]);
    input(() => sql("session_id = abc"), /bad value for session_id.*not an integer/);
    input(() => sql("session_date = 2024-13-01"), /bad value for session_date/);
    input(() => sql("session_id in (1, 2.5)"), /not an integer/);
  });

  test("injection-shaped input is refused or bound as plain data", () => {
    // A quoted value carrying SQL is one bound string, never SQL text.
    const evil = sql("subject = 'x'' OR 1=1; DROP TABLE session; --'");
    assert.equal(evil.sql, "`subject` = ?");
    assert.equal(evil.params.length, 1);
    usage(() => sql("subject = x; DROP TABLE session"), /unexpected character ";"/);
    usage(() => sql("subject = 'x' OR 1=1"), /expected an attribute name, found "1"/);
    usage(() => sql("`subject` = 1"), /unexpected character "`"/);
    usage(() => sql("subject = x -- comment"), /expected "and", "or" or the end/);
    usage(() => sql("sleep(5) = 1"), /expected an operator/);
    usage(() => sql("subject = (select 1)"), /expected a value/);
  });

  test("names are checked against the heading; stored values cannot be compared", () => {
    usage(() => sql("subjet = m"), /no attribute "subjet"[\s\S]*attributes: subject, session_id/);
    usage(() => sql("_secret = 1"), /no attribute "_secret"/);
    usage(() => sql("waves = 1"), /cannot be compared/);
    usage(() => sql("notes = 1"), /cannot be compared/);
    assert.equal(sql("waves is not null").sql, "`waves` IS NOT NULL");
    usage(() => sql("session_id like '1%'"), /like applies to text attributes/);
  });

  test("syntax errors name the position", () => {
    usage(() => parseWhere(""), /empty restriction/);
    usage(() => parseWhere("   "), /empty restriction/);
    usage(() => parseWhere("a ="), /expected a value, but the restriction ends/);
    usage(() => parseWhere("a = 'open"), /unterminated quoted value at position 5/);
    usage(() => parseWhere("a = 1 and"), /expected an attribute name, but the restriction ends/);
    usage(() => parseWhere("(a = 1"), /expected "\)"/);
    usage(() => parseWhere("a = 1)"), /expected "and", "or" or the end, found "\)" at position 6/);
    usage(() => parseWhere("a in ()"), /expected a value, found "\)"/);
    usage(() => parseWhere("a = null"), /write "is null"/);
    usage(() => parseWhere("a is 1"), /expected "null" after "is"/);
    usage(() => parseWhere("a not = 1"), /expected "in" or "like" after "not"/);
    usage(() => parseWhere("(".repeat(101) + "a = 1" + ")".repeat(101)), /nested more than 100 deep/);
  });
});
