/**
 * When a campaign runs, when each run ends, and when its laggards are reminded.
 *
 * - A schedule is `now`, `at` an instant, or `recurring` (an EventBridge-style cron in the corp timezone,
 *   see cron.ts, with a required `until`).
 * - Each run has a stable key (`<campaignId>#<ISO instant>`, `<campaignId>#now` for a send-now campaign),
 *   so a run is idempotent per scheduled instant: a retried or duplicated trigger finds its run.
 * - A run's deadline defaults to 00:00 corp time on the third day after its start, as operators of
 *   微盛 are used to ("任务开始后第3天0点", wecom-services §A3). At the deadline unsent tasks are cancelled.
 * - WeCom allows at most 3 `remind_groupmsg_send` per message per 24 h (§7, D/97610), so the planned
 *   automatic reminders never put more than 3 in any 24 h (counted with both ends included, to be safe).
 */
import { addDays, corpDay, type FieldIssue, startOfCorpDay } from "@siyu/kernel";
import { WECOM_LIMITS } from "@siyu/wecom";
import * as z from "zod";
import { type Cron, cronInstants, parseCron } from "./cron.ts";

const HOUR = 3_600_000;
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 instant with a timezone offset, e.g. 2026-03-02T10:00:00+08:00" });

const cronText = z.string().superRefine((s, ctx) => {
  try {
    parseCron(s);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});

export const scheduleSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("now") }),
    z.strictObject({ kind: z.literal("at"), at: instant }),
    z.strictObject({ kind: z.literal("recurring"), cron: cronText, until: instant }),
  ],
  { error: "kind must be one of now, at, recurring" },
);
export type Schedule = z.output<typeof scheduleSchema>;

/** Automatic reminders, in hours before each run's deadline. */
export const reminderPolicySchema = z.strictObject({
  auto: z.boolean(),
  hoursBeforeDeadline: z
    .array(z.number().positive("must be more than 0 hours").max(15 * 24, "at most 360 hours (15 days)"))
    .superRefine((hours, ctx) => {
      hours.forEach((h, i) => {
        if (hours.indexOf(h) !== i) ctx.addIssue({ code: "custom", path: [i], message: `${h} is listed twice` });
      });
      const max = WECOM_LIMITS.remindsPerMessagePer24h;
      const busiest = busiestDay(hours);
      if (busiest > max) {
        ctx.addIssue({ code: "custom", message: `WeCom allows at most ${max} reminders per message per 24 h; ${busiest} of these fall within 24 h` });
      }
    }),
});
export type ReminderPolicy = z.output<typeof reminderPolicySchema>;
export const DEFAULT_REMINDER_POLICY: ReminderPolicy = { auto: true, hoursBeforeDeadline: [4] };

/** The most reminders (hours before the deadline) in any closed 24-hour window. */
function busiestDay(hours: readonly number[]): number {
  const s = [...new Set(hours)].sort((a, b) => a - b);
  let most = 0;
  for (const [i, h] of s.entries()) most = Math.max(most, s.filter((x, j) => j >= i && x - h <= 24).length);
  return most;
}

/** 00:00 corp time on the third corp day after `start` (start 2026-03-02 10:00 Shanghai → 2026-03-05 00:00). */
export function defaultDeadline(start: Date, timeZone: string): Date {
  return startOfCorpDay(addDays(corpDay(start, timeZone), 3), timeZone);
}

/** The instants to remind at: deadline − hours, ascending, only those after the start. */
export function reminderTimes(policy: ReminderPolicy, run: { at: Date; deadline: Date }): Date[] {
  if (!policy.auto) return [];
  return policy.hoursBeforeDeadline
    .map((h) => new Date(run.deadline.getTime() - h * HOUR))
    .filter((t) => t > run.at)
    .sort((a, b) => a.getTime() - b.getTime());
}

export interface PlannedRun {
  /** Stable per campaign and scheduled instant: the idempotency key of the run. */
  key: string;
  at: Date;
}

/** The key of a campaign's run at a scheduled instant (or of its only run, for a send-now campaign). */
export function runKey(campaignId: string, at: Date | "now"): string {
  return `${campaignId}#${at === "now" ? "now" : at.toISOString()}`;
}

const cronOf = (s: Extract<Schedule, { kind: "recurring" }>): Cron => parseCron(s.cron);

/**
 * The scheduled runs of a campaign: the single run of `now` (at `now`) or `at` (even when late: a late
 * run is still due), or the next `limit` cron instants from `from` (default `now`, included) up to
 * `until` (included) for `recurring`.
 *
 * @example
 * planRuns({ kind: "recurring", cron: "0 10 ? * MON *", until: "2026-04-01T00:00:00+08:00" },
 *   { campaignId: "c1", now: new Date("2026-03-01T00:00:00Z"), timeZone: "Asia/Shanghai", limit: 2 })
 * // → [{ key: "c1#2026-03-02T02:00:00.000Z", at: 2026-03-02T02:00Z }, { key: "c1#2026-03-09T02:00:00.000Z", … }]
 */
export function planRuns(
  schedule: Schedule,
  opts: { campaignId: string; now: Date; timeZone: string; from?: Date; limit?: number },
): PlannedRun[] {
  const { campaignId, now, timeZone } = opts;
  switch (schedule.kind) {
    case "now":
      return [{ key: runKey(campaignId, "now"), at: now }];
    case "at": {
      const at = new Date(schedule.at);
      return [{ key: runKey(campaignId, at), at }];
    }
    case "recurring":
      return cronInstants(cronOf(schedule), {
        from: opts.from ?? now,
        until: new Date(schedule.until),
        timeZone,
        limit: opts.limit ?? 10,
      }).map((at) => ({ key: runKey(campaignId, at), at }));
  }
}

/** The first run's start, or undefined when a recurring schedule has none before `until`. */
export function firstStart(schedule: Schedule, now: Date, timeZone: string): Date | undefined {
  return planRuns(schedule, { campaignId: "", now, timeZone, limit: 1 })[0]?.at;
}

/**
 * The rules that need the clock and the corp timezone: `at` not in the past, a recurring schedule with a
 * run before `until`, an explicit deadline after the start (one-time schedules only), reminders after the start.
 * Paths are relative to the campaign body.
 */
export function scheduleIssues(
  c: { schedule: Schedule; deadline?: string | undefined; reminders: ReminderPolicy },
  ctx: { now: Date; timeZone: string; checkStart: boolean },
): FieldIssue[] {
  const out: FieldIssue[] = [];
  const { schedule } = c;
  if (ctx.checkStart && schedule.kind === "at" && new Date(schedule.at) < ctx.now) {
    out.push({ path: "schedule.at", message: `is in the past (now is ${ctx.now.toISOString()})` });
  }
  const start = firstStart(schedule, ctx.now, ctx.timeZone);
  if (start === undefined) {
    out.push({ path: "schedule.until", message: "must be after the first run: the cron fires no time from now until then" });
    return out;
  }
  if (c.deadline !== undefined) {
    if (schedule.kind === "recurring") {
      out.push({ path: "deadline", message: "a recurring campaign's runs each end at 00:00 on the third corp day after they start; omit deadline" });
    } else if (new Date(c.deadline) <= start) {
      out.push({ path: "deadline", message: `must be after the start (${start.toISOString()})` });
    }
    if (out.length > 0) return out;
  }
  const deadline = c.deadline !== undefined && schedule.kind !== "recurring" ? new Date(c.deadline) : defaultDeadline(start, ctx.timeZone);
  if (c.reminders.auto) {
    c.reminders.hoursBeforeDeadline.forEach((h, i) => {
      if (deadline.getTime() - h * HOUR <= start.getTime()) {
        out.push({ path: `reminders.hoursBeforeDeadline.${i}`, message: `${h} h before the deadline (${deadline.toISOString()}) is not after the start` });
      }
    });
  }
  return out;
}

/** A run's deadline: the campaign's explicit one for a one-time schedule, else the default. */
export function runDeadline(c: { schedule: Schedule; deadline?: string | undefined }, run: { at: Date }, timeZone: string): Date {
  return c.deadline !== undefined && c.schedule.kind !== "recurring" ? new Date(c.deadline) : defaultDeadline(run.at, timeZone);
}
