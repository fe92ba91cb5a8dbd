/** The suite-wide secret search itself: it must find what a project holds, and nothing else. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { leakedSecret, projectSecrets } from "../helpers/secret-scan.js";

test("collects secrets from the config, .secrets/ and the environment, and finds them or their start", () => {
  const { dir, cleanup } = tempProject({
    "dj.config.json": { database: { host: "db", password: "p4ssw0rd-long-one" }, stores: { s: { protocol: "s3", access_key: "AKIA-printed", secret_key: "short7!" } } },
    ".secrets/stores.s.secret_key": "from-a-secret-file\n",
  });
  try {
    const secrets = projectSecrets(dir, [], { DJ_PASS: "env-pass-456", HOME: "/root" });
    assert.deepEqual([...secrets].sort(), ["env-pass-456", "from-a-secret-file", "p4ssw0rd-long-one", "short7!"]);
    assert.equal(leakedSecret(secrets, "dj: bad value near 'p4ssw0rd"), "p4ssw0rd-long-one", "the start of a long secret is a leak");
    assert.equal(leakedSecret(secrets, "endpoint AKIA-printed, password ****"), null, "access keys and masks are not secrets");
    assert.equal(leakedSecret(secrets, "", "stack: short7!"), "short7!");
  } finally {
    cleanup();
  }
});
