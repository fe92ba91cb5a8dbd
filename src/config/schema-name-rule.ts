/**
 * The rule for a schema name, as a pure predicate. It sits in config/ because the config's own
 * `schema` key is checked against it and config is below schema/ (schema/ imports codecs/,
 * which import config/); schema/schema-name.ts re-exports it with the errors each source gets.
 */
const RULE = /^[A-Za-z0-9_$]{1,64}$/;
export const SCHEMA_NAME_RULE = "letters, digits, _ and $ only, at most 64 characters";

export function isValidSchemaName(name: unknown): name is string {
  return typeof name === "string" && RULE.test(name);
}
