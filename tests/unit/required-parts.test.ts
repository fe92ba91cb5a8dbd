/**
 * Under CI every optional part is required (.ci/run installs them): this names the one that is
 * missing, where the tests that need it would fail with a less direct message. Outside CI a
 * missing part is reported here as a skip, with the command that adds it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isPresent, parts, underCi, type PartName } from "../helpers/requires.js";

for (const name of Object.keys(parts) as PartName[]) {
  const part = parts[name];
  const skip = !underCi && !isPresent(name) && `${part.what} is missing; enable with: ${part.enable}`;
  test(`optional part present: ${part.what}`, { skip }, () => {
    assert.ok(isPresent(name), `${part.what} is missing (CI requires it); add it with: ${part.enable}`);
  });
}
