/**
 * Single-table key conventions shared by every service table: partition key `pk`, sort key `sk`,
 * GSIs `gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk`, TTL attribute `ttl` (epoch seconds).
 * Key parts are joined with `#`. Parts come from outside input too (a contact way's `state`, WeCom
 * user, chat and tag ids), so a part's own `#` (and `%`, the escape character) is percent-escaped:
 * any string is a valid part, and two different part lists never give the same key. Parts without
 * `#` or `%` are kept as they are.
 */
export type Key = { pk: string; sk: string };

export function key(...parts: readonly (string | number)[]): string {
  return parts.map(keyPart).join("#");
}

/** One key part, escaped so it cannot contain the `#` separator. */
export function keyPart(part: string | number): string {
  const s = String(part);
  return s.includes("#") || s.includes("%") ? s.replaceAll("%", "%25").replaceAll("#", "%23") : s;
}

/** TTL attribute value (epoch seconds) `seconds` after `from`. */
export function ttlAfter(from: Date, seconds: number): number {
  return Math.floor(from.getTime() / 1000) + Math.ceil(seconds);
}
