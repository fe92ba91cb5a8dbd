/**
 * The `--where` language: comparisons of an attribute with values, combined with and/or/not and
 * parentheses.
 *
 *   expr  := or
 *   or    := and ("or" and)*
 *   and   := not ("and" not)*
 *   not   := "not" not | "(" expr ")" | test
 *   test  := NAME op VALUE | NAME ["not"] "in" "(" VALUE ("," VALUE)* ")"
 *          | NAME ["not"] "like" VALUE | NAME "is" ["not"] "null"
 *   op    := = | == | != | <> | < | <= | > | >=
 *   VALUE := 'text' | "text" (a backslash or a doubled quote escapes) | a bare word or number
 *
 * Keywords are case-insensitive. The left side is always an attribute and the right side always
 * a value (never another attribute, a function or SQL), so the grammar cannot express anything
 * but a restriction. Values stay text here: the binder parses each by its attribute's type.
 */
import { UsageError } from "../errors.js";
import type { CompareOp } from "../db/condition.js";

export type WhereNode =
  | { kind: "and" | "or"; parts: WhereNode[] }
  | { kind: "not"; part: WhereNode }
  | { kind: "compare"; name: string; op: CompareOp; value: string }
  | { kind: "in"; name: string; values: string[]; negated: boolean }
  | { kind: "like"; name: string; pattern: string; negated: boolean }
  | { kind: "null"; name: string; negated: boolean };

type Token =
  | { type: "word"; text: string; at: number }
  | { type: "string"; text: string; at: number }
  | { type: "op"; text: string; at: number }
  | { type: "punct"; text: "(" | ")" | ","; at: number }
  | { type: "end"; text: ""; at: number };

/** Longest first, so `<=` is not read as `<` then `=`. */
const OPERATORS = ["<=", ">=", "!=", "<>", "==", "=", "<", ">"];
const OP_OF: Record<string, CompareOp> = { "=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };
const KEYWORDS = new Set(["and", "or", "not", "in", "like", "is", "null"]);
/** A bare word: attribute names, numbers, dates (2024-01-31), times (12:30:00), versions. */
const BARE = /[A-Za-z0-9_.:+\-]/;
const MAX_LENGTH = 64 * 1024;

function syntaxError(source: string, at: number, what: string): UsageError {
  const caret = `${" ".repeat(Math.min(at, 200))}^`;
  return new UsageError(`--where: ${what} at position ${at + 1}`, {
    hint: `${source.length > 200 ? `${source.slice(0, 200)}…` : source}\n${caret}\nquote values that contain spaces or keywords: name = 'two words'`,
    code: "usage.where",
  });
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ type: "punct", text: ch, at: i++ });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: "op", text: op, at: i });
      i += op.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const start = i++;
      let text = "";
      for (;;) {
        if (i >= source.length) throw syntaxError(source, start, "unterminated quoted value");
        const c = source[i++]!;
        if (c === ch && source[i] === ch) {
          text += ch; // SQL's doubled quote: 'it''s'
          i++;
          continue;
        }
        if (c === ch) break;
        if (c === "\\" && i < source.length) text += source[i++]!;
        else text += c;
      }
      tokens.push({ type: "string", text, at: start });
      continue;
    }
    if (BARE.test(ch)) {
      const start = i;
      while (i < source.length && BARE.test(source[i]!)) i++;
      tokens.push({ type: "word", text: source.slice(start, i), at: start });
      continue;
    }
    throw syntaxError(source, i, `unexpected character ${JSON.stringify(ch)}`);
  }
  tokens.push({ type: "end", text: "", at: source.length });
  return tokens;
}

const isKeyword = (t: Token, kw: string) => t.type === "word" && t.text.toLowerCase() === kw;

export function parseWhere(source: string): WhereNode {
  if (source.length > MAX_LENGTH) throw new UsageError(`--where is ${source.length} characters; the limit is ${MAX_LENGTH}`, { code: "usage.where" });
  const tokens = tokenize(source);
  if (tokens.length === 1) throw syntaxError(source, 0, "empty restriction");
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const fail = (what: string, t: Token = peek()): never => {
    throw syntaxError(source, t.at, t.type === "end" ? `${what}, but the restriction ends` : `${what}, found ${JSON.stringify(t.text)}`);
  };
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text || t.type === "string") fail(`expected "${text}"`, t);
  };

  const value = (): string => {
    const t = next();
    if (t.type === "string") return t.text;
    if (t.type === "word" && !KEYWORDS.has(t.text.toLowerCase())) return t.text;
    if (isKeyword(t, "null")) fail('a comparison with null is never true; write "is null" or "is not null"', t);
    return fail("expected a value", t);
  };

  const test = (): WhereNode => {
    const t = next();
    if (t.type !== "word" || KEYWORDS.has(t.text.toLowerCase())) fail("expected an attribute name", t);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text)) fail("expected an attribute name", t);
    const name = t.text;
    const op = peek();
    if (op.type === "op") {
      next();
      return { kind: "compare", name, op: OP_OF[op.text]!, value: value() };
    }
    if (isKeyword(op, "is")) {
      next();
      const negated = isKeyword(peek(), "not") ? (next(), true) : false;
      if (!isKeyword(peek(), "null")) fail('expected "null" after "is"');
      next();
      return { kind: "null", name, negated };
    }
    const negated = isKeyword(op, "not") ? (next(), true) : false;
    if (isKeyword(peek(), "in")) {
      next();
      expect("(");
      const values = [value()];
      while (peek().text === "," && peek().type === "punct") {
        next();
        values.push(value());
      }
      expect(")");
      return { kind: "in", name, values, negated };
    }
    if (isKeyword(peek(), "like")) {
      next();
      return { kind: "like", name, pattern: value(), negated };
    }
    return fail(negated ? 'expected "in" or "like" after "not"' : "expected an operator (=, !=, <, <=, >, >=, in, like, is null)");
  };

  const unary = (): WhereNode => {
    if (isKeyword(peek(), "not")) {
      next();
      return { kind: "not", part: unary() };
    }
    if (peek().type === "punct" && peek().text === "(") {
      const open = next();
      if (++depth > 100) fail("parentheses nested more than 100 deep", open);
      const inner = or();
      depth--;
      expect(")");
      return inner;
    }
    return test();
  };
  const chain = (kind: "and" | "or", operand: () => WhereNode) => (): WhereNode => {
    const parts = [operand()];
    while (isKeyword(peek(), kind)) {
      next();
      parts.push(operand());
    }
    return parts.length === 1 ? parts[0]! : { kind, parts };
  };
  const and = chain("and", unary);
  const or = chain("or", and);

  const tree = or();
  if (peek().type !== "end") fail('expected "and", "or" or the end');
  return tree;
}
