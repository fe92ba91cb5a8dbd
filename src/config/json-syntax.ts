/**
 * Where a JSON text first goes wrong, as line and column, without quoting any of it.
 *
 * V8's own `JSON.parse` messages quote the text around the error ("Unexpected token 'a',
 * "…password": abc…" is not valid JSON"), which leaks the start of an unquoted or single-quoted
 * secret, and some of them give no position at all. This scanner walks the grammar just far
 * enough to find the first offending offset and says what was expected there, never what was found.
 */

export interface JsonSyntaxError {
  line: number;
  column: number;
  /** What was wrong, in words that never contain the text itself. */
  problem: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** Null when `text` is valid JSON (as far as structure goes; JSON.parse has the last word). */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const expect = (what: string): never => {
    throw new Stop(i, i >= text.length ? `unexpected end of the file (expected ${what})` : `expected ${what}`);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else expect("a value (a string in double quotes, a number, true, false, null, an object or a list)");
  };
  const string = () => {
    const start = i;
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) throw new Stop(start, "unterminated string (no closing double quote)");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i, "line break or control character inside a string (write it as an escape such as \\n)");
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, "invalid \\u escape in a string (four hex digits expected)");
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) throw new Stop(i, "invalid escape in a string");
        i += 2;
        continue;
      }
      i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-" || m[0] === "") expect("a value (a string in double quotes, a number, true, false, null, an object or a list)");
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) throw new Stop(i, "nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") return object(depth);
    if (c === "[") return list(depth);
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "'") throw new Stop(i, "strings need double quotes, not single quotes");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    expect("a value (a string in double quotes, a number, true, false, null, an object or a list)");
  };
  /** Skip `open` and white space; true when `close` follows at once (an empty object or list). */
  const opens = (close: string): boolean => {
    i++;
    ws();
    if (text[i] !== close) return false;
    i++;
    return true;
  };
  /** After a member: true for ',' (another follows), false for `close` (the end). */
  const another = (close: string): boolean => {
    ws();
    if (text[i] === "," || text[i] === close) return text[i++] === ",";
    return expect(`',' or '${close}'`);
  };
  const object = (depth: number) => {
    if (opens("}")) return;
    do {
      ws();
      if (text[i] === "'") throw new Stop(i, "keys need double quotes, not single quotes");
      if (text[i] !== '"') expect(text[i] === "}" ? "another key (no comma before '}')" : "a key in double quotes");
      string();
      ws();
      if (text[i] !== ":") expect("':' after the key");
      i++;
      value(depth + 1);
    } while (another("}"));
  };
  const list = (depth: number) => {
    if (opens("]")) return;
    do value(depth + 1);
    while (another("]"));
  };
  try {
    value(0);
    ws();
    if (i < text.length) throw new Stop(i, "more text after the end of the JSON value");
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { ...lineColumn(text, err.offset), problem: err.problem };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === "\n") {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
