/** Errors of the WeCom API client. Branch on class and `errcode`, never on `errmsg` (§0). */

export class WecomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * Whether the same call can succeed later: WeCom busy (-1), over frequency or concurrency (45009,
   * 45033), token churn, timeouts, transport failures and 5xx answers. Every other errcode is WeCom's
   * answer about the input (an unknown user, a deleted tag, a missing permission) and repeats on every
   * retry, so a queue consumer parks the message with it at once instead of retrying it (see lambda-kit's
   * `sqs`, which reads this as `retryable`).
   */
  get retryable(): boolean {
    return isTransientWecomError(this);
  }
}

/** WeCom answered with a non-zero errcode. */
export class WecomApiError extends WecomError {
  readonly errcode: number;
  readonly errmsg: string;
  /** API path below /cgi-bin/, e.g. "externalcontact/add_msg_template". */
  readonly api: string;
  constructor(errcode: number, errmsg: string, api: string) {
    super(`${api} failed: errcode ${errcode} (${errmsg})`);
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.api = api;
  }
}

/** 45009 (over frequency) or 45033 (over concurrency): WeCom blocks for the rest of the window (§13). */
export class WecomRateLimitError extends WecomApiError {}

/** -1 "system busy" that persisted through the bounded retries. Safe to retry later. */
export class WecomBusyError extends WecomApiError {}

/** The request did not complete within `timeoutMs`. The call may or may not have taken effect. */
export class WecomTimeoutError extends WecomError {
  readonly api: string;
  readonly timeoutMs: number;
  constructor(api: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`${api} timed out after ${timeoutMs} ms`, options);
    this.api = api;
    this.timeoutMs = timeoutMs;
  }
}

/** Transport failure (connection refused, reset, DNS…). */
export class WecomNetworkError extends WecomError {
  readonly api: string;
  constructor(api: string, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(`${api} network error: ${reason}`, options);
    this.api = api;
  }
}

/** Non-2xx status, a body that is not JSON, or a JSON shape we cannot use. */
export class WecomResponseError extends WecomError {
  readonly api: string;
  readonly status: number;
  constructor(api: string, status: number, reason: string, options?: { cause?: unknown }) {
    super(`${api} unexpected response (HTTP ${status}): ${reason}`, options);
    this.api = api;
    this.status = status;
  }
}

/** A request Siyu refuses to send because it breaks a documented WeCom rule. Nothing was called. */
export class WecomValidationError extends WecomError {
  readonly api: string;
  /** Path of the offending field, e.g. "attachments" or "attachments[2].link.title". */
  readonly field: string;
  constructor(api: string, field: string, message: string) {
    super(`${api}: ${field} ${message}`);
    this.api = api;
    this.field = field;
  }
}

/** A documented size/count limit was exceeded (see WECOM_LIMITS). Nothing was called. */
export class WecomLimitError extends WecomValidationError {
  readonly limit: number;
  readonly actual: number;
  readonly unit: "items" | "bytes" | "chars" | "seconds" | "value";
  constructor(api: string, field: string, limit: number, actual: number, unit: WecomLimitError["unit"]) {
    super(api, field, `is ${actual} ${unit}, WeCom allows at most ${limit}`);
    this.limit = limit;
    this.actual = actual;
    this.unit = unit;
  }
}

/** WeCom holding a caller back: -1 system busy, 45009 over frequency, 45033 over concurrency (X-Ray's `throttle`). */
export const THROTTLE_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45033]);

/**
 * Errcodes worth another try later (§0, §13): WeCom's throttles, and the token errors a concurrent
 * refresh can cause (40014 invalid, 42001 expired).
 */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([...THROTTLE_ERRCODES, 40014, 42001]);

/** See `WecomError.retryable`. Anything that is not a WeCom error is not judged here (false). */
export function isTransientWecomError(error: unknown): boolean {
  if (error instanceof WecomApiError) return TRANSIENT_ERRCODES.has(error.errcode);
  if (error instanceof WecomTimeoutError || error instanceof WecomNetworkError) return true;
  if (error instanceof WecomResponseError) return error.status >= 500 || error.status === 429;
  return false;
}

/** The errcode of a failed WeCom call: WeCom's own, or -2 when no answer came (timeout, transport, bad response). */
export function errcodeOf(error: unknown): number {
  return error instanceof WecomApiError ? error.errcode : -2;
}
