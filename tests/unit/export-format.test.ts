/**
 * `--format csv|jsonl` values: RFC 4180 quoting, NULL vs empty text, exact integers, ISO dates,
 * uuid as text, bytes as base64, codec values as the document the row stores. Expected text is
 * written out by hand.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { csvField, csvHeader, csvRecord, exportValue, jsonlLine } from "../../src/services/export-format.js";
import type { Attribute } from "../../src/schema/heading.js";

const attr = (name: string, type: string, extra: Partial<Attribute> = {}): Attribute => ({
  name, sqlType: type, type, codec: null, marker: true, nullable: true, default: null, comment: "", inKey: false, hidden: false, ...extra,
});

describe("export values", () => {
  test("RFC 4180: quoted only when needed, quotes doubled, CRLF records", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvField("cr\r"), '"cr\r"');
    assert.equal(csvField(" padded"), '" padded"');
    assert.equal(csvField(""), '""');
    assert.equal(csvField(null), "");
    assert.equal(csvHeader([attr("a", "int32"), attr("b,c", "int32")]), 'a,"b,c"\r\n');
  });
  test("integers exact, however they arrive (number, digits text, BigInt)", () => {
    const big = attr("n", "int64");
    assert.deepEqual(exportValue(big, "9223372036854775807"), { digits: "9223372036854775807" });
    assert.deepEqual(exportValue(big, 9223372036854775807n), { digits: "9223372036854775807" });
    assert.equal(jsonlLine([big], { n: -9223372036854775808n }), '{"n":-9223372036854775808}\n');
    assert.equal(csvRecord([big], { n: "18446744073709551615" }), "18446744073709551615\r\n");
    assert.equal(jsonlLine([attr("x", "float64")], { x: 0.1 }), '{"x":0.1}\n');
    assert.equal(jsonlLine([attr("x", "float64")], { x: Number.NaN }), '{"x":"NaN"}\n');
  });
  test("dates and datetimes in ISO 8601; booleans from 0/1; uuid bytes as text", () => {
    assert.equal(exportValue(attr("d", "datetime"), "2024-01-31 12:30:00"), "2024-01-31T12:30:00");
    assert.equal(exportValue(attr("d", "date"), "2024-01-31"), "2024-01-31");
    assert.equal(exportValue(attr("b", "bool"), 0), false);
    assert.equal(exportValue(attr("b", "bool"), 1n), true);
    assert.equal(exportValue(attr("u", "uuid"), Buffer.from("0b5a4c2e7f1d4e3a9c8b1a2b3c4d5e6f", "hex")), "0b5a4c2e-7f1d-4e3a-9c8b-1a2b3c4d5e6f");
  });
  test("bytes as base64; codec values as the stored document or base64 of in-table bytes", () => {
    assert.equal(exportValue(attr("raw", "bytes"), Buffer.from([0, 1, 2, 255])), "AAEC/w==");
    const npy = attr("arr", "<npy@main>", { codec: { name: "npy", store: "main" } as Attribute["codec"], sqlType: "json" });
    const stored = '{"path":"lab/t/arr_x.npy","store":"main","shape":[3],"dtype":"float32","size":140}';
    assert.equal(jsonlLine([npy], { arr: stored }), `{"arr":${stored}}\n`);
    assert.equal(csvRecord([npy], { arr: stored }), `"${stored.replace(/"/g, '""')}"\r\n`);
    const blob = attr("b", "<blob>", { codec: { name: "blob", store: null } as Attribute["codec"], sqlType: "longblob" });
    assert.equal(jsonlLine([blob], { b: Buffer.from("mYm\0") }), '{"b":"bVltAA=="}\n');
    assert.equal(jsonlLine([attr("j", "json")], { j: { a: [1, 2] } }), '{"j":{"a":[1,2]}}\n');
  });
});
