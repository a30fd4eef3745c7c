import { type BlobSettings, BlobRequestError, type UploadUrlOptions } from "./blob-types.ts";

/**
 * The keys, content types and limits every blob platform accepts, checked before S3 or the folder is
 * touched, so a key that works locally works in AWS and none can leave the service's prefix (`..`
 * means nothing to S3 but climbs out of the local folder).
 */

/** S3's limit on a key, in UTF-8 bytes (ours are ASCII). */
export const BLOB_KEY_MAX_LENGTH = 1024;
/** How long an upload URL lives unless the caller says otherwise. */
export const BLOB_UPLOAD_EXPIRES_SECONDS = 15 * 60;
export const BLOB_UPLOAD_EXPIRES_MAX_SECONDS = 60 * 60;

/** S3's "safe characters" without the ones shells and URLs mangle; 1-255 per segment (a file name locally). */
const SEGMENT = /^[A-Za-z0-9._-]{1,255}$/;
/** `type/subtype` without parameters: the signed header is compared byte for byte. */
const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function segmentsValid(key: string): boolean {
  return key.split("/").every((s) => SEGMENT.test(s) && s !== "." && s !== "..");
}

/**
 * The stored key of a service's relative key.
 * @example fullBlobKey("moments-publisher/", "moments/abc123/cover.jpg") // "moments-publisher/moments/abc123/cover.jpg"
 */
export function fullBlobKey(prefix: string, key: string): string {
  if (typeof key !== "string" || !segmentsValid(key)) {
    throw new BlobRequestError(`blob key "${String(key)}": segments of letters, digits, ".", "_" and "-" separated by "/", none empty, "." or ".."`);
  }
  const full = prefix + key;
  if (full.length > BLOB_KEY_MAX_LENGTH) throw new BlobRequestError(`blob key "${key}": at most ${BLOB_KEY_MAX_LENGTH - prefix.length} characters under ${prefix}`);
  return full;
}

/** A stored key: `<service>/<key>` with a kebab-case service (what the local gateway accepts). */
export function isFullBlobKey(key: string): boolean {
  const slash = key.indexOf("/");
  return slash > 0 && /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(key.slice(0, slash)) && key.length <= BLOB_KEY_MAX_LENGTH && segmentsValid(key.slice(slash + 1));
}

export function checkContentType(contentType: string): string {
  if (typeof contentType !== "string" || !CONTENT_TYPE.test(contentType)) {
    throw new BlobRequestError(`content type "${String(contentType)}": a type/subtype like image/jpeg, without parameters`);
  }
  return contentType;
}

/** What an upload URL allows: one key, one content type, a size limit, an expiry (epoch seconds). */
export interface UploadGrant {
  key: string;
  contentType: string;
  maxBytes: number;
  expires: number;
}

/** Checks an upload request against the service's settings and fixes its expiry from `now`. */
export function uploadGrant(settings: Pick<BlobSettings, "prefix" | "maxBytes">, o: UploadUrlOptions, now: Date): UploadGrant {
  const maxBytes = o.maxBytes ?? settings.maxBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > settings.maxBytes) {
    throw new BlobRequestError(`maxBytes ${maxBytes}: an integer from 1 to ${settings.maxBytes} (the manifest's blobs.maxBytes)`);
  }
  const expiresIn = o.expiresInSeconds ?? BLOB_UPLOAD_EXPIRES_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > BLOB_UPLOAD_EXPIRES_MAX_SECONDS) {
    throw new BlobRequestError(`expiresInSeconds ${expiresIn}: an integer from 1 to ${BLOB_UPLOAD_EXPIRES_MAX_SECONDS}`);
  }
  return {
    key: fullBlobKey(settings.prefix, o.key),
    contentType: checkContentType(o.contentType),
    maxBytes,
    expires: Math.floor(now.getTime() / 1000) + expiresIn,
  };
}
