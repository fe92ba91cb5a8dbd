/**
 * The part of Python's literal syntax (`ast.literal_eval`) that a `.npy` header can use: NumPy
 * reads the header dict with `literal_eval`, so dj parses it by the same rules — and refuses
 * what Python refuses (leading zeros, trailing text, `--3`, unterminated strings) instead of
 * picking values out with patterns. Floats, complex numbers, sets and anything else that cannot
 * appear in a valid header are reported as unsupported rather than evaluated.
 */

export type PyValue =
  | { t: "dict"; entries: Array<[PyValue, PyValue]> }
  | { t: "tuple"; items: PyValue[] }
  | { t: "list"; items: PyValue[] }
  | { t: "str"; value: string }
  | { t: "bytes"; value: string }
  | { t: "int"; value: bigint }
  | { t: "bool"; value: boolean }
  | { t: "none" };

export class PyLiteralError extends Error {}

export interface PyLiteralOptions {
  /**
   * Ignore a name `L` right after a number, as NumPy does for headers of format versions 1.0 and
   * 2.0 (files written by Python 2 put `3L` in shapes).
   */
  allowLongSuffix?: boolean;
}

const DIGITS = { 10: /^[0-9]$/, 16: /^[0-9a-fA-F]$/, 8: /^[0-7]$/, 2: /^[01]$/ } as const;
const SIMPLE_ESCAPES: Record<string, string> = { "\n": "", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** Python's `ast.literal_eval(text)` for the literals above; throws PyLiteralError with the reason. */
export function parsePyLiteral(text: string, options: PyLiteralOptions = {}): PyValue {
  return new Parser(text, options).document();
}

class Parser {
  private pos = 0;
  /** Open brackets: inside them newlines are whitespace, as in Python. */
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly options: PyLiteralOptions,
  ) {}

  private fail(why: string): never {
    throw new PyLiteralError(`${why} at character ${this.pos + 1}`);
  }

  document(): PyValue {
    // literal_eval strips leading spaces and tabs; eval mode then allows trailing blank lines.
    while (this.s[this.pos] === " " || this.s[this.pos] === "\t") this.pos++;
    if (this.s.includes("\0")) this.fail("NUL character in the header");
    this.skip();
    const v = this.value();
    this.skip(true);
    if (this.pos < this.s.length) this.fail(`unexpected text after the literal (${JSON.stringify(this.s.slice(this.pos, this.pos + 20))})`);
    return v;
  }

  /** Whitespace, comments, line continuations; newlines only inside brackets (or at the end). */
  private skip(atEnd = false): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === " " || c === "\t" || c === "\f") this.pos++;
      else if (c === "#") while (this.pos < this.s.length && this.s[this.pos] !== "\n" && this.s[this.pos] !== "\r") this.pos++;
      else if (c === "\\" && (this.s[this.pos + 1] === "\n" || this.s[this.pos + 1] === "\r")) this.pos += this.s[this.pos + 2] === "\n" && this.s[this.pos + 1] === "\r" ? 3 : 2;
      else if ((c === "\n" || c === "\r") && (this.depth > 0 || atEnd)) this.pos++;
      else if ((c === "\n" || c === "\r") && this.s.slice(this.pos).trim() === "") this.pos = this.s.length;
      else return;
    }
  }

  private eat(ch: string): boolean {
    this.skip();
    if (this.s[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  private value(): PyValue {
    this.skip();
    const c = this.s[this.pos];
    if (c === undefined) this.fail("unexpected end of the header");
    if (c === "{") return this.dict();
    if (c === "(") return this.tupleOrGroup();
    if (c === "[") {
      this.pos++;
      this.depth++;
      return { t: "list", items: this.items("]") };
    }
    if (c === "-" || c === "+") {
      this.pos++;
      this.skip();
      const n = this.number(); // literal_eval allows one sign on a number, not `--3` or `-True`
      return { t: "int", value: c === "-" ? -n : n };
    }
    if (/[0-9.]/.test(c)) return { t: "int", value: this.number() };
    if (/[A-Za-z_]/.test(c) || c > "\x7f") {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
      const word = m?.[0] ?? "";
      const quote = this.s[this.pos + word.length];
      if (word && /^(r|u|R|U|b|B|br|rb|bR|Br|rB|Rb|BR|RB)$/.test(word) && (quote === "'" || quote === '"')) return this.strings();
      this.pos += word.length;
      if (word === "True" || word === "False") return { t: "bool", value: word === "True" };
      if (word === "None") return { t: "none" };
      this.fail(word ? `name ${word} is not a literal` : `unexpected character ${JSON.stringify(c)}`);
    }
    if (c === "'" || c === '"') return this.strings();
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private dict(): PyValue {
    this.pos++;
    this.depth++;
    const entries: Array<[PyValue, PyValue]> = [];
    while (!this.eat("}")) {
      const key = this.value();
      if (!this.eat(":")) this.fail("expected ':' in the dict");
      entries.push([key, this.value()]);
      if (this.eat("}")) break;
      if (!this.eat(",")) this.fail("expected ',' or '}' in the dict");
    }
    this.depth--;
    return { t: "dict", entries };
  }

  private tupleOrGroup(): PyValue {
    this.pos++;
    this.depth++;
    if (this.eat(")")) {
      this.depth--;
      return { t: "tuple", items: [] };
    }
    const first = this.value();
    if (this.eat(")")) {
      this.depth--;
      return first; // (x) is x, not a tuple
    }
    if (!this.eat(",")) this.fail("expected ',' or ')'");
    const items = [first, ...this.items(")")];
    return { t: "tuple", items };
  }

  /** Items up to the closing bracket (the opening one is consumed), trailing comma allowed. */
  private items(close: string): PyValue[] {
    const items: PyValue[] = [];
    while (!this.eat(close)) {
      items.push(this.value());
      if (this.eat(close)) break;
      if (!this.eat(",")) this.fail(`expected ',' or '${close}'`);
    }
    this.depth--;
    return items;
  }

  /** Python 3 integer literals; floats and complex numbers are refused (no header uses them). */
  private number(): bigint {
    const rest = this.s.slice(this.pos);
    const m = /^(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?[0-9])*)/.exec(rest);
    if (!m) this.fail("not an integer literal");
    const lit = m[0];
    const next = rest[lit.length] ?? "";
    if (/[0-9]/.test(next)) this.fail("leading zeros in a decimal integer literal are not permitted");
    if (/[.eEjJ]/.test(next)) this.fail("floating-point and complex numbers are not supported in a .npy header");
    if (/[A-Za-z0-9_]/.test(next) && !(this.options.allowLongSuffix && next === "L")) this.fail(`invalid integer literal ${JSON.stringify(lit + next)}`);
    this.pos += lit.length;
    if (this.options.allowLongSuffix) {
      // tokenize sees NUMBER then NAME "L" (with or without a space); NumPy drops that name.
      const save = this.pos;
      this.skip();
      if (this.s[this.pos] === "L" && !/[A-Za-z0-9_]/.test(this.s[this.pos + 1] ?? "")) this.pos++;
      else this.pos = save;
    }
    const digits = lit.replace(/_/g, "");
    if (/^0[xXoObB]/.test(digits)) return BigInt(digits.toLowerCase());
    return BigInt(digits);
  }

  /** One or more adjacent string literals (Python concatenates them); str and bytes do not mix. */
  private strings(): PyValue {
    let value = "";
    let kind: "str" | "bytes" | null = null;
    for (;;) {
      this.skip();
      const m = /^([rRuUbB]{0,2})(['"])/.exec(this.s.slice(this.pos));
      if (!m) break;
      const prefix = m[1]!.toLowerCase();
      if (!/^(|r|u|b|br|rb)$/.test(prefix)) break;
      const isBytes = prefix.includes("b");
      if (kind !== null && (kind === "bytes") !== isBytes) this.fail("cannot mix bytes and nonbytes literals");
      kind = isBytes ? "bytes" : "str";
      this.pos += m[0].length;
      value += this.stringBody(m[2]!, prefix.includes("r"), isBytes);
    }
    return { t: kind ?? "str", value };
  }

  private stringBody(q: string, raw: boolean, isBytes: boolean): string {
    const triple = this.s.startsWith(q + q, this.pos);
    if (triple) this.pos += 2;
    const end = triple ? q.repeat(3) : q;
    let out = "";
    for (;;) {
      if (this.pos >= this.s.length) this.fail("unterminated string literal");
      if (this.s.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const c = this.s[this.pos]!;
      if (!triple && (c === "\n" || c === "\r")) this.fail("unterminated string literal");
      if (isBytes && c > "\x7f") this.fail("bytes can only contain ASCII literal characters");
      if (c !== "\\") {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.s[this.pos + 1];
      if (e === undefined) this.fail("unterminated string literal");
      if (raw) {
        out += c + e; // a raw string keeps the backslash (and it still escapes the quote)
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      if (e === "\r" && this.s[this.pos] === "\n") this.pos++;
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (/[0-7]/.test(e)) {
        let oct = e;
        while (oct.length < 3 && /[0-7]/.test(this.s[this.pos] ?? "")) oct += this.s[this.pos++];
        out += String.fromCodePoint(parseInt(oct, 8));
      } else if (e === "x" || (!isBytes && (e === "u" || e === "U"))) {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.s.slice(this.pos, this.pos + n);
        if (hex.length !== n || ![...hex].every((h) => DIGITS[16].test(h))) this.fail(`truncated \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail(`illegal Unicode character in \\${e} escape`);
        out += String.fromCodePoint(cp);
        this.pos += n;
      } else if (e === "N" && !isBytes) this.fail("\\N{...} escapes are not supported in a .npy header");
      else out += "\\" + e; // Python keeps unknown escapes as they are (with a warning)
    }
  }
}
