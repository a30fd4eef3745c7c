import { callbackSignature, encryptMessage, sealCallback } from "@siyu/wecom";
import type { XmlValue } from "./xml.ts";
import type { SimWorld } from "./world/world.ts";

/**
 * Sends callbacks the way WeCom does (wecom-reference §12): `POST <callbackUrl>?msg_signature=…&
 * timestamp=…&nonce=…` with the encrypted XML envelope as body. HTTP 200 = received; anything else,
 * or no answer within 5 s, is retried (3 retries by default). Every attempt is recorded
 * (`GET /_sim/callbacks`) with the status it got back.
 */
export interface CallbackAttempt {
  at: string;
  /** HTTP status, or null when the request failed (connection refused, timeout). */
  status: number | null;
  error?: string;
  durationMs: number;
  /** The first 500 chars of the response body. */
  response?: string;
}

export interface CallbackRecord {
  seq: number;
  event: string;
  changeType: string;
  /** The plaintext fields (for reading the log; the receiver only sees the encrypted body). */
  fields: Record<string, XmlValue>;
  /** The decrypted XML, exactly as encrypted. */
  plaintext: string;
  /** Where it was sent; null when no callback URL is configured. */
  url: string | null;
  query: { msg_signature: string; timestamp: string; nonce: string };
  body: string;
  createdAt: string;
  attempts: CallbackAttempt[];
  /** Status of the latest attempt. */
  status: number | null;
  /** Some attempt got HTTP 200. */
  delivered: boolean;
  /** Set on `POST /_sim/redeliver` copies: the seq of the original. */
  redeliveryOf?: number;
}

/** Keep memory bounded in long benchmark runs: beyond this the oldest 10% of the log are dropped. */
const MAX_CALLBACK_RECORDS = 50_000;

export class CallbackDispatcher {
  readonly records: CallbackRecord[] = [];
  private seq = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
  constructor(private readonly w: SimWorld) {}

  private keys() {
    return { token: this.w.config.token, encodingAesKey: this.w.config.encodingAesKey, receiveId: this.w.config.corpId };
  }

  /**
   * The signed `timestamp`: when the request goes on the wire, by the base clock (real time unless a
   * test injects one), without the world clock's offset. WeCom's servers stamp callbacks with their
   * own NTP clock and receivers reject stale ones (Siyu: ±5 min by its own clock). The offset that
   * `POST /_sim/clock` adds moves the corp's business time (CreateTime, welcome codes, transfers),
   * which the receiver does not share, so it must not move the transport's time.
   */
  private wireTimestamp(): string {
    return String(Math.floor((this.w.clock.nowMs() - this.w.clock.offset) / 1000));
  }

  private nonce(): string {
    return String(1_000_000_000 + this.w.ids.int(1_000_000_000));
  }

  /** Encrypt, sign and send one event; resolves after the first attempt (retries continue in the background). */
  send(event: string, changeType: string, fields: Record<string, XmlValue>, plaintext: string): Promise<CallbackRecord> {
    const record = this.build(event, changeType, fields, plaintext);
    this.log(record);
    return this.track(this.deliver(record, this.w.config.callbackRetries));
  }

  /** The sealed record, not sent and not logged (seeding uses this: the data "was already there"). */
  build(event: string, changeType: string, fields: Record<string, XmlValue>, plaintext: string): CallbackRecord {
    const sealed = sealCallback(this.keys(), plaintext, {
      timestamp: this.wireTimestamp(),
      nonce: this.nonce(),
      format: "xml",
      agentId: this.w.config.agentId ?? "",
    });
    return {
      seq: 0,
      event,
      changeType,
      fields,
      plaintext,
      url: this.w.config.callbackUrl,
      query: sealed.query,
      body: sealed.body,
      createdAt: this.w.clock.now().toISOString(),
      attempts: [],
      status: null,
      delivered: false,
    };
  }

  /** Resend the last `count` original callbacks, byte for byte (same body and query), oldest first. */
  async redeliver(count: number): Promise<CallbackRecord[]> {
    const originals = this.records.filter((r) => r.redeliveryOf === undefined).slice(-count);
    const out: CallbackRecord[] = [];
    for (const original of originals) {
      const copy: CallbackRecord = {
        ...original,
        url: this.w.config.callbackUrl,
        createdAt: this.w.clock.now().toISOString(),
        attempts: [],
        status: null,
        delivered: false,
        redeliveryOf: original.seq,
      };
      this.log(copy);
      out.push(await this.track(this.deliver(copy, 0)));
    }
    return out;
  }

  private log(record: CallbackRecord): void {
    record.seq = ++this.seq;
    this.records.push(record);
    if (this.records.length > MAX_CALLBACK_RECORDS) this.records.splice(0, Math.floor(MAX_CALLBACK_RECORDS / 10));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }

  private async deliver(record: CallbackRecord, retriesLeft: number): Promise<CallbackRecord> {
    if (!record.url || this.closed) return record;
    await this.attempt(record);
    if (!record.delivered && retriesLeft > 0 && !this.closed) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.track(this.deliver(record, retriesLeft - 1));
      }, this.w.config.callbackRetryDelayMs);
      this.timers.add(timer);
    }
    return record;
  }

  private async attempt(record: CallbackRecord): Promise<void> {
    const url = new URL(record.url ?? "");
    url.searchParams.set("msg_signature", record.query.msg_signature);
    url.searchParams.set("timestamp", record.query.timestamp);
    url.searchParams.set("nonce", record.query.nonce);
    const started = performance.now();
    const attempt: CallbackAttempt = { at: this.w.clock.now().toISOString(), status: null, durationMs: 0 };
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8", "user-agent": "Mozilla/4.0 (siyu wecom-sim)" },
        body: record.body,
        signal: AbortSignal.timeout(this.w.config.callbackTimeoutMs),
      });
      attempt.status = res.status;
      attempt.response = (await res.text()).slice(0, 500);
    } catch (err) {
      attempt.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    attempt.durationMs = Math.round(performance.now() - started);
    record.attempts.push(attempt);
    record.status = attempt.status;
    if (attempt.status === 200) record.delivered = true;
  }

  /**
   * URL verification as WeCom does it when the admin saves the callback URL: GET with an encrypted
   * echostr; the receiver must answer the decrypted plaintext, within 1 s.
   */
  async verifyUrl(target?: string): Promise<{
    ok: boolean;
    status: number | null;
    expected: string;
    got: string | null;
    durationMs: number;
    withinOneSecond: boolean;
    error?: string;
  }> {
    const base = target ?? this.w.config.callbackUrl;
    if (!base) throw new Error("no callback URL configured");
    const plain = String(this.w.ids.int(1e9)) + String(this.w.ids.int(1e9));
    const echostr = encryptMessage(this.keys(), plain);
    const timestamp = this.wireTimestamp();
    const nonce = this.nonce();
    const url = new URL(base);
    url.searchParams.set("msg_signature", callbackSignature(this.w.config.token, timestamp, nonce, echostr));
    url.searchParams.set("timestamp", timestamp);
    url.searchParams.set("nonce", nonce);
    url.searchParams.set("echostr", echostr);
    const started = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.w.config.callbackTimeoutMs) });
      const got = await res.text();
      const durationMs = Math.round(performance.now() - started);
      return { ok: res.status === 200 && got === plain && durationMs <= 1000, status: res.status, expected: plain, got, durationMs, withinOneSecond: durationMs <= 1000 };
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      return { ok: false, status: null, expected: plain, got: null, durationMs, withinOneSecond: false, error: String(err) };
    }
  }

  /** Stop retries and wait for requests already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Forget the log and pending retries (reset). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.records.length = 0;
    this.seq = 0;
  }
}
