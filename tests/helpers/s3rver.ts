/** s3rver in-process on 127.0.0.1 (random port, temporary directory) with one bucket. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3StoreSpec } from "../../src/config/types.js";

export const S3RVER_KEY = "S3RVER";

/**
 * s3rver 3.7 stores multipart uploads but answers ListMultipartUploads and AbortMultipartUpload
 * with NotImplemented/405. These two S3 operations are added here over s3rver's own upload
 * folders (`{bucket}/.../uploads/{uploadId}/key`), so dj's leftover cleanup runs against the
 * real uploads s3rver keeps. Inserted just before s3rver's router (Koa composes at listen time).
 */
function addMultipartUploadListing(server: any): void {
  const handler = async (ctx: any, next: () => Promise<void>) => {
    const [, bucket, ...rest] = ctx.path.split("/");
    const uploadsDir = () => server.store.getResourcePath(bucket, undefined, "uploads") as string;
    if (ctx.method === "GET" && rest.join("") === "" && "uploads" in ctx.query) {
      const { readdir, readFile, stat } = await import("node:fs/promises");
      const prefix = String(ctx.query.prefix ?? "");
      const uploads = [];
      for (const id of await readdir(uploadsDir()).catch(() => [] as string[])) {
        const dir = join(uploadsDir(), id);
        const key = await readFile(join(dir, "key"), "utf8").catch(() => null);
        if (key === null || !key.startsWith(prefix)) continue;
        uploads.push({ Key: key, UploadId: id, Initiated: (await stat(dir)).mtime.toISOString() });
      }
      ctx.body = { ListMultipartUploadsResult: { Bucket: bucket, Prefix: prefix, IsTruncated: false, Upload: uploads } };
      return;
    }
    if (ctx.method === "DELETE" && rest.length && typeof ctx.query.uploadId === "string") {
      const { rm, stat } = await import("node:fs/promises");
      const dir = join(uploadsDir(), ctx.query.uploadId);
      if (!(await stat(dir).catch(() => null))) {
        ctx.status = 404;
        ctx.type = "application/xml";
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>no such upload</Message></Error>`;
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    await next();
  };
  server.middleware.splice(server.middleware.length - 1, 0, handler);
}

export interface S3Server {
  port: number;
  endpoint: string;
  bucket: string;
  /** A complete store spec for this server and bucket. */
  spec(overrides?: Partial<S3StoreSpec>): S3StoreSpec;
  stop(): Promise<void>;
}

export async function startS3rver(bucket = "dj-test-bucket"): Promise<S3Server> {
  const { default: S3rver } = await import("s3rver");
  const directory = mkdtempSync(join(tmpdir(), "dj-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }] });
  addMultipartUploadListing(server);
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    port: address.port,
    endpoint,
    bucket,
    spec: (overrides = {}) => ({
      protocol: "s3",
      endpoint,
      bucket,
      location: "dj",
      access_key: S3RVER_KEY,
      secret_key: S3RVER_KEY,
      secure: false,
      subfolding: null,
      partition_pattern: null,
      token_length: 8,
      hash_prefix: "_hash",
      schema_prefix: "_schema",
      filepath_prefix: null,
      ...overrides,
    }),
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
