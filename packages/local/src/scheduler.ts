import type { ScheduleSpec } from "@siyu/manifest";
import { nextRun, parseScheduleExpression, type ScheduleExpression } from "./cron.ts";
import type { LocalFunction } from "./functions.ts";
import type { PlatformLogger } from "./log.ts";

/**
 * EventBridge Scheduler, locally: fires each schedule's function on its cron/rate in its timezone
 * (the manifest's, else the corp's) with the same input AWS sends — `{ schedule, scheduledTime }` —
 * and runs one by hand on request. Runs missed while the platform was down are not caught up (the
 * flexible time window is OFF in AWS too, and a stopped laptop is not a region outage).
 */

export interface ScheduleEntry {
  service: string;
  spec: ScheduleSpec;
  timeZone: string;
  fn: LocalFunction;
}

interface Armed extends ScheduleEntry {
  expr: ScheduleExpression;
  next: Date | null;
  timer?: NodeJS.Timeout;
  lastRun?: { at: string; ok: boolean; error?: string };
}

/** setTimeout's ceiling (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LocalScheduler {
  private readonly entries = new Map<string, Armed>();
  private readonly log: PlatformLogger;
  private readonly startedAt = new Date();
  private running = false;

  constructor(entries: ScheduleEntry[], log: PlatformLogger) {
    this.log = log;
    for (const e of entries) {
      // Parse now: a bad expression fails start-up, as it fails `cdk deploy`.
      let expr: ScheduleExpression;
      try {
        expr = parseScheduleExpression(e.spec.expression);
      } catch (err) {
        throw new Error(`${e.service}/schedules/${e.spec.name}: ${(err as Error).message}`);
      }
      this.entries.set(key(e.service, e.spec.name), { ...e, expr, next: null });
    }
  }

  /** Arm the timers (without it, schedules only run by hand). */
  start(): void {
    this.running = true;
    for (const a of this.entries.values()) this.arm(a, new Date());
  }

  stop(): void {
    this.running = false;
    for (const a of this.entries.values()) {
      clearTimeout(a.timer);
      a.timer = undefined;
    }
  }

  has(service: string, name: string): boolean {
    return this.entries.has(key(service, name));
  }

  list(): { service: string; name: string; expression: string; timeZone: string; next: string | null; lastRun?: Armed["lastRun"] }[] {
    return [...this.entries.values()].map((a) => ({
      service: a.service,
      name: a.spec.name,
      expression: a.spec.expression,
      timeZone: a.timeZone,
      next: this.running ? (a.next?.toISOString() ?? null) : null,
      ...(a.lastRun ? { lastRun: a.lastRun } : {}),
    }));
  }

  /** Run a schedule now (by hand or from its timer). Resolves with the handler's result. */
  async run(service: string, name: string, scheduledTime: Date = new Date()): Promise<unknown> {
    const a = this.entries.get(key(service, name));
    if (!a) throw new UnknownScheduleError(service, name, [...this.entries.keys()]);
    const input = { schedule: name, scheduledTime: scheduledTime.toISOString().replace(/\.\d{3}Z$/, "Z") };
    const started = Date.now();
    try {
      const result = await a.fn.invoke(input);
      a.lastRun = { at: input.scheduledTime, ok: true };
      this.log.info(`schedule ${service}/${name} ran in ${Date.now() - started} ms`);
      return result;
    } catch (err) {
      a.lastRun = { at: input.scheduledTime, ok: false, error: (err as Error).message };
      throw err;
    }
  }

  private arm(a: Armed, after: Date): void {
    clearTimeout(a.timer);
    a.next = nextRun(a.expr, a.timeZone, after, this.startedAt);
    if (!a.next || !this.running) return;
    const fireAt = a.next;
    const wait = () => {
      const ms = fireAt.getTime() - Date.now();
      if (ms > MAX_TIMER_MS) {
        a.timer = setTimeout(wait, MAX_TIMER_MS);
      } else {
        a.timer = setTimeout(() => {
          if (!this.running) return;
          this.run(a.service, a.spec.name, fireAt).catch((err: unknown) => this.log.error(`schedule ${a.service}/${a.spec.name} failed`, err));
          this.arm(a, fireAt);
        }, Math.max(0, ms));
      }
      a.timer.unref();
    };
    wait();
  }
}

export class UnknownScheduleError extends Error {
  constructor(service: string, name: string, known: string[]) {
    super(`no schedule ${service}/${name}; known: ${known.join(", ") || "none"}`);
    this.name = "UnknownScheduleError";
  }
}

function key(service: string, name: string): string {
  return `${service}/${name}`;
}
