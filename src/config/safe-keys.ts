/**
 * Configuration is data: no key may name a property of JavaScript's object machinery. A flat key
 * such as `"stores.__proto__.location"` would otherwise be written through `Object.prototype`
 * (a store without a location then validates, and every object seems to have that key).
 * Every source is checked — the file, DJ_STORES, secret file names — before anything is merged.
 */
import { ConfigError } from "../errors.js";

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

export function isForbiddenSegment(segment: string): boolean {
  return FORBIDDEN.has(segment);
}

/** The dotted path of the first key (or dot-separated part of a key) that is forbidden, or null. */
export function findForbiddenKey(value: unknown, path: string[] = []): string | null {
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const found = findForbiddenKey(value[k], [...path, String(k)]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  for (const key of Object.keys(value)) {
    if (key.split(".").some(isForbiddenSegment)) return [...path, key].join(".");
    const found = findForbiddenKey((value as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return null;
}

export function assertNoForbiddenKeys(value: unknown, where: string): void {
  const found = findForbiddenKey(value);
  if (found === null) return;
  throw new ConfigError(`${where}: key "${found}" is not allowed (__proto__, constructor and prototype cannot be config keys)`, {
    hint: "rename or remove that key",
    code: "config.key",
  });
}
