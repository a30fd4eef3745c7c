/**
 * WeCom-looking ids from an injectable random source, so a seeded `random` gives a reproducible world.
 */
const ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const HEX = "0123456789abcdef";

export class IdGen {
  constructor(private readonly random: () => number) {}

  chars(length: number, alphabet = ALNUM): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.random() * alphabet.length) % alphabet.length];
    return out;
  }

  hex(length: number): string {
    return this.chars(length, HEX);
  }

  /** A number in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n) % n;
  }

  // WeCom's id formats: a prefix and so many random characters.
  /** external_userid, e.g. `wmAbC…` (32 chars, like WeCom's `wo…`/`wm…`). */
  externalUserId = (): string => `wm${this.chars(30)}`;
  chatId = (): string => `wr${this.chars(30)}`;
  configId = (): string => this.hex(32);
  msgId = (): string => `msg${this.chars(24)}`;
  momentId = (): string => `mom${this.chars(24)}`;
  jobId = (): string => `job${this.chars(24)}`;
  /** Like WeCom's `1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0`: no prefix, 44 url-safe chars. */
  mediaId = (): string => this.chars(44, `${ALNUM}-_`);
  tagId = (): string => `et${this.chars(20)}`;
  welcomeCode = (): string => this.chars(43);
  accessToken = (): string => this.chars(86, `${ALNUM}-_`);
  unionId = (): string => `o${this.chars(27)}`;
}

/** A small seeded PRNG (mulberry32) for reproducible demo data and tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
