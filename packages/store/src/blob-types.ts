/**
 * Blob storage for uploaded media: what a service's functions see. In AWS the blobs are objects in the
 * stack's private bucket, uploaded by the browser through a presigned PUT; on the local platform they
 * are files in a folder, uploaded through the gateway with an HMAC-signed URL. Either way the service
 * only names keys under its own prefix (`<service>/`, added here), and only if its manifest declares `blobs`.
 */

interface CommonSettings {
  /** `<service>/`: every key of this service is stored under it. */
  prefix: string;
  /** The manifest's `blobs.maxBytes`: the largest upload this service may grant. */
  maxBytes: number;
}

export interface S3BlobSettings extends CommonSettings {
  mode: "s3";
  bucket: string;
}

export interface LocalBlobSettings extends CommonSettings {
  mode: "local";
  /** The folder holding the blobs. */
  dir: string;
  /** The gateway's upload endpoint (`http://127.0.0.1:3000/_local/blobs`). */
  uploadUrl: string;
  /** The HMAC key of upload URLs (the gateway checks them with it). */
  secret: string;
}

/** How a function reaches its blobs (lambda-kit's RuntimeConfig.blobs, parsed from the environment). */
export type BlobSettings = S3BlobSettings | LocalBlobSettings;

export interface UploadUrlOptions {
  /** Relative to the service's prefix: `moments/abc123/cover.jpg` is stored as `<service>/moments/abc123/cover.jpg`. */
  key: string;
  /** Signed: the upload must send exactly this `content-type`. */
  contentType: string;
  /**
   * The largest upload accepted (default and ceiling: the manifest's `blobs.maxBytes`). The local
   * gateway refuses more; S3 cannot enforce it on a presigned PUT, so check `head(key).size` after.
   */
  maxBytes?: number;
  /** Default 900 (15 minutes); at most 3600. */
  expiresInSeconds?: number;
}

export interface UploadUrl {
  url: string;
  method: "PUT";
  /** Headers the upload must carry (they are part of the signature). */
  headers: { "content-type": string };
  /** ISO instant after which the URL is refused. */
  expiresAt: string;
}

export interface BlobHead {
  size: number;
  contentType: string;
}

export interface BlobFile {
  bytes: Uint8Array;
  contentType: string;
}

export interface BlobStore {
  /** A URL the browser (or curl) PUTs the bytes to, without credentials of its own. */
  uploadUrl(options: UploadUrlOptions): Promise<UploadUrl>;
  /** Size and content type of a stored blob, or undefined when there is none. */
  head(key: string): Promise<BlobHead | undefined>;
  /** The blob's bytes, or undefined when there is none. */
  get(key: string): Promise<BlobFile | undefined>;
  /** Write a blob from the function itself (imports, tests). */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Remove a blob (no error when there is none), e.g. an upload found too large by `head`. */
  delete(key: string): Promise<void>;
}

/** A key, content type or limit the blob store refuses (a programming error of the caller, not a missing blob). */
export class BlobRequestError extends Error {
  override name = "BlobRequestError";
}

/** The function has no blob storage: its service does not declare `blobs`, or the environment is incomplete. */
export class BlobConfigError extends Error {
  override name = "BlobConfigError";
}
