import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runDj, tempProject } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName } from "../helpers/db.js";

describe("dj schema / tables / describe / drop", () => {
  const schema = schemaName("cli");
  const { dir, cleanup } = tempProject({
    "dj.config.json": { database: databaseSection, schema },
    "p.dj": `schema ${schema}\n\nAnimal (manual)\n    # an animal\n    animal_id : int32\n    ---\n    name = "" : varchar(32)  # what we call it\n\nVisit (manual)\n    -> Animal\n    visit : int16\n`,
  });
  after(async () => {
    const conn = await connect();
    await dropSchemas(conn, schema);
    await conn.end();
    cleanup();
  });
  const dj = (...a: string[]) => runDj(a, { cwd: dir });

  test("create, list, declare (--dry-run prints SQL and changes nothing), describe, drop", async () => {
    assert.equal((await dj("schema", "create", schema)).code, 0);
    const again = await dj("schema", "create", schema);
    assert.equal(again.code, 8);
    assert.ok(JSON.parse((await dj("schema", "list", "--json")).stdout).schemas.includes(schema));
    const dry = await dj("declare", "p.dj", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /CREATE TABLE IF NOT EXISTS `[^`]+`\.`animal` \(\n`animal_id` int NOT NULL COMMENT ":int32:",\n`name` varchar\(32\) NOT NULL DEFAULT '' COMMENT ":varchar\(32\):what we call it",\nPRIMARY KEY \(`animal_id`\)\n\) ENGINE=InnoDB, COMMENT "an animal"/);
    assert.equal(JSON.parse((await dj("tables", "--json")).stdout).tables.length, 0, "dry run declared nothing");
    assert.equal((await dj("declare", "p.dj")).code, 0);
    const d = await dj("describe", "Animal");
    assert.equal(d.stdout.trim(), 'Animal (manual)\n    # an animal\n    animal_id : int32\n    ---\n    name = "" : varchar(32)  # what we call it');
    const missing = await dj("describe", "Nope");
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /table \S+\.Nope does not exist/);
    const refused = await dj("drop", "Animal", "--force");
    assert.equal(refused.code, 8);
    assert.match(refused.stderr, /\.visit depends on it/);
    assert.equal((await dj("drop", "Visit")).code, 2, "no --force and no terminal: refused");
    assert.equal((await dj("drop", "Visit", "--force")).code, 0);
    const noForce = await dj("schema", "drop", schema);
    assert.equal(noForce.code, 2);
    assert.match(noForce.stderr, /1 table, 0 rows without --force/);
    assert.equal((await dj("schema", "drop", schema, "--force")).code, 0);
    assert.ok(!JSON.parse((await dj("schema", "list", "--json")).stdout).schemas.includes(schema));
  });

  test("a wrong password names where it came from and never prints it (exit 4)", async () => {
    const p = tempProject({ "dj.config.json": { database: { ...databaseSection, user: "nobody_here", password: "s3cret-pw-123" } } });
    try {
      const r = await runDj(["schema", "list", "--verbose"], { cwd: p.dir });
      assert.equal(r.code, 4);
      assert.match(r.stderr, /^dj: access denied for user 'nobody_here'/m);
      assert.match(r.stderr, /hint: the password came from database\.password in the config file/);
      assert.doesNotMatch(r.stdout + r.stderr, /s3cret-pw-123/);
      const env = await runDj(["schema", "list"], { cwd: p.dir, env: { DJ_PASS: "env-pass-456" } });
      assert.match(env.stderr, /the DJ_PASS environment variable/);
      assert.doesNotMatch(env.stdout + env.stderr, /env-pass-456/);
    } finally {
      p.cleanup();
    }
  });

  test("no database section: the embedded database in .dj/ beside the config", async () => {
    const p = tempProject({ "dj.config.json": {}, "p.dj": "schema lab\n\nAnimal (manual)\n    animal_id : int32\n" });
    try {
      const missing = await runDj(["tables", "lab"], { cwd: p.dir });
      assert.equal(missing.code, 4);
      assert.match(missing.stderr, /schema lab does not exist/);
      assert.equal((await runDj(["declare", "p.dj"], { cwd: p.dir })).code, 0);
      const t = await runDj(["tables", "lab", "--json"], { cwd: p.dir });
      assert.deepEqual(JSON.parse(t.stdout).tables.map((x: any) => x.className), ["Animal"]);
      assert.ok(existsSync(join(p.dir, ".dj", "lab.sqlite")));
      // A DataJoint user's shell credentials name no server: the project stays on its own database.
      const shell = { DJ_USER: "lab_user", DJ_PASS: "shell-pass-789" };
      const withCredentials = await runDj(["tables", "lab", "--json"], { cwd: p.dir, env: shell });
      assert.equal(withCredentials.code, 0, withCredentials.stderr);
      assert.deepEqual(JSON.parse(withCredentials.stdout).tables.map((x: any) => x.className), ["Animal"]);
      const shown = JSON.parse((await runDj(["config", "show", "--json"], { cwd: p.dir, env: shell })).stdout);
      assert.equal(shown.database.backend, "embedded");
      const elsewhere = await runDj(["tables", "lab"], { cwd: p.dir, env: { ...shell, DJ_HOST: "127.0.0.1:1" } });
      assert.equal(elsewhere.code, 4, "DJ_HOST does name a server");
    } finally {
      p.cleanup();
    }
  });
});
