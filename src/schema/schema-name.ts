/**
 * One rule for schema names from every source — `--schema`, a command argument, `schema.Table`
 * references, the config's `schema`, `schema NAME` lines and foreign keys in definition files —
 * checked before any file or SQL is made. A schema is a database on MySQL and a file
 * `.dj/<schema>.sqlite` on the embedded database, so a name with `/` or `..` would otherwise
 * create a file outside `.dj/`.
 */
import { isValidSchemaName, SCHEMA_NAME_RULE } from "../config/schema-name-rule.js";
import { ConfigError, InputError, UsageError, type DjError } from "../errors.js";

export { isValidSchemaName, SCHEMA_NAME_RULE };

/** Where the name came from: decides the exit code (2 command line, 3 config, 7 file). */
export type SchemaNameSource = "--schema" | "argument" | "table reference" | "config" | "file";

export function schemaNameError(name: string, from: SchemaNameSource, where?: string): DjError {
  const message = `invalid schema name ${JSON.stringify(name)}${where ? ` in ${where}` : ` (from ${from})`}: ${SCHEMA_NAME_RULE}`;
  const options = { hint: "a schema name is one database (one file in .dj/ on the embedded database); it cannot hold /, . or spaces", code: "schema.name" } as const;
  if (from === "config") return new ConfigError(message, options);
  if (from === "file") return new InputError(message, options);
  return new UsageError(message, options);
}

export function assertSchemaName(name: string, from: SchemaNameSource, where?: string): string {
  if (!isValidSchemaName(name)) throw schemaNameError(name, from, where);
  return name;
}
