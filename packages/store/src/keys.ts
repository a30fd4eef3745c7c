/**
 * Single-table key conventions shared by every service table: partition key `pk`, sort key `sk`,
 * GSIs `gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk`, TTL attribute `ttl` (epoch seconds).
 * Key parts are joined with `#`; a part may not contain `#` so keys can't collide.
 */
export type Key = { pk: string; sk: string };

export function key(...parts: readonly (string | number)[]): string {
  return parts
    .map((p) => {
      const s = String(p);
      if (s.includes("#")) throw new RangeError(`key part may not contain '#': ${s}`);
      return s;
    })
    .join("#");
}

/** TTL attribute value (epoch seconds) `seconds` after `from`. */
export function ttlAfter(from: Date, seconds: number): number {
  return Math.floor(from.getTime() / 1000) + Math.ceil(seconds);
}
