import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

export interface ApiLimits {
  /** Calls per corp per API per minute (wecom-reference §13: 10,000). */
  perMinute: number;
  /** Calls per corp per API per hour (150,000). */
  perHour: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { perMinute: 10_000, perHour: 150_000 };

interface Counter {
  minute: number;
  minuteCount: number;
  hour: number;
  hourCount: number;
  /** While blocked every call gets 45009; a minute-limit block lasts 60 s, an hour-limit block 60 min. */
  blockedUntil: number;
}

/** Per-corp, per-API frequency limits with WeCom's "block for the window" behaviour. */
export class ApiRateLimiter {
  private readonly counters = new Map<string, Counter>();
  constructor(private readonly w: SimWorld) {}

  hit(api: string): void {
    const limits = this.w.config.apiLimits;
    const now = this.w.clock.nowMs();
    const minute = Math.floor(now / 60_000);
    const hour = Math.floor(now / 3_600_000);
    let c = this.counters.get(api);
    if (!c) {
      c = { minute, minuteCount: 0, hour, hourCount: 0, blockedUntil: 0 };
      this.counters.set(api, c);
    }
    if (now < c.blockedUntil) {
      throw limitError(ERR.API_OVER_LIMIT, "api.frequency", `${api} is blocked for over-frequency until ${new Date(c.blockedUntil).toISOString()}`, {
        blockedUntil: new Date(c.blockedUntil).toISOString(),
      });
    }
    if (c.minute !== minute) {
      c.minute = minute;
      c.minuteCount = 0;
    }
    if (c.hour !== hour) {
      c.hour = hour;
      c.hourCount = 0;
    }
    c.minuteCount++;
    c.hourCount++;
    if (c.minuteCount > limits.perMinute) {
      c.blockedUntil = now + 60_000;
      throw limitError(ERR.API_OVER_LIMIT, "api.frequency", `more than ${limits.perMinute} calls to ${api} in a minute`, {
        window: "minute",
        limit: limits.perMinute,
      });
    }
    if (c.hourCount > limits.perHour) {
      c.blockedUntil = now + 3_600_000;
      throw limitError(ERR.API_OVER_LIMIT, "api.frequency", `more than ${limits.perHour} calls to ${api} in an hour`, {
        window: "hour",
        limit: limits.perHour,
      });
    }
  }
}

interface Fault {
  /** API path below /cgi-bin/, or `*` for any. */
  api: string;
  errcode: number;
  errmsg?: string;
  /** How many calls fail; they are consumed in order. */
  remaining: number;
  /** Real milliseconds to wait before answering (for client timeout tests). */
  delayMs: number;
}

/** Injected failures (`POST /_sim/faults`): e.g. -1 busy, 45033, or an early 40014. */
export class FaultInjector {
  readonly queue: Fault[] = [];

  add(fault: Omit<Fault, "remaining"> & { times: number }): void {
    this.queue.push({ api: fault.api, errcode: fault.errcode, remaining: fault.times, delayMs: fault.delayMs, ...(fault.errmsg ? { errmsg: fault.errmsg } : {}) });
  }

  /** The fault for this call, if any (consumes one use). */
  take(api: string): { error: WecomError | null; delayMs: number } | null {
    const i = this.queue.findIndex((f) => f.remaining > 0 && (f.api === "*" || f.api === api));
    if (i < 0) return null;
    const f = this.queue[i]!;
    f.remaining--;
    if (f.remaining === 0) this.queue.splice(i, 1);
    return { error: f.errcode === 0 ? null : new WecomError(f.errcode, f.errmsg ?? "injected by the simulator"), delayMs: f.delayMs };
  }

  clear(): void {
    this.queue.length = 0;
  }
}
