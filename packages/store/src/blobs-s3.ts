import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { checkContentType, fullBlobKey, uploadGrant } from "./blob-keys.ts";
import type { BlobStore, S3BlobSettings } from "./blob-types.ts";

let shared: S3Client | undefined;

/**
 * One S3 client per container. No request checksums unless an operation requires one: by default
 * the SDK signs a CRC32 of the (empty) body into a presigned PUT, and S3 then refuses the browser's
 * real bytes.
 */
export function s3Client(): S3Client {
  shared ??= new S3Client({ requestChecksumCalculation: "WHEN_REQUIRED" });
  return shared;
}

/** Replace the shared client (tests). */
export function setS3Client(client: S3Client | undefined): void {
  shared = client;
}

/** S3 answers a missing key with 404 only to a caller allowed s3:ListBucket (infra grants it on the service's prefix), else 403. */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

export function s3BlobStore(settings: S3BlobSettings, deps: { client?: S3Client; now: () => Date }): BlobStore {
  const { bucket, prefix } = settings;
  const client = () => deps.client ?? s3Client();
  return {
    async uploadUrl(o) {
      const now = deps.now();
      const grant = uploadGrant(settings, o, now);
      // S3 cannot cap the size of a presigned PUT (only a POST policy can): the caller checks head().size after.
      const url = await getSignedUrl(client(), new PutObjectCommand({ Bucket: bucket, Key: grant.key, ContentType: grant.contentType }), {
        expiresIn: grant.expires - Math.floor(now.getTime() / 1000),
        signingDate: now,
        signableHeaders: new Set(["content-type"]),
      });
      return { url, method: "PUT", headers: { "content-type": grant.contentType }, expiresAt: new Date(grant.expires * 1000).toISOString() };
    },
    async head(key) {
      try {
        const out = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: fullBlobKey(prefix, key) }));
        return { size: out.ContentLength ?? 0, contentType: out.ContentType ?? "application/octet-stream" };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async get(key) {
      try {
        const out = await client().send(new GetObjectCommand({ Bucket: bucket, Key: fullBlobKey(prefix, key) }));
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
        return { bytes, contentType: out.ContentType ?? "application/octet-stream" };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async put(key, bytes, contentType) {
      await client().send(new PutObjectCommand({ Bucket: bucket, Key: fullBlobKey(prefix, key), Body: bytes, ContentType: checkContentType(contentType) }));
    },
    async delete(key) {
      await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: fullBlobKey(prefix, key) }));
    },
  };
}
