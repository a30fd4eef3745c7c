/**
 * Blob storage (uploaded media) as every platform derives it from a manifest's `blobs`: one private
 * bucket per stack (a folder locally), each opted-in service confined to the keys under its prefix.
 * Infra's IAM grants, the local gateway's upload check and the function's store all use these.
 */

/** Default and ceiling of one upload when the manifest says nothing: 10 MiB (WeCom's image/video limits are below it). */
export const BLOB_MAX_BYTES_DEFAULT = 10 * 1024 * 1024;
/** S3's limit for a single PUT (a presigned upload is one PUT). */
export const BLOB_MAX_BYTES_LIMIT = 5 * 1024 * 1024 * 1024;
/** The bucket's lifecycle rule deletes an object this many days after it was written. */
export const BLOB_RETENTION_DAYS = 90;
/** An unfinished multipart upload is aborted (and its parts deleted) after this many days. */
export const BLOB_ABORT_MULTIPART_DAYS = 1;

/**
 * The key prefix a service may read and write: `<service>/`. IAM allows nothing outside it.
 * @example blobPrefix("moments-publisher") // "moments-publisher/"
 */
export function blobPrefix(service: string): string {
  return `${service}/`;
}
