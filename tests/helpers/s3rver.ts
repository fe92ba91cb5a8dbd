/** s3rver in-process on 127.0.0.1 (random port, temporary directory) with one bucket. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3StoreSpec } from "../../src/config/types.js";

export const S3RVER_KEY = "S3RVER";

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
