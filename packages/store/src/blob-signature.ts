import { createHmac, timingSafeEqual } from "node:crypto";
import { isFullBlobKey, type UploadGrant } from "./blob-keys.ts";

/**
 * The local platform's stand-in for a presigned S3 PUT: `PUT <gateway>/_local/blobs/<key>?ct&max&exp&sig`,
 * where `sig` is an HMAC-SHA256 (key: a random secret per platform) over everything the URL allows.
 * The service's function signs, the gateway checks; so only URLs a service made are accepted, each
 * for its key, content type, size limit and lifetime.
 */

function canonical(g: UploadGrant): string {
  // keys and content types cannot contain "\n" (blob-keys.ts), so the fields cannot run into each other
  return ["PUT", g.key, g.contentType, String(g.maxBytes), String(g.expires)].join("\n");
}

export function signLocalUpload(secret: string, grant: UploadGrant): string {
  return createHmac("sha256", secret).update(canonical(grant)).digest("base64url");
}

/** @example localUploadUrl("http://127.0.0.1:3000/_local/blobs", secret, grant) */
export function localUploadUrl(base: string, secret: string, grant: UploadGrant): string {
  const path = grant.key.split("/").map(encodeURIComponent).join("/");
  const query = new URLSearchParams({ ct: grant.contentType, max: String(grant.maxBytes), exp: String(grant.expires), sig: signLocalUpload(secret, grant) });
  return `${base.replace(/\/$/, "")}/${path}?${query}`;
}

export type LocalUploadCheck = { ok: true; grant: UploadGrant } | { ok: false; status: 400 | 403; reason: string };

/**
 * Whether a PUT may write `key` (the path after `/_local/blobs/`, decoded): a well-formed key, a
 * signature over exactly this key, content type, limit and expiry, not expired, and the request's
 * `content-type` the signed one. Answers like S3: 403 for a bad signature or an expired URL.
 */
export function checkLocalUpload(secret: string, req: { key: string; query: URLSearchParams; contentType: string | undefined; now: Date }): LocalUploadCheck {
  const { query } = req;
  const [ct, max, exp, sig] = [query.get("ct"), query.get("max"), query.get("exp"), query.get("sig")];
  if (!ct || !max || !exp || !sig || !/^\d{1,15}$/.test(max) || !/^\d{1,12}$/.test(exp)) {
    return { ok: false, status: 403, reason: "not a signed upload URL (ct, max, exp and sig are required)" };
  }
  if (!isFullBlobKey(req.key)) return { ok: false, status: 400, reason: `"${req.key}" is not a blob key` };
  const grant: UploadGrant = { key: req.key, contentType: ct, maxBytes: Number(max), expires: Number(exp) };
  const expected = Buffer.from(signLocalUpload(secret, grant));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, status: 403, reason: "the signature does not match this key, content type, size limit and expiry" };
  }
  if (req.now.getTime() >= grant.expires * 1000) return { ok: false, status: 403, reason: `the URL expired at ${new Date(grant.expires * 1000).toISOString()}` };
  if (req.contentType !== grant.contentType) {
    return { ok: false, status: 403, reason: `content-type must be ${grant.contentType} (signed), got ${req.contentType ?? "none"}` };
  }
  return { ok: true, grant };
}
