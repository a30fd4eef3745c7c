/**
 * One run of a post (one `add_moment_task`), from planned to its final results — what happens next
 * and when, as a pure decision the app executes (DOMAIN §3, wecom-services §B).
 *
 * - **planned → preparing → ready → claimed → submitted**: the run row is the outbox. `preparing`
 *   holds a claim (a token) while the media are uploaded (`upload_attachment`, no rate rule); `ready`
 *   keeps the WeCom media ids and waits for a slot of the corp-wide limiter (limiter.ts) — only ready
 *   runs contend for it, and nothing sits between the slot and the call; `claimed` is written right
 *   before `add_moment_task` (which WeCom does not dedupe), so a scheduler tick delivered twice makes
 *   one task. A preparing claim that goes stale is released (nothing was sent). A run whose window
 *   passed before it could be sent is `missed`, never posted late.
 * - **A lost answer** (the call went out, its answer never came back): the claim goes stale; the run
 *   then looks for its moment in `get_moment_list` (corp-created, created since the claim, same text)
 *   twice, `LOST_CHECK_GAP_MS` apart — found: adopted; not found twice: the claim is released and the
 *   run is sent again.
 * - **submitted → created**: the `jobid` (a string, valid 24 h) is polled until its result; past 24 h
 *   without one the run is `expired` — never polled forever.
 * - **created**: per-staff publish status tracked every `TRACK_EVERY_MS`; reminders at their times
 *   to the staff who have not published; at the window's end `cancel_moment_task` with the
 *   **moment id** (a cancel asked for before the moment id is known waits for it — a jobid is never
 *   sent as a moment id) → `closed`.
 * - **closed**: results collected at once, then daily until `LOSS_DAYS` after the run (losses among
 *   the reached customers), then final.
 */
import type { MomentAttachment } from "@siyu/wecom";

export type RunState = "planned" | "preparing" | "ready" | "claimed" | "submitted" | "created" | "closed" | "failed" | "expired" | "missed" | "cancelled";

export const CLAIM_STALE_MS = 2 * 60_000;
export const LOST_CHECK_GAP_MS = 60_000;
export const JOB_TTL_MS = 24 * 3_600_000;
export const TRACK_EVERY_MS = 5 * 60_000;
export const LOSS_DAYS = 7;
const DAY_MS = 86_400_000;

export interface RunRecord {
  postId: string;
  /** The run's instant (its key). */
  at: string;
  windowEnd: string;
  state: RunState;
  claim?: { token: string; at: string };
  /** The run's attachments as WeCom media ids, uploaded while preparing (a media id lives 3 days; a window ≤ 72 h). */
  attachments?: MomentAttachment[];
  /** The limiter slot this ready run reserved (limiter.ts): it calls then, without asking again. */
  slotAt?: string;
  /** Not before: a ready run waiting for its reserved slot, a submitted one for its next poll. */
  nextAt?: string;
  /** When a lost answer was first looked for and not found. */
  lostCheckAt?: string;
  jobid?: string;
  submittedAt?: string;
  momentId?: string;
  invalidSenders?: { userIds: string[]; departmentIds: number[] };
  invalidTags?: string[];
  /** The operator cancelled: unsent → cancelled; with a moment id → cancel_moment_task. */
  cancelRequestedAt?: string;
  reminders: { at: string; sentAt?: string; to?: number }[];
  trackedAt?: string;
  closedAt?: string;
  /** Results collected last; `finalAt` once the loss window is over. */
  resultsAt?: string;
  finalAt?: string;
  error?: { errcode?: number; message: string; at: string };
}

export type RunStep =
  | { kind: "prepare" }
  | { kind: "release" }
  | { kind: "send" }
  | { kind: "cancel-unsent" }
  | { kind: "miss" }
  | { kind: "find-lost" }
  | { kind: "poll" }
  | { kind: "expire" }
  | { kind: "cancel" }
  | { kind: "remind"; index: number }
  | { kind: "close" }
  | { kind: "track" }
  | { kind: "collect"; final: boolean }
  | { kind: "wait"; until: string }
  | { kind: "done" };

const t = (iso: string) => Date.parse(iso);
const wait = (ms: number): RunStep => ({ kind: "wait", until: new Date(ms).toISOString() });

/** What the run does now (or when it next has something to do). */
export function nextStep(r: RunRecord, now: Date, opts: { remindersOn: boolean }): RunStep {
  const n = now.getTime();
  if (r.nextAt && n < t(r.nextAt) && (r.state === "planned" || r.state === "ready" || r.state === "submitted") && !r.cancelRequestedAt) return wait(t(r.nextAt));
  switch (r.state) {
    case "planned":
      if (r.cancelRequestedAt) return { kind: "cancel-unsent" };
      if (n < t(r.at)) return wait(t(r.at));
      if (n >= t(r.windowEnd)) return { kind: "miss" };
      return { kind: "prepare" };
    case "preparing": {
      const stale = t(r.claim?.at ?? r.at) + CLAIM_STALE_MS;
      return n < stale ? wait(stale) : { kind: "release" };
    }
    case "ready":
      if (r.cancelRequestedAt) return { kind: "cancel-unsent" };
      if (n >= t(r.windowEnd)) return { kind: "miss" };
      return { kind: "send" };
    case "claimed": {
      const stale = t(r.claim?.at ?? r.at) + CLAIM_STALE_MS;
      if (n < stale) return wait(stale);
      if (r.lostCheckAt && n < t(r.lostCheckAt) + LOST_CHECK_GAP_MS) return wait(t(r.lostCheckAt) + LOST_CHECK_GAP_MS);
      return { kind: "find-lost" };
    }
    case "submitted":
      if (n - t(r.submittedAt ?? r.at) >= JOB_TTL_MS) return { kind: "expire" };
      return { kind: "poll" };
    case "created": {
      if (r.cancelRequestedAt) return { kind: "cancel" };
      if (n >= t(r.windowEnd)) return { kind: "close" };
      const due = opts.remindersOn ? r.reminders.findIndex((x) => !x.sentAt && t(x.at) <= n) : -1;
      if (due >= 0) return { kind: "remind", index: due };
      const nextTrack = r.trackedAt ? t(r.trackedAt) + TRACK_EVERY_MS : n;
      if (n >= nextTrack) return { kind: "track" };
      const nextReminder = opts.remindersOn ? r.reminders.filter((x) => !x.sentAt).map((x) => t(x.at)) : [];
      return wait(Math.min(nextTrack, t(r.windowEnd), ...nextReminder));
    }
    case "closed": {
      if (r.finalAt) return { kind: "done" };
      const lossEnd = t(r.at) + LOSS_DAYS * DAY_MS;
      if (!r.resultsAt) return { kind: "collect", final: n >= lossEnd };
      if (n >= lossEnd) return { kind: "collect", final: true };
      const next = Math.min(t(r.resultsAt) + DAY_MS, lossEnd);
      return n >= next ? { kind: "collect", final: false } : wait(next);
    }
    default:
      return { kind: "done" };
  }
}

/** When the run next needs attention (`undefined`: never again). */
export function dueAt(r: RunRecord, now: Date, opts: { remindersOn: boolean }): string | undefined {
  const s = nextStep(r, now, opts);
  if (s.kind === "done") return undefined;
  return s.kind === "wait" ? s.until : now.toISOString();
}

/** The reminder instants of a run: hours before its window's end, in time order. */
export function reminderTimes(windowEnd: Date, hoursBeforeEnd: readonly number[]): string[] {
  return [...hoursBeforeEnd]
    .sort((a, b) => b - a)
    .map((h) => new Date(windowEnd.getTime() - h * 3_600_000).toISOString());
}

/** A fresh run row for a planned occurrence. */
export function newRun(postId: string, at: string, windowHours: number, hoursBeforeEnd: readonly number[]): RunRecord {
  const end = new Date(t(at) + windowHours * 3_600_000);
  return { postId, at, windowEnd: end.toISOString(), state: "planned", reminders: reminderTimes(end, hoursBeforeEnd).map((x) => ({ at: x })) };
}

/** Whether a moment WeCom lists is the one a lost `add_moment_task` made (same text, made after the claim). */
export function isLostMoment(m: { create_time?: string | number; create_type?: number; text?: { content?: string } }, r: RunRecord, text: string | undefined): boolean {
  const created = Number(m.create_time ?? 0) * 1000;
  return m.create_type === 0 && created >= t(r.claim?.at ?? r.at) - 60_000 && (m.text?.content ?? "") === (text ?? "");
}
