import type { S3Client } from "@aws-sdk/client-s3";
import { type BlobSettings, BlobConfigError, type BlobStore } from "./blob-types.ts";
import { localBlobStore } from "./blobs-local.ts";
import { s3BlobStore } from "./blobs-s3.ts";

/**
 * The blob store of this function's service: S3 in AWS, the local platform's folder locally, chosen
 * by the environment the deployment gave (`config.blobs`, from lambda-kit's `runtimeConfig()`).
 * Keys are relative to the service's prefix. Throws BlobConfigError when the service has no blobs.
 *
 * @example
 * const blobs = blobStore(runtimeConfig());
 * const up = await blobs.uploadUrl({ key: `moments/${id}/cover.jpg`, contentType: "image/jpeg", maxBytes: 10 * 1024 * 1024 });
 * // the browser: fetch(up.url, { method: up.method, headers: up.headers, body: file })
 * const head = await blobs.head(`moments/${id}/cover.jpg`); // { size, contentType } | undefined
 */
export function blobStore(
  config: { service: string; blobs?: BlobSettings | undefined },
  deps: { now?: () => Date; s3?: S3Client } = {},
): BlobStore {
  const settings = config.blobs;
  if (!settings) throw new BlobConfigError(`${config.service} has no blob storage: declare blobs in its manifest (service.ts)`);
  const now = deps.now ?? (() => new Date());
  return settings.mode === "s3" ? s3BlobStore(settings, { client: deps.s3, now }) : localBlobStore(settings, now);
}
