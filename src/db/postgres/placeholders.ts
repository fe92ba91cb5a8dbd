/**
 * The compilers write `?` placeholders (MySQL's and SQLite's style); PostgreSQL numbers them
 * (`$1`, `$2`). This rewrites the `?` outside string literals, quoted identifiers and
 * dollar-quoted bodies, so a `?` inside a comment text or a table name stays as it is.
 */
export function toNumberedPlaceholders(sql: string): string {
  if (!sql.includes("?")) return sql;
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2; // doubled quote inside
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      const end = tag ? sql.indexOf(tag, i + tag.length) : -1;
      if (tag && end >= 0) {
        out += sql.slice(i, end + tag.length);
        i = end + tag.length;
      } else {
        out += c;
        i++;
      }
    } else if (c === "?") {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
