import { ERR, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

const TOKEN_TTL_SECONDS = 7200;

interface IssuedToken {
  issuedAt: number;
  expiresAt: number;
  /** Invalidated early (`POST /_sim/invalidate-tokens`), as WeCom may do. */
  revoked: boolean;
}

/** access_token issue and check (wecom-reference §1). Expired tokens are remembered so 42001 ≠ 40014. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  issuedCount = 0;
  constructor(private readonly w: SimWorld) {}

  issue(corpid: string | null, secret: string | null): { access_token: string; expires_in: number } {
    if (!corpid) throw new WecomError(ERR.MISSING_CORPID);
    if (!secret) throw new WecomError(ERR.MISSING_SECRET);
    if (corpid !== this.w.config.corpId) throw new WecomError(ERR.INVALID_CORPID, `corpid ${corpid} is not this corp`);
    if (secret !== this.w.config.secret) throw new WecomError(ERR.INVALID_SECRET, "corpsecret does not match");
    const now = this.w.clock.nowMs();
    const token = this.w.ids.accessToken();
    this.tokens.set(token, { issuedAt: now, expiresAt: now + TOKEN_TTL_SECONDS * 1000, revoked: false });
    this.issuedCount++;
    return { access_token: token, expires_in: TOKEN_TTL_SECONDS };
  }

  check(token: string | null): void {
    if (!token) throw new WecomError(ERR.MISSING_TOKEN);
    const t = this.tokens.get(token);
    if (!t || t.revoked) throw new WecomError(ERR.INVALID_TOKEN);
    if (this.w.clock.nowMs() >= t.expiresAt) throw new WecomError(ERR.TOKEN_EXPIRED);
  }

  revokeAll(): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (!t.revoked) n++;
      t.revoked = true;
    }
    return n;
  }
}
