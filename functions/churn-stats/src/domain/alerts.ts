/**
 * Loss alerts (流失提醒) and the daily digest (流失日报): who gets told what, and when WeCom would
 * refuse the message. Pure: the handlers read the ledger, the settings and the member's send window,
 * and persist what these functions decide.
 *
 * - A loss alert goes to the staff member a customer deleted, once per `lost` fact, only while the
 *   fact **counts** (`applyFacts` outcome `counted`: not the second half of a mutual delete) and only
 *   while it is recent (`LOSS_ALERT_MAX_AGE_MS`): a loss that arrives days late, or a redelivery of an
 *   old one, is history, not news.
 * - WeCom accepts at most 30 app messages per member per minute and 1000 per hour
 *   (wecom-reference §13). `appMessageSlot` keeps the member's send times of the last hour and says
 *   whether one more message fits; if not, when it will.
 */
import { addDays, corpDay, deterministicId, type EventData, zonedParts } from "@siyu/kernel";
import { customerHistory } from "./episodes.ts";
import { LossAlertExpired } from "./errors.ts";
import type { Fact } from "./facts.ts";
import type { SeriesPoint } from "./series.ts";
import type { ChurnSettings } from "./settings.ts";

/** Alerts are for news: a loss older than this when it is processed is not alerted. */
export const LOSS_ALERT_MAX_AGE_MS = 6 * 3_600_000;

/** WeCom's per-member app-message limits (§13), checked as sliding windows. */
export const APP_MESSAGE_LIMITS = { perMinute: 30, perHour: 1000 } as const;
/**
 * Our windows are a little longer than WeCom's, so a difference between our clock and WeCom's never
 * turns a message we think fits into one WeCom counts in the previous window.
 */
export const WINDOW_MARGIN_MS = 2_000;
const MINUTE = 60_000 + WINDOW_MARGIN_MS;
const HOUR = 3_600_000 + WINDOW_MARGIN_MS;

export interface LossAlertCandidate {
  fact: Fact;
  /** Staff members (other than the fact's) the customer is still connected to. */
  stillConnectedTo: string[];
}

/**
 * The `lost` facts of an event worth an alert, judged against the customer's whole ledger (after the
 * event was applied, or as found when it was a redelivery): counted, not older than `maxAgeMs`.
 */
export function lossAlertCandidates(
  eventFacts: readonly Fact[],
  ledgerFacts: readonly Fact[],
  now: Date,
  maxAgeMs: number = LOSS_ALERT_MAX_AGE_MS,
): LossAlertCandidate[] {
  const losses = eventFacts.filter((f) => f.kind === "lost");
  if (losses.length === 0) return [];
  const history = customerHistory(ledgerFacts);
  const ignored = new Set(history.ignored.map((f) => f.factId));
  const present = new Set(history.facts.map((f) => f.factId));
  const connected = history.episodes.filter((e) => e.end === null).map((e) => e.userId);
  return losses
    .filter((f) => present.has(f.factId) && !ignored.has(f.factId))
    .filter((f) => now.getTime() - Date.parse(f.at) <= maxAgeMs)
    .map((fact) => ({ fact, stillConnectedTo: [...new Set(connected.filter((u) => u !== fact.userId))].sort() }));
}

export type AlertRequestData = EventData<"churn.alert_requested">;

/** A `churn.alert_requested` command: its id is derived from the loss fact (and the deferral), so asking again is the same message. */
export interface AlertRequest {
  id: string;
  data: AlertRequestData;
}

/**
 * The alert requests for an event's candidates: none while loss alerts are off. Asked for again on
 * every redelivery of the event (same ids): the alerts consumer's marker keeps it to one per loss.
 */
export function lossAlertRequests(candidates: readonly LossAlertCandidate[], settings: Pick<ChurnSettings, "lossAlerts">): AlertRequest[] {
  if (!settings.lossAlerts) return [];
  return candidates.map(({ fact, stillConnectedTo }) => ({
    id: deterministicId("churn-alert", fact.factId),
    data: {
      factId: fact.factId,
      userId: fact.userId,
      externalUserId: fact.externalUserId,
      channelId: fact.channelId,
      lostAt: fact.at,
      stillConnectedTo,
      deferrals: 0,
    },
  }));
}

export type AlertDecision = { send: true } | { send: false; outcome: "disabled" | "duplicate" };

/**
 * Whether a requested alert is sent: not while loss alerts are off (an admin may have turned them off
 * since it was asked for), not when already sent, and never once the loss is older than `maxAgeMs`
 * (throws `LossAlertExpired`: it waited too long at WeCom's limits to be news).
 */
export function decideAlert(
  a: Pick<AlertRequestData, "factId" | "userId" | "lostAt" | "deferrals">,
  state: { settings: Pick<ChurnSettings, "lossAlerts">; alreadySent: boolean; now: Date },
  maxAgeMs: number = LOSS_ALERT_MAX_AGE_MS,
): AlertDecision {
  if (!state.settings.lossAlerts) return { send: false, outcome: "disabled" };
  if (state.alreadySent) return { send: false, outcome: "duplicate" };
  if (state.now.getTime() - Date.parse(a.lostAt) > maxAgeMs) throw new LossAlertExpired(a.factId, a.userId, maxAgeMs, a.deferrals);
  return { send: true };
}

/** SQS delays a message by at most 15 minutes: a longer wait is several deferrals. */
export const MAX_DEFERRAL_SECONDS = 900;

/** The alert put back on its queue until the member's send window has room at `retryAt` (epoch ms). */
export function alertDeferral(a: AlertRequestData, retryAt: number, now: Date): { request: AlertRequest; delaySeconds: number } {
  const delaySeconds = Math.min(MAX_DEFERRAL_SECONDS, Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000)));
  const deferrals = a.deferrals + 1;
  return { request: { id: deterministicId("churn-alert", a.factId, deferrals), data: { ...a, deferrals } }, delaySeconds };
}

export type SlotDecision =
  | { ok: true; sentAt: number[] }
  | { ok: false; retryAt: number; sentAt: number[]; reason: "minute" | "hour" };

/**
 * Whether one more app message to a member fits WeCom's limits now. `sentAt`: the epoch-ms times of
 * the member's earlier messages (any order; entries older than an hour are dropped). On `ok` the
 * returned `sentAt` includes `now` (store it); otherwise `retryAt` is the first instant it fits.
 */
export function appMessageSlot(
  sentAt: readonly number[],
  now: number,
  limits: { perMinute: number; perHour: number } = APP_MESSAGE_LIMITS,
): SlotDecision {
  const recent = sentAt.filter((t) => now - t < HOUR && t <= now + HOUR).sort((a, b) => a - b);
  const inMinute = recent.filter((t) => now - t < MINUTE);
  let retryAt = now;
  let reason: "minute" | "hour" | undefined;
  if (inMinute.length >= limits.perMinute) {
    retryAt = Math.max(retryAt, inMinute[inMinute.length - limits.perMinute]! + MINUTE);
    reason = "minute";
  }
  if (recent.length >= limits.perHour) {
    const at = recent[recent.length - limits.perHour]! + HOUR;
    if (at > retryAt) {
      retryAt = at;
      reason = "hour";
    }
  }
  if (reason) return { ok: false, retryAt, sentAt: recent, reason };
  return { ok: true, sentAt: [...recent, now] };
}

const pad = (n: number) => String(n).padStart(2, "0");

function wallTime(at: string, timeZone: string): string {
  const p = zonedParts(new Date(at), timeZone);
  return `${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** The alert's text (Chinese; WeCom app messages are read in the WeCom client). */
export function lossAlertText(
  a: { externalUserId: string; channelId: string; lostAt: string; stillConnectedTo: readonly string[] },
  timeZone: string,
): string {
  const channel = a.channelId && a.channelId !== "unknown" ? `（来源渠道：${a.channelId}）` : "";
  const others = a.stillConnectedTo.length > 0 ? `该客户仍是 ${a.stillConnectedTo.length} 位同事的客户。` : "该客户已不再是企业的客户。";
  return `【客户流失提醒】客户 ${a.externalUserId} 于 ${wallTime(a.lostAt, timeZone)} 删除了你${channel}。${others}`;
}

export interface DigestFigures {
  day: string;
  added: number;
  lost: number;
  removed: number;
  net: number;
  customersAtEnd: number;
  churnRate: number | null;
  /** Staff with the most losses that day, most first (ties by id). */
  topLosers: { userId: string; lost: number }[];
}

/** The staff with the most losses (lost > 0), at most `n`, most first then by id. */
export function topLosers(rows: readonly { userId: string; lost: number }[], n = 3): { userId: string; lost: number }[] {
  return rows
    .filter((r) => r.lost > 0)
    .sort((a, b) => b.lost - a.lost || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, n)
    .map((r) => ({ userId: r.userId, lost: r.lost }));
}

export function digestText(f: DigestFigures): string {
  const rate = f.churnRate === null ? "—" : `${(f.churnRate * 100).toFixed(2)}%`;
  const losers = f.topLosers.length > 0 ? f.topLosers.map((l) => `${l.userId} ${l.lost}`).join("、") : "无";
  return [
    `【客户流失日报】${f.day}`,
    `新增 ${f.added}，流失 ${f.lost}，删除 ${f.removed}，净增 ${f.net}`,
    `日末客户数 ${f.customersAtEnd}，流失率 ${rate}`,
    `流失最多的员工：${losers}`,
  ].join("\n");
}

/** Who gets the digest of which day: the lead, when the digest is on and a lead is set; otherwise nobody. */
export function digestPlan(
  scheduledTime: Date,
  settings: Pick<ChurnSettings, "dailyDigest" | "digestLeadUserId">,
  timeZone: string,
): { day: string; lead: string | undefined } {
  const day = digestDay(scheduledTime, timeZone);
  return { day, lead: settings.dailyDigest && settings.digestLeadUserId ? settings.digestLeadUserId : undefined };
}

/** The digest's figures: the corp's point of the day (zeros when there is none) and the staff with the most losses. */
export function digestFigures(day: string, corp: SeriesPoint | undefined, staffLosses: readonly { userId: string; lost: number }[]): DigestFigures {
  return {
    day,
    added: corp?.added ?? 0,
    lost: corp?.lost ?? 0,
    removed: corp?.removed ?? 0,
    net: corp?.net ?? 0,
    customersAtEnd: corp?.customersAtEnd ?? 0,
    churnRate: corp?.churnRate ?? null,
    topLosers: topLosers(staffLosses),
  };
}

/** The day a digest run reports on: the corp day before the run's scheduled time. */
export function digestDay(scheduledTime: Date, timeZone: string): string {
  return addDays(corpDay(scheduledTime, timeZone), -1);
}
