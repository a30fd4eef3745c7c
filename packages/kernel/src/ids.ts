import { createHash } from "node:crypto";
import { ulid } from "ulid";

/** A new, time-sortable unique id (ULID, 26 chars, Crockford base32). */
export function newId(): string {
  return ulid();
}

/**
 * A stable id derived from a business key, so that a retried producer emits the same id
 * (consumers dedupe on it). 32 lowercase hex chars.
 */
export function deterministicId(...parts: readonly (string | number)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    // length-prefix each part so ("ab","c") and ("a","bc") differ
    const text = String(part);
    hash.update(`${text.length}:${text}|`);
  }
  return hash.digest("hex").slice(0, 32);
}

const SHORT_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** A short random id (default 10 chars of Crockford base32, lowercase), e.g. for WeCom's 30-char `state`. */
export function shortId(length = 10): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const byte of bytes) out += SHORT_ID_ALPHABET[byte & 31];
  return out;
}
