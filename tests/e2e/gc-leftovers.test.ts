/**
 * Unfinished S3 multipart uploads — what a `dj insert` killed mid-upload leaves, billed but
 * invisible to listings — are found and aborted by `dj gc` once older than --min-age, and only in
 * dj's sections. (s3rver keeps real uploads; tests/helpers/s3rver.ts adds the two S3 calls it
 * lacks to list and abort them.)
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runDj, tempProject } from "../helpers/cli.js";
import { startS3rver, type S3Server } from "../helpers/s3rver.js";

describe("dj gc and unfinished multipart uploads (s3rver)", () => {
  let srv: S3Server;
  let dir: string;
  let cleanup: () => void;
  let sdk: typeof import("@aws-sdk/client-s3");
  let client: import("@aws-sdk/client-s3").S3Client;
  const uploads = async () => {
    const out = await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: srv.bucket, Prefix: "dj/" }));
    return (out.Uploads ?? []).map((u) => u.Key).sort();
  };
  before(async () => {
    srv = await startS3rver("mpu");
    const s = srv.spec();
    ({ dir, cleanup } = tempProject({
      "dj.config.json": { schema: "lab", stores: { default: "main", main: { protocol: "s3", endpoint: s.endpoint, bucket: s.bucket, location: "dj", access_key: s.access_key, secret_key: s.secret_key, secure: false } } },
      "p.dj": "schema lab\n\nT (manual)\n    id : int32\n    ---\n    o : <object@>\n",
    }));
    assert.equal((await runDj(["declare", "p.dj"], { cwd: dir })).code, 0);
    sdk = await import("@aws-sdk/client-s3");
    client = new sdk.S3Client({ endpoint: s.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: s.access_key!, secretAccessKey: s.secret_key! } });
    // What a killed upload leaves: an initiated upload with one part, never completed.
    for (const key of ["dj/_schema/lab/t/id=9/o_killedXX.bin", "dj/elsewhere/user-upload.bin"]) {
      const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: srv.bucket, Key: key }));
      await client.send(new sdk.UploadPartCommand({ Bucket: srv.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
    }
  });
  after(async () => {
    client?.destroy();
    cleanup();
    await srv.stop();
  });

  test("young uploads stay; older than --min-age they are aborted and counted; others' are never touched", async () => {
    assert.deepEqual(await uploads(), ["dj/_schema/lab/t/id=9/o_killedXX.bin", "dj/elsewhere/user-upload.bin"]);
    const young = await runDj(["gc", "--json"], { cwd: dir });
    assert.equal(young.code, 0, young.stderr);
    assert.equal(JSON.parse(young.stdout).multipart_uploads_found, 0);
    assert.equal((await uploads()).length, 2);
    const dry = JSON.parse((await runDj(["gc", "--json", "--min-age", "0", "--dry-run"], { cwd: dir })).stdout);
    assert.equal(dry.multipart_uploads_found, 1);
    assert.equal((await uploads()).length, 2, "a dry run aborts nothing");
    const r = await runDj(["gc", "--min-age", "0"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 temp files and 1 unfinished upload left by interrupted writes: removed 0 and 1/);
    assert.deepEqual(await uploads(), ["dj/elsewhere/user-upload.bin"]);
  });
});
