/**
 * access_token cache (§1): per app (corp id + secret), single-flight, refreshed early.
 * One instance is shared by every client in the process (a Lambda container) unless a test
 * or caller passes its own, so two clients for the same app never fetch twice.
 */

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

interface Entry {
  token?: string;
  expiresAt: number;
  refreshAt: number;
  inflight?: Promise<string>;
}

/** Refresh this long before expiry so a token never expires mid-request. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** After a failed early refresh, wait this long before trying gettoken again. */
export const TOKEN_RETRY_AFTER_FAILURE_MS = 30 * 1000;

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  /** Returns a cached token, or joins/starts the single in-flight fetch for this key. */
  get(key: string, nowMs: () => number, fetchToken: () => Promise<FetchedToken>): Promise<string> {
    const entry = this.entries.get(key);
    if (entry?.inflight) return entry.inflight;
    if (entry?.token !== undefined && nowMs() < entry.refreshAt) return Promise.resolve(entry.token);

    const next: Entry = entry ?? { expiresAt: 0, refreshAt: 0 };
    const inflight = fetchToken().then(
      ({ token, expiresInSeconds }) => {
        const now = nowMs();
        const ttl = expiresInSeconds * 1000;
        // For unusually short lifetimes refresh at half-life instead of going stale immediately.
        const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, ttl / 2);
        next.token = token;
        next.expiresAt = now + ttl;
        next.refreshAt = now + ttl - margin;
        next.inflight = undefined;
        return token;
      },
      (err: unknown) => {
        next.inflight = undefined;
        // An early refresh failed but the old token is still valid: keep serving it and try
        // again a little later rather than failing calls (or hammering gettoken, which WeCom blocks).
        const now = nowMs();
        if (next.token !== undefined && now < next.expiresAt) {
          next.refreshAt = Math.min(now + TOKEN_RETRY_AFTER_FAILURE_MS, next.expiresAt);
          return next.token;
        }
        throw err;
      },
    );
    next.inflight = inflight;
    this.entries.set(key, next);
    return inflight;
  }

  /**
   * Drop `token` after WeCom rejected it (40014/42001). Only that exact token is dropped, so a
   * burst of calls that all failed with the old token triggers one refetch, not one each.
   */
  invalidate(key: string, token: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.token === token) {
      entry.token = undefined;
      entry.refreshAt = 0;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

export const sharedTokenCache = new TokenCache();
