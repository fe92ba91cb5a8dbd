/**
 * The difference between a table as the database has it and as a `.dj` file declares it, in
 * the terms of DataJoint's `Table.alter()`: secondary attributes added, dropped or changed
 * (type, default, nullability, comment) and the table comment are alterable; primary-key,
 * foreign-key and index differences are not (alter refuses them, diff reports them).
 *
 * The order of secondary attributes is not a difference (PostgreSQL cannot reorder columns, and
 * DataJoint's describe reads them back in storage order); an added attribute records the one
 * before it in the file so MySQL can place it there (`ADD … AFTER …`).
 */
import { attributeLine, foreignKeyLine } from "./describe.js";
import { userIndexes, type Attribute, type ForeignKey, type Heading } from "./heading.js";
import { canonicalNativeType } from "./types.js";

export type AttributeField = "type" | "nullable" | "default" | "comment";

export interface AttributeChange {
  name: string;
  fields: AttributeField[];
  database: Attribute;
  file: Attribute;
}

export interface AddedAttribute {
  attribute: Attribute;
  /** The column it follows in the file's order (null: first). */
  after: string | null;
}

/** Why a difference cannot be altered, with the lines that differ (`-` database, `+` file). */
export interface Refusal {
  /**
   * `codec`: an attribute's codec or store would change. The values stay as the old codec wrote
   * them, so the new codec would misread them, and once the column no longer names the old
   * store, gc sees none of its objects referenced and deletes them. Never altered in place.
   */
  what: "primary key" | "foreign key" | "index" | "codec";
  lines: string[];
}

export interface HeadingDiff {
  comment: { database: string; file: string } | null;
  added: AddedAttribute[];
  dropped: Attribute[];
  changed: AttributeChange[];
  refused: Refusal[];
}

export function isIdentical(d: HeadingDiff): boolean {
  return !d.comment && d.added.length === 0 && d.dropped.length === 0 && d.changed.length === 0 && d.refused.length === 0;
}

/** Whether a change touches the stored column (not only comments): needs a rebuild on SQLite. */
export function changesColumns(d: HeadingDiff): boolean {
  return d.added.length > 0 || d.dropped.length > 0 || d.changed.some((c) => c.fields.some((f) => f !== "comment"));
}

/**
 * A type as compared: core and codec types as written (the marker keeps them), native types in
 * the one spelling the database reads back (`INT(11)` = `int`, `serial`, `integer`).
 */
function comparableType(a: Attribute): string {
  return a.marker || a.codec ? a.type.replace(/\s+/g, "") : canonicalNativeType(a.type);
}

/** A default as compared: unquoted, numbers by value (MySQL reads `0.5` back as `0.500`). */
function comparableDefault(a: Attribute): string {
  if (a.nullable || a.default === null) return "";
  const v = a.default.replace(/^'(.*)'$/s, "$1").replace(/^current_timestamp(\(\))?$/i, "CURRENT_TIMESTAMP");
  // PostgreSQL stores `= 0 : bool` as `false` and reads it back so; MySQL keeps the number.
  if (/^(bool|boolean)$/i.test(a.type.trim())) {
    if (/^(true|t|1)$/i.test(v)) return "1";
    if (/^(false|f|0)$/i.test(v)) return "0";
  }
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? String(Number(v)) : v;
}

function attributeFields(db: Attribute, file: Attribute): AttributeField[] {
  const fields: AttributeField[] = [];
  if (comparableType(db) !== comparableType(file)) fields.push("type");
  if (db.nullable !== file.nullable) fields.push("nullable");
  else if (comparableDefault(db) !== comparableDefault(file)) fields.push("default");
  if (db.comment !== file.comment) fields.push("comment");
  return fields;
}

/** Plain secondary attributes: the ones alter may add, drop or change. */
const plain = (h: Heading) => h.attributes.filter((a) => !a.inKey && !a.hidden && !a.foreignKey);

/** The primary key as compared: names, and for attributes of the table itself their type. */
function keyLines(h: Heading): string[] {
  return h.attributes.filter((a) => a.inKey && !a.hidden && !a.foreignKey).map((a) => attributeLine(a));
}

function keySignature(h: Heading): string {
  return h.attributes.filter((a) => a.inKey).map((a) => (a.foreignKey ? `${a.name} fk` : `${a.name} ${comparableType(a)}`)).join(", ");
}

const fkSignature = (fk: ForeignKey) =>
  `${fk.parentSchema}.${fk.parentTable} (${fk.columns.join(",")}) -> (${fk.refColumns.join(",")}) null=${fk.nullable} unique=${fk.unique}`;

function indexLines(h: Heading): string[] {
  const lines = userIndexes(h).map((ix) => `${ix.unique ? "unique index" : "index"}(${ix.columns.join(", ")})`);
  // `serial` implies a unique index of its own, which the database then reports.
  for (const a of h.attributes) if (!a.marker && /^serial$/i.test(a.type.trim())) lines.push(`unique index(${a.name})`);
  return [...new Set(lines)];
}

/** Lines only in `a` as `- x`, lines only in `b` as `+ x`. */
function setDifference(a: string[], b: string[]): string[] {
  return [...a.filter((l) => !b.includes(l)).map((l) => `- ${l}`), ...b.filter((l) => !a.includes(l)).map((l) => `+ ${l}`)];
}

export function diffHeadings(db: Heading, file: Heading): HeadingDiff {
  const refused: Refusal[] = [];
  if (keySignature(db) !== keySignature(file)) {
    const lines = setDifference(keyLines(db), keyLines(file));
    refused.push({ what: "primary key", lines: lines.length ? lines : [`- (${keySignature(db)})`, `+ (${keySignature(file)})`] });
  }
  const dbFks = db.foreignKeys.map(fkSignature);
  const fileFks = file.foreignKeys.map(fkSignature);
  if (dbFks.some((s) => !fileFks.includes(s)) || fileFks.some((s) => !dbFks.includes(s))) {
    const lines = [
      ...db.foreignKeys.filter((fk) => !fileFks.includes(fkSignature(fk))).map((fk) => `- ${foreignKeyLine(db, fk)}`),
      ...file.foreignKeys.filter((fk) => !dbFks.includes(fkSignature(fk))).map((fk) => `+ ${foreignKeyLine(file, fk)}`),
    ];
    refused.push({ what: "foreign key", lines });
  }
  const indexDiff = setDifference(indexLines(db), indexLines(file));
  if (indexDiff.length) refused.push({ what: "index", lines: indexDiff });

  const dbPlain = plain(db);
  const filePlain = plain(file);
  // A name that is a plain attribute on one side and a key or foreign-key column on the other is
  // already a key or foreign-key difference: it is not also reported as added or dropped.
  const elsewhere = (h: Heading, name: string) => h.attributes.some((a) => a.name === name && (a.inKey || a.foreignKey));
  const added: AddedAttribute[] = [];
  const changed: AttributeChange[] = [];
  const codecChanges: string[] = [];
  file.attributes.forEach((a, i) => {
    if (!filePlain.includes(a)) return;
    const old = dbPlain.find((b) => b.name === a.name);
    if (!old) {
      if (!elsewhere(db, a.name)) added.push({ attribute: a, after: i > 0 ? file.attributes[i - 1]!.name : null });
      return;
    }
    const fields = attributeFields(old, a);
    if (fields.includes("type") && (old.codec || a.codec)) {
      codecChanges.push(`- ${attributeLine(old)}`, `+ ${attributeLine(a)}`);
      return;
    }
    if (fields.length) changed.push({ name: a.name, fields, database: old, file: a });
  });
  if (codecChanges.length) refused.push({ what: "codec", lines: codecChanges });
  const dropped = dbPlain.filter((a) => !filePlain.some((b) => b.name === a.name) && !elsewhere(file, a.name));
  const comment = db.comment === file.comment ? null : { database: db.comment, file: file.comment };
  return { comment, added, dropped, changed, refused };
}

/** The diff as indented lines: `+` in the file only, `-` in the database only, `~` changed. */
export function renderDiff(d: HeadingDiff): string[] {
  const out: string[] = [];
  if (d.comment) out.push(`  ~ table comment: ${JSON.stringify(d.comment.database)} -> ${JSON.stringify(d.comment.file)}`);
  for (const a of d.added) out.push(`  + ${attributeLine(a.attribute)}`);
  for (const a of d.dropped) out.push(`  - ${attributeLine(a)}`);
  for (const c of d.changed) {
    out.push(`  ~ ${c.name} (${c.fields.join(", ")}):`);
    out.push(`      - ${attributeLine(c.database)}`);
    out.push(`      + ${attributeLine(c.file)}`);
  }
  for (const r of d.refused) {
    out.push(`  ! ${r.what} differs (alter cannot change it):`);
    for (const l of r.lines) out.push(`      ${l}`);
  }
  return out;
}

/** The diff as JSON: attributes as their definition lines. */
export function diffJson(d: HeadingDiff): Record<string, unknown> {
  return {
    comment: d.comment,
    added: d.added.map((a) => ({ name: a.attribute.name, definition: attributeLine(a.attribute), after: a.after })),
    dropped: d.dropped.map((a) => ({ name: a.name, definition: attributeLine(a) })),
    changed: d.changed.map((c) => ({ name: c.name, fields: c.fields, database: attributeLine(c.database), file: attributeLine(c.file) })),
    refused: d.refused,
  };
}
