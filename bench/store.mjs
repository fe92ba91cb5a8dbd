#!/usr/bin/env node
// bench/store: write 256 MiB as 4 MiB objects through dj's stores (file, and s3 on s3rver)
// against a plain loop of fs.writeFile / PutObject of the same bytes, alternating, same run.
// Prints the time ratio dj / plain per target (target: <= 1.2). Usage: node bench/store.mjs [rounds]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const { FileStore } = await import("../dist/src/stores/file.js");
const { S3Store } = await import("../dist/src/stores/s3.js");
const { default: S3rver } = await import("s3rver");
const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");

const rounds = Number(process.argv[2] ?? 3);
const OBJECTS = 64;
const SIZE = 4 * 1024 * 1024;
const payloads = Array.from({ length: OBJECTS }, () => randomBytes(SIZE));
const work = mkdtempSync(join(tmpdir(), "dj-bench-store-"));
const s3dir = mkdtempSync(join(tmpdir(), "dj-bench-s3rver-"));
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3dir, configureBuckets: [{ name: "bench" }] });
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;
const spec = { protocol: "s3", endpoint, bucket: "bench", location: "dj", access_key: "S3RVER", secret_key: "S3RVER", secure: false, subfolding: null, partition_pattern: null, token_length: 8, hash_prefix: "_hash", schema_prefix: "_schema", filepath_prefix: null };
const s3store = new S3Store("bench", spec);
const plainS3 = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });

const time = async (fn) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

const runs = {
  "file: dj FileStore": async (r) => {
    const store = new FileStore("bench", join(work, `dj-${r}`));
    await mkdir(store.root, { recursive: true });
    for (let i = 0; i < OBJECTS; i++) await store.set(`obj/${i}`, payloads[i]);
  },
  "file: fs.writeFile": async (r) => {
    const dir = join(work, `plain-${r}`, "obj");
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < OBJECTS; i++) await writeFile(join(dir, String(i)), payloads[i]);
  },
  "s3: dj S3Store": async (r) => {
    for (let i = 0; i < OBJECTS; i++) await s3store.set(`dj-${r}/${i}`, payloads[i]);
  },
  "s3: PutObject": async (r) => {
    for (let i = 0; i < OBJECTS; i++) await plainS3.send(new PutObjectCommand({ Bucket: "bench", Key: `plain-${r}/${i}`, Body: payloads[i] }));
  },
};

const totals = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
await runs["s3: dj S3Store"]("warm"); // connection set-up and SDK load outside the timings
await runs["s3: PutObject"]("warm");
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? Object.keys(runs) : Object.keys(runs).reverse();
  for (const name of order) totals[name].push(await time(() => runs[name](r)));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`256 MiB as ${OBJECTS} x 4 MiB objects, ${rounds} rounds (median seconds, MB/s)`);
for (const [name, t] of Object.entries(totals)) console.log(`  ${name.padEnd(22)} ${median(t).toFixed(3)} s  ${(256 / median(t)).toFixed(0)} MiB/s`);
console.log(`ratio file dj/plain: ${(median(totals["file: dj FileStore"]) / median(totals["file: fs.writeFile"])).toFixed(2)}`);
console.log(`ratio s3   dj/plain: ${(median(totals["s3: dj S3Store"]) / median(totals["s3: PutObject"])).toFixed(2)}`);
await s3store.close();
plainS3.destroy();
await server.close();
rmSync(work, { recursive: true, force: true });
rmSync(s3dir, { recursive: true, force: true });
