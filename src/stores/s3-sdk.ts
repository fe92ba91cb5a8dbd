/**
 * The AWS SDK client behind the s3 store's writes, listings and deletes (and its reads when the
 * credentials come from the SDK's chain), loaded only when one of those is first needed.
 *
 * Two settings matter for S3-compatible servers (toolchain.md §S3): path-style addressing for
 * custom endpoints, and checksums only "WHEN_REQUIRED": otherwise stream uploads are sent
 * aws-chunked and some servers store the framing bytes inside the object, silently.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3StoreSpec, Timeouts } from "../config/types.js";

export type SDK = typeof import("@aws-sdk/client-s3");

export function endpointUrl(spec: Pick<S3StoreSpec, "endpoint" | "secure">): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec.endpoint) ? spec.endpoint : `${spec.secure ? "https" : "http"}://${spec.endpoint}`;
}

/** AWS itself (virtual-hosted addressing) rather than an S3-compatible server (path-style). */
export function isAwsHost(hostname: string): boolean {
  return /(^|\.)amazonaws\.com$/i.test(hostname);
}

/** The signing region, read as the SDK reads it. */
export function awsRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
}

export async function openSdkClient(spec: S3StoreSpec, timeouts: Timeouts): Promise<{ sdk: SDK; client: S3Client }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("@aws-sdk/client-s3");
  const endpoint = endpointUrl(spec);
  const client = new sdk.S3Client({
    endpoint,
    region: awsRegion(),
    forcePathStyle: !isAwsHost(new URL(endpoint).hostname),
    credentials: spec.access_key ? { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key ?? "" } : undefined,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // dj retries idempotent requests itself (S3Store.request); the SDK would also resend
    // CreateMultipartUpload and CompleteMultipartUpload, which are not idempotent.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.idleMs },
  });
  return { sdk, client };
}
