/**
 * The receive quota (wecom-reference §7, wecom-services §A1): each customer or group may receive only
 * so many mass messages per natural calendar window, counting corp-created *and* members' personal
 * mass messages. Pinned version: D/92135 upd. 2025/11/17 — `month` = as many as the month has days
 * (the default), `week` = 7 per ISO week (Mon–Sun), `day` = 1 per day, chosen by the corp admin in
 * 群发助手 → 设置群发规则. The rule has changed four times and has differed for customers and groups,
 * so it is a per-corp setting per audience kind, and every rule is data: a window kind and a limit.
 * Operators add stricter caps of the same shape (e.g. 2 per week) and quiet hours.
 *
 * Windows are taken in the corp timezone (the simulator pins Asia/Shanghai; a corp elsewhere sets its
 * own). The quota is spent at delivery, when the member confirms, not when Siyu creates the task, so
 * two pending tasks race. The ledger is therefore conservative: a planned delivery counts in every
 * window it could still land in (from creation to its deadline) until it is known to be delivered
 * (then only at its send time) or known not to be (not a friend, capped, cancelled, past deadline).
 */
import { addDays, corpDay, corpTime, daysBetween, startOfCorpDay, zonedParts } from "@siyu/kernel";
import * as z from "zod";

export type WindowKind = "day" | "week" | "month";

/** `days-in-month`: the month window's limit is the number of days of that month (28–31). */
export type WindowLimit = number | "days-in-month";

/** One cap: at most `limit` mass messages per natural `kind` window. */
export interface WindowRule {
  kind: WindowKind;
  limit: WindowLimit;
}

/** The admin's setting in 群发助手 → 设置群发规则. */
export type WecomReceiveSetting = "month" | "week" | "day";

/** What each WeCom setting means, as data (D/92135 upd. 2025/11/17). */
export const WECOM_RECEIVE_RULES: Readonly<Record<WecomReceiveSetting, WindowRule>> = {
  month: { kind: "month", limit: "days-in-month" },
  week: { kind: "week", limit: 7 },
  day: { kind: "day", limit: 1 },
};

/** A corp-time range `HH:MM`–`HH:MM` (start included, end excluded; may wrap past midnight, e.g. 21:00–08:00). */
export interface QuietHours {
  from: string;
  to: string;
}

/** The rules that apply to one audience kind (customers, or groups). */
export interface QuotaRules {
  /** WeCom's rule and the operator's stricter caps; every one must hold. */
  windows: WindowRule[];
  quietHours: QuietHours[];
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 00:00–23:59");
const quietHoursSchema = z.object({ from: hhmm, to: hhmm }).refine((q) => q.from !== q.to, { message: "an empty quiet range (from = to)" });
const windowRuleSchema = z.object({ kind: z.enum(["day", "week", "month"]), limit: z.number().int().min(0) });
const audienceSettingsSchema = z.object({
  wecom: z.enum(["month", "week", "day"]).default("month"),
  caps: z.array(windowRuleSchema).default([]),
  quietHours: z.array(quietHoursSchema).default([]),
});

/** Per-corp receive settings, separately for customers and groups (wecom-services §A1: they have differed). */
export const receiveSettingsSchema = z.object({
  customers: audienceSettingsSchema.default({ wecom: "month", caps: [], quietHours: [] }),
  groups: audienceSettingsSchema.default({ wecom: "month", caps: [], quietHours: [] }),
});
export type ReceiveSettings = z.infer<typeof receiveSettingsSchema>;

/**
 * The rules for customers (`single`) or groups (`group`) under a corp's settings.
 * @example rulesFor(receiveSettingsSchema.parse({ customers: { wecom: "day" } }), "single").windows // [{ kind: "day", limit: 1 }]
 */
export function rulesFor(settings: ReceiveSettings, chatType: "single" | "group"): QuotaRules {
  const s = chatType === "single" ? settings.customers : settings.groups;
  return { windows: [WECOM_RECEIVE_RULES[s.wecom], ...s.caps], quietHours: s.quietHours };
}

/** A half-open span of instants [start, end). */
export interface Window {
  start: Date;
  end: Date;
}

/**
 * The natural window of `kind` holding `instant` in the corp timezone: the corp day, the ISO week
 * (Monday 00:00 to the next Monday) or the calendar month.
 * @example windowOf(new Date("2025-01-31T16:30:00Z"), "month", "Asia/Shanghai") // Feb 1 00:00 → Mar 1 00:00 Shanghai
 */
export function windowOf(instant: Date, kind: WindowKind, timeZone: string): Window {
  const day = corpDay(instant, timeZone);
  let first: string;
  let next: string;
  if (kind === "day") {
    first = day;
    next = addDays(day, 1);
  } else if (kind === "week") {
    first = addDays(day, 1 - zonedParts(instant, timeZone).weekday);
    next = addDays(first, 7);
  } else {
    first = `${day.slice(0, 8)}01`;
    next = addDays(first, 32).slice(0, 8) + "01";
  }
  return { start: startOfCorpDay(first, timeZone), end: startOfCorpDay(next, timeZone) };
}

/** A window's limit as a number (`days-in-month` resolved for the month it is). */
export function limitIn(rule: WindowRule, window: Window, timeZone: string): number {
  if (rule.limit !== "days-in-month") return rule.limit;
  return daysBetween(corpDay(window.start, timeZone), corpDay(window.end, timeZone));
}

/** What a customer (or group) received or may still receive: one mass message. */
export interface LedgerEntry {
  /** ISO instant: the send time when delivered; the task's creation when planned. */
  at: string;
  /** ISO instant: a planned message's deadline; it may be delivered any time in [at, latestAt). */
  latestAt?: string;
  /** `siyu`: one of Siyu's campaigns; `personal`: a member's own mass message (get_groupmsg_list_v2 filter_type=1). */
  source: "siyu" | "personal";
  /** `planned` counts until known: delivered, or not delivered (not a friend, status 3, cancelled, past deadline). */
  state: "planned" | "delivered" | "not-delivered";
  /** The campaign run it belongs to, so that re-planning the same run does not count itself. */
  runId?: string;
  /** The member who sent it, when known (a delivery is the latest interaction of that member with the customer). */
  userId?: string;
}

/** One window a delivery span touches, under one rule, with its resolved limit. */
export interface QuotaWindow extends Window {
  rule: WindowRule;
  limit: number;
}

/** A span of possible delivery: an instant, or [from, until). */
export type DeliverySpan = Date | { from: Date; until: Date };

function spanMs(span: DeliverySpan): [number, number] {
  if (span instanceof Date) return [span.getTime(), span.getTime()];
  const from = span.from.getTime();
  return [from, Math.max(from, span.until.getTime())];
}

/**
 * Every (rule, window) a delivery in `span` could land in: a message created now with a deadline in
 * three days may be confirmed on any of those days, so it must fit each of their windows.
 */
export function quotaWindows(span: DeliverySpan, rules: QuotaRules, timeZone: string): QuotaWindow[] {
  const [from, until] = spanMs(span);
  const out: QuotaWindow[] = [];
  for (const rule of rules.windows) {
    let w = windowOf(new Date(from), rule.kind, timeZone);
    for (;;) {
      out.push({ ...w, rule, limit: limitIn(rule, w, timeZone) });
      if (w.end.getTime() >= until || until === from) break;
      w = windowOf(w.end, rule.kind, timeZone);
    }
  }
  return out;
}

/** Whether an entry still counts, and the span of instants it may be (or was) delivered in. */
function entrySpan(entry: LedgerEntry, ignoreRunId?: string): [number, number] | undefined {
  if (entry.state === "not-delivered") return undefined;
  if (ignoreRunId !== undefined && entry.runId === ignoreRunId) return undefined;
  const at = Date.parse(entry.at);
  if (entry.state === "delivered" || entry.latestAt === undefined) return [at, at];
  return [at, Math.max(at, Date.parse(entry.latestAt))];
}

function touches([a, b]: [number, number], w: Window): boolean {
  const start = w.start.getTime();
  const end = w.end.getTime();
  return a === b ? a >= start && a < end : a < end && b > start;
}

/** How many counted entries may land in `window`. */
export function countIn(entries: readonly LedgerEntry[], window: Window, ignoreRunId?: string): number {
  let n = 0;
  for (const e of entries) {
    const s = entrySpan(e, ignoreRunId);
    if (s && touches(s, window)) n++;
  }
  return n;
}

/** A window's use: what counts in it and how many are left. */
export interface WindowUsage extends QuotaWindow {
  count: number;
  remaining: number;
}

export interface QuotaStanding {
  /** Messages this recipient may still receive in every window the span touches (0 = capped). */
  remaining: number;
  /** The window that leaves the least (the reason a capped recipient is left out). */
  binding: WindowUsage | undefined;
}

/** `remainingQuota` over windows already computed (the planner computes them once per run). */
export function standingIn(entries: readonly LedgerEntry[], windows: readonly QuotaWindow[], ignoreRunId?: string): QuotaStanding {
  let binding: WindowUsage | undefined;
  for (const w of windows) {
    const count = countIn(entries, w, ignoreRunId);
    const remaining = Math.max(0, w.limit - count);
    if (!binding || remaining < binding.remaining) binding = { ...w, count, remaining };
  }
  return { remaining: binding ? binding.remaining : Number.POSITIVE_INFINITY, binding };
}

/**
 * How many more mass messages a customer (or group) may receive in a delivery at `at` (an instant or
 * [from, until) up to the campaign's deadline), given what its ledger holds, under every rule.
 * @example
 * remainingQuota([{ at: "2025-03-03T02:00:00Z", source: "personal", state: "delivered" }],
 *   new Date("2025-03-03T08:00:00Z"), rulesFor(receiveSettingsSchema.parse({ customers: { wecom: "day" } }), "single"), "Asia/Shanghai").remaining // 0
 */
export function remainingQuota(entries: readonly LedgerEntry[], at: DeliverySpan, rules: QuotaRules, timeZone: string, ignoreRunId?: string): QuotaStanding {
  return standingIn(entries, quotaWindows(at, rules, timeZone), ignoreRunId);
}

const minutesOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

function inRange(minute: number, q: QuietHours): boolean {
  const from = minutesOf(q.from);
  const to = minutesOf(q.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * When `instant` falls in a quiet range (corp time), the instant that range ends (the earliest
 * moment a run may be pushed to staff instead); undefined when it is not quiet. Overlapping ranges
 * are followed to the end of the last one.
 */
export function quietUntil(instant: Date, quietHours: readonly QuietHours[], timeZone: string): Date | undefined {
  let at = instant;
  let moved = false;
  for (let guard = 0; guard <= quietHours.length; guard++) {
    const p = zonedParts(at, timeZone);
    const minute = p.hour * 60 + p.minute;
    const q = quietHours.find((r) => inRange(minute, r));
    if (!q) return moved ? at : undefined;
    const day = corpDay(at, timeZone);
    const endDay = minute < minutesOf(q.to) ? day : addDays(day, 1);
    at = corpTime(endDay, timeZone, q.to);
    moved = true;
  }
  return at;
}
