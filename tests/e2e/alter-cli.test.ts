/**
 * `dj diff` and `dj alter` with the built binary, on MariaDB, the embedded database and PostgreSQL:
 * the diff as a CI gate (exit 0 / 8, --json), alter's refusals (drops without --force, primary
 * key, foreign key, index), and the round trip: declare v1, alter to v2, `dj diff v2` is clean
 * and the tables read back as declaring v2 fresh does (on PostgreSQL the catalog, modulo column
 * order: added columns go last there). On PostgreSQL the whole run is one transaction.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runDj, tempProject, writeFile } from "../helpers/cli.js";
import { connect, databaseSection, dropSchemas, schemaName, showCreateTables } from "../helpers/db.js";
import { pgConnect, pgDatabaseSection, pgDropSchemas } from "../helpers/pg.js";
import { pgCatalog } from "../helpers/pg-catalog.js";

const v1 = (s: string) => `schema ${s}

Animal (manual)
    # an animal
    animal_id : int32
    ---
    name = "" : varchar(32)  # what we call it
    weight : float32
    old_note = null : varchar(100)

Session (manual)
    -> Animal
    session : int16
    ---
    notes = "" : varchar(255)
`;

const v2 = (s: string) => `schema ${s}

Animal (manual)
    # an animal, v2
    animal_id : int32
    ---
    name = "x" : varchar(64)  # what we call it now
    sex = "U" : enum("M","F","U")
    weight = null : float64
    born = null : date  # birth date

Session (manual)
    -> Animal
    session : int16
    ---
    notes = "" : varchar(255)
`;

/** v2 with one change alter must refuse, for each kind. */
const refusals: Array<[string, (s: string) => string, RegExp]> = [
  ["primary key", (s) => v2(s).replace("    session : int16\n", "    session : int16\n    run : int8\n"), /primary key differs[^\n]*\n\s+\+ run : int8/],
  ["foreign key", (s) => v2(s).replace('    notes = "" : varchar(255)\n', '    notes = "" : varchar(255)\n    -> [nullable] Species\n') + "\nSpecies (lookup)\n    species : varchar(16)\n", /foreign key differs[^\n]*\n\s+\+ -> \[nullable\] Species/],
  ["index", (s) => v2(s).replace("    born = null : date  # birth date\n", "    born = null : date  # birth date\n    index(name)\n"), /index differs[^\n]*\n\s+\+ index\(name\)/],
  // Values stay as the old type wrote them, and a column that stops naming a store would let gc
  // delete the objects its rows reference: a codec change is never made in place.
  ["codec", (s) => v2(s).replace("    weight = null : float64\n", "    weight = null : <blob>\n"), /codec differs[^\n]*\n\s+- weight : float32\n\s+\+ weight = null : <blob>/],
];

for (const dialect of ["mariadb", "embedded", "postgresql"] as const)
describe(`dj diff / dj alter (${dialect})`, () => {
  const schema = schemaName("alter");
  const fresh = schemaName("alterfresh");
  let dir: string;
  let cleanup: () => void;
  const dj = (...a: string[]) => runDj(a, { cwd: dir });

  /** DDL of every table (MariaDB: SHOW CREATE TABLE; embedded: sqlite_master and ~dj_heading), schema name as S. */
  const ddl = async (s: string): Promise<Record<string, string>> => {
    if (dialect === "postgresql") {
      const client = await pgConnect();
      try {
        const cat = await pgCatalog(client, s, { ignoreColumnOrder: true });
        return Object.fromEntries(Object.entries(cat).filter(([k]) => k !== "lineage").map(([k, v]) => [k, JSON.stringify(v, null, 1)]));
      } finally {
        await client.end();
      }
    }
    if (dialect === "mariadb") {
      const conn = await connect();
      try {
        return Object.fromEntries(Object.entries(await showCreateTables(conn, s)).map(([t, sql]) => [t, sql.replaceAll(s, "S")]));
      } finally {
        await conn.end();
      }
    }
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const db = new Database(join(dir, ".dj", `${s}.sqlite`), { readonly: true });
    try {
      const out: Record<string, string> = {};
      for (const r of db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all()) out[r.name] = String(r.sql).replaceAll(s, "S");
      for (const r of db.prepare('SELECT table_name, heading FROM "~dj_heading" ORDER BY table_name').all()) out[`heading ${r.table_name}`] = String(r.heading).replaceAll(s, "S");
      return out;
    } finally {
      db.close();
    }
  };
  const lineage = async (s: string) => {
    if (dialect === "postgresql") {
      const client = await pgConnect();
      try {
        return (await client.query(`SELECT * FROM "${s}"."~lineage" ORDER BY table_name, attribute_name`)).rows;
      } finally {
        await client.end();
      }
    }
    if (dialect === "mariadb") {
      const conn = await connect();
      try {
        const [rows] = await conn.query<any[]>(`SELECT * FROM \`${s}\`.\`~lineage\` ORDER BY table_name, attribute_name`);
        return rows;
      } finally {
        await conn.end();
      }
    }
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const db = new Database(join(dir, ".dj", `${s}.sqlite`), { readonly: true });
    try {
      return db.prepare('SELECT * FROM "~lineage" ORDER BY table_name, attribute_name').all();
    } finally {
      db.close();
    }
  };

  before(async () => {
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { ...(dialect === "mariadb" ? { database: databaseSection } : dialect === "postgresql" ? { database: pgDatabaseSection } : {}), schema },
    }));
    writeFile(dir, "v1.dj", v1(schema));
    writeFile(dir, "v2.dj", v2(schema));
    writeFile(dir, "fresh.dj", v2(fresh));
    const d = await dj("declare", "v1.dj");
    assert.equal(d.code, 0, d.stderr);
    for (const args of [["Animal", "--key", "animal_id=1", "--set", "name=rex", "--set", "weight=2.5", "--set", "old_note=gone soon"], ["Session", "--key", "animal_id=1", "--key", "session=1"]]) {
      const r = await dj("insert", ...args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    if (dialect === "mariadb") {
      const conn = await connect();
      await dropSchemas(conn, schema, fresh);
      await conn.end();
    }
    if (dialect === "postgresql") {
      const client = await pgConnect();
      await pgDropSchemas(client, schema, fresh);
      await client.end();
    }
    cleanup();
  });

  test("diff: exit 0 when the file matches, 8 with every difference when not", async () => {
    const same = await dj("diff", "v1.dj");
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, `= ${schema}.Animal (animal)\n= ${schema}.Session (session)\n`);
    assert.match(same.stderr, /all 2 tables match the database/);

    const r = await dj("diff", "v2.dj");
    assert.equal(r.code, 8, r.stderr);
    assert.equal(
      r.stdout,
      [
        `~ ${schema}.Animal (animal):`,
        '  ~ table comment: "an animal" -> "an animal, v2"',
        '  + sex = "U" : enum("M","F","U")',
        "  + born = null : date  # birth date",
        "  - old_note = null : varchar(100)",
        "  ~ name (type, default, comment):",
        '      - name = "" : varchar(32)  # what we call it',
        '      + name = "x" : varchar(64)  # what we call it now',
        "  ~ weight (type, nullable):",
        "      - weight : float32",
        "      + weight = null : float64",
        `= ${schema}.Session (session)`,
        "",
      ].join("\n"),
    );
    assert.match(r.stderr, /1 of 2 tables differ from the database/);

    const j = await dj("diff", "v2.dj", "--json");
    assert.equal(j.code, 8);
    assert.equal(j.stderr, "");
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.identical, false);
    const animal = doc.tables.find((t: any) => t.table === "animal");
    assert.equal(animal.status, "different");
    assert.deepEqual(animal.comment, { database: "an animal", file: "an animal, v2" });
    assert.deepEqual(animal.added.map((a: any) => [a.name, a.after]), [["sex", "name"], ["born", "weight"]]);
    assert.deepEqual(animal.dropped.map((a: any) => a.name), ["old_note"]);
    assert.deepEqual(animal.changed.map((c: any) => [c.name, c.fields]), [["name", ["type", "default", "comment"]], ["weight", ["type", "nullable"]]]);
    assert.deepEqual(animal.refused, []);
    assert.equal(doc.tables.find((t: any) => t.table === "session").status, "identical");
  });

  test("diff: a table not yet declared is a difference", async () => {
    writeFile(dir, "more.dj", v1(schema) + "\nSpecies (lookup)\n    species : varchar(16)\n");
    const r = await dj("diff", "more.dj");
    assert.equal(r.code, 8);
    assert.match(r.stdout, new RegExp(`^\\+ ${schema}\\.Species \\(#species\\): not in the database \\(dj declare creates it\\)$`, "m"));
    assert.equal(JSON.parse((await dj("diff", "more.dj", "--json")).stdout).tables.find((t: any) => t.className === "Species").status, "missing");
  });

  test("alter refuses primary-key, foreign-key, index and codec changes (exit 8, the diff, nothing changed)", async () => {
    const before = await ddl(schema);
    for (const [what, file, shown] of refusals) {
      writeFile(dir, "bad.dj", file(schema));
      const r = await dj("alter", "bad.dj", "--force");
      assert.equal(r.code, 8, `${what}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`alter cannot change the ${what} of a table; nothing was altered`));
      assert.match(r.stderr, shown);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
      const d = await dj("diff", "bad.dj");
      assert.equal(d.code, 8);
      assert.match(d.stdout, shown);
    }
    assert.deepEqual(await ddl(schema), before, "nothing was altered");
  });

  test("alter without --force and without a terminal refuses to drop attributes (exit 2)", async () => {
    const before = await ddl(schema);
    const r = await dj("alter", "v2.dj");
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`drops ${schema}\\.Animal\\.old_note`));
    assert.match(r.stderr, /refusing to drop attribute .*old_note \(its values are lost\) without --force/);
    assert.deepEqual(await ddl(schema), before);
  });

  test("alter --dry-run prints the SQL and changes nothing", async () => {
    const before = await ddl(schema);
    const r = await dj("alter", "v2.dj", "--dry-run");
    assert.equal(r.code, 0, r.stderr);
    if (dialect === "mariadb") {
      assert.equal(
        r.stdout,
        [
          `ALTER TABLE \`${schema}\`.\`animal\``,
          "\tDROP `old_note`,",
          '\tMODIFY `name` varchar(64) NOT NULL DEFAULT \'x\' COMMENT ":varchar(64):what we call it now",',
          '\tADD `sex` enum("M","F","U") NOT NULL DEFAULT \'U\' COMMENT ":enum(\\"M\\",\\"F\\",\\"U\\"):" AFTER `name`,',
          '\tMODIFY `weight` double DEFAULT NULL COMMENT ":float64:",',
          '\tADD `born` date DEFAULT NULL COMMENT ":date:birth date" AFTER `weight`,',
          '\tCOMMENT="an animal, v2";',
          "",
          `-- ${schema}.Session (session): unchanged`,
          "",
        ].join("\n"),
      );
    } else if (dialect === "postgresql") {
      const t = `"${schema}"."animal"`;
      assert.equal(
        r.stdout,
        [
          `DO $dj$ BEGIN CREATE TYPE "${schema}"."enum_e54fc739" AS ENUM ('M', 'F', 'U'); EXCEPTION WHEN duplicate_object THEN NULL; END $dj$;`,
          `ALTER TABLE ${t} DROP COLUMN "old_note";`,
          `ALTER TABLE ${t} ADD COLUMN "sex" "${schema}"."enum_e54fc739" NOT NULL DEFAULT 'U';`,
          `COMMENT ON COLUMN ${t}."sex" IS ':enum("M","F","U"):';`,
          `ALTER TABLE ${t} ADD COLUMN "born" date DEFAULT NULL;`,
          `COMMENT ON COLUMN ${t}."born" IS ':date:birth date';`,
          `ALTER TABLE ${t} ALTER COLUMN "name" DROP DEFAULT;`,
          `ALTER TABLE ${t} ALTER COLUMN "name" TYPE varchar(64);`,
          `ALTER TABLE ${t} ALTER COLUMN "name" SET DEFAULT 'x';`,
          `COMMENT ON COLUMN ${t}."name" IS ':varchar(64):what we call it now';`,
          `ALTER TABLE ${t} ALTER COLUMN "weight" TYPE double precision;`,
          `ALTER TABLE ${t} ALTER COLUMN "weight" DROP DEFAULT;`,
          `ALTER TABLE ${t} ALTER COLUMN "weight" DROP NOT NULL;`,
          `COMMENT ON COLUMN ${t}."weight" IS ':float64:';`,
          `COMMENT ON TABLE ${t} IS 'an animal, v2';`,
          `-- ${schema}.Session (session): unchanged`,
        ].join("\n\n") + "\n",
      );
    } else {
      assert.match(r.stdout, /^PRAGMA foreign_keys = OFF;/);
      assert.match(r.stdout, /INSERT INTO "[^"]+"\."animal~alter" \("animal_id", "name", "weight"\) SELECT "animal_id", "name", "weight" FROM/);
      assert.match(r.stdout, /ALTER TABLE "[^"]+"\."animal~alter" RENAME TO "animal";/);
    }
    const j = await dj("alter", "v2.dj", "--dry-run", "--json");
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.dryRun, true);
    assert.deepEqual(doc.tables.map((t: any) => [t.table, t.status, t.dropped]), [["animal", "planned", [`${schema}.Animal.old_note`]], ["session", "unchanged", []]]);
    assert.deepEqual(await ddl(schema), before);
  });

  test("alter --force applies v2: rows kept, lineage untouched, diff clean, DDL as declaring v2 fresh", async () => {
    const lineageBefore = await lineage(schema);
    const r = await dj("alter", "v2.dj", "--force");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `altered   ${schema}.Animal (animal)\nunchanged ${schema}.Session (session)\n`);
    const d = await dj("diff", "v2.dj");
    assert.equal(d.code, 0, d.stdout);
    assert.equal((await dj("alter", "v2.dj")).stdout, `unchanged ${schema}.Animal (animal)\nunchanged ${schema}.Session (session)\n`, "nothing left to alter");
    assert.equal((await dj("declare", "v2.dj")).code, 0, "declare now finds the tables as declared");

    const rows = JSON.parse((await dj("fetch", "Animal", "--json")).stdout).rows;
    assert.deepEqual(rows, [{ animal_id: 1, name: "rex", sex: "U", weight: 2.5, born: null }]);
    assert.deepEqual(await lineage(schema), lineageBefore);

    // The child still references the rebuilt table: its rows block a delete, a missing parent is refused.
    assert.equal((await dj("delete", "Animal", "--key", "animal_id=1", "--force")).code, 8);
    assert.notEqual((await dj("insert", "Session", "--key", "animal_id=9", "--key", "session=1")).code, 0);
    assert.equal((await dj("insert", "Animal", "--key", "animal_id=2", "--set", "sex=F")).code, 0, "the new column and defaults work");
    assert.equal((await dj("insert", "Animal", "--key", "animal_id=3", "--set", "sex=Q")).code, 7);

    const f = await dj("declare", "fresh.dj");
    assert.equal(f.code, 0, f.stderr);
    const altered = await ddl(schema);
    const declared = await ddl(fresh);
    assert.deepEqual(Object.keys(altered), Object.keys(declared));
    for (const t of Object.keys(declared)) assert.equal(altered[t], declared[t], t);
  });

  test("a new non-null attribute without a default: MySQL fills it in, the embedded database and PostgreSQL refuse (exit 8)", async () => {
    writeFile(dir, "v3.dj", v2(schema).replace("    born = null : date  # birth date\n", "    born = null : date  # birth date\n    height : float32\n"));
    const r = await dj("alter", "v3.dj");
    if (dialect === "mariadb") {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((await dj("fetch", "Animal", "--key", "animal_id=1", "--attr", "height", "--json")).stdout.includes('"height": 0'), true);
    } else {
      assert.equal(r.code, 8);
      const who = dialect === "postgresql" ? "PostgreSQL" : "the embedded database";
      assert.match(r.stderr, new RegExp(`cannot alter \\S+\\.Animal \\(animal\\), which has 2 rows: ${who} cannot fill the new non-null attribute height \\(no default\\) for existing rows; nothing was altered`));
      assert.match(r.stderr, /hint: give the attribute a default/);
      assert.equal((await dj("diff", "v2.dj")).code, 0, "still v2");
    }
  });

  if (dialect === "postgresql") test("PostgreSQL: the whole run is one transaction; a table that fails leaves the tables before it unchanged", async () => {
    // Animal's comment changes first; then Session's notes become int32, which the server cannot
    // cast from varchar without USING (dj, like DataJoint, writes none): the run fails there.
    writeFile(dir, "v4.dj", v2(schema).replace("# an animal, v2", "# an animal, v4").replace('notes = "" : varchar(255)', "notes = 0 : int32"));
    const before = await ddl(schema);
    const r = await dj("alter", "v4.dj", "--force");
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^dj: database error 42804: .*"notes".*integer/m);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
    assert.deepEqual(await ddl(schema), before, "Animal's comment was rolled back with the rest");
    assert.equal((await dj("diff", "v2.dj")).code, 0, "still v2");
  });

  if (dialect === "postgresql") test("PostgreSQL: enum values changed: a new enum type by DataJoint's naming, values kept, the old type gone", async () => {
    writeFile(dir, "v5.dj", v2(schema).replace('sex = "U" : enum("M","F","U")', 'sex = "U" : enum("M","F","U","X")'));
    const r = await dj("alter", "v5.dj", "--force");
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await dj("diff", "v5.dj")).code, 0);
    const client = await pgConnect();
    try {
      const types = await client.query("SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e' ORDER BY 1", [schema]);
      // md5 of the sorted values joined by "_": F_M_U_X
      assert.deepEqual(types.rows.map((x) => x.typname), ["enum_dada722c"]);
    } finally {
      await client.end();
    }
    const rows = JSON.parse((await dj("fetch", "Animal", "--json")).stdout).rows;
    assert.deepEqual(rows.map((x: any) => [x.animal_id, x.sex]), [[1, "U"], [2, "F"]]);
    // Back: a value the new type lacks would fail; here every value is kept.
    assert.equal((await dj("alter", "v2.dj", "--force")).code, 0);
    assert.equal((await dj("diff", "v2.dj")).code, 0);
  });
});
