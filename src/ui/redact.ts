/**
 * Secret masking for every byte `dj` prints. The config loader registers each password and
 * secret key it resolves; `redact()` replaces them with `****` in any text (error messages
 * from drivers included, which sometimes echo connection settings).
 */

const secrets = new Set<string>();

export function registerSecret(value: string | null | undefined): void {
  // Very short values would mask ordinary words; DataJoint secrets are never that short.
  if (value && value.length >= 3) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("****");
  }
  return out;
}
