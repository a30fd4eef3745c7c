/**
 * One run of a campaign after it is planned: what WeCom's answers mean for each recipient, the
 * funnel with counts that add up, when to poll, when a reminder may be sent, and how a task whose
 * creation timed out is recognised before any retry (wecom-reference §7, wecom-services §A).
 *
 * - **Recipient states.** `planned` (in an outbox chunk) → `failed` (in `fail_list`, or the whole call
 *   was refused) or `waiting` (a task exists; the member has not sent it) → `delivered` (send status
 *   1), `not-a-friend` (2), `quota-hit` (3: WeCom's receive cap was already reached at delivery), or
 *   `cancelled` (still unsent at the deadline, when Siyu cancels the task).
 * - **Funnel.** planned = failed + tasked; tasked = confirmed + unconfirmed; confirmed = delivered +
 *   not-a-friend + quota-hit (the member sent the task; WeCom then delivered or not). unconfirmed =
 *   waiting + cancelled.
 * - **Polling.** Often in the first hour (the members who confirm, mostly do so soon), then hourly,
 *   then a last poll at the deadline, after which nothing changes.
 */
import { WECOM_LIMITS } from "@siyu/wecom";
import type { LedgerEntry } from "./quota.ts";

export const RECIPIENT_STATUSES = ["planned", "failed", "waiting", "delivered", "not-a-friend", "quota-hit", "cancelled"] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** States no later answer changes. */
export const FINAL_RECIPIENT_STATUSES: ReadonlySet<RecipientStatus> = new Set(["failed", "delivered", "not-a-friend", "quota-hit", "cancelled"]);

/** `get_groupmsg_send_result` status: 0 not sent, 1 sent, 2 not a friend, 3 already received the cap. */
export type SendStatus = 0 | 1 | 2 | 3;

/**
 * A recipient's state after an answer of `get_groupmsg_send_result`. A status 0 after the deadline's
 * cancel is `cancelled`; a final state never moves back (a late or repeated page cannot undo it).
 */
export function recipientStatusAfter(current: RecipientStatus, status: SendStatus, opts: { cancelled: boolean }): RecipientStatus {
  if (FINAL_RECIPIENT_STATUSES.has(current)) return current;
  switch (status) {
    case 1:
      return "delivered";
    case 2:
      return "not-a-friend";
    case 3:
      return "quota-hit";
    default:
      return opts.cancelled ? "cancelled" : "waiting";
  }
}

/** What the ledger learns from a recipient's final state (undefined while it may still be delivered). */
export function ledgerOutcome(status: RecipientStatus, run: { runKey: string; at: string }, sendTime?: string, userId?: string): LedgerEntry | undefined {
  if (status === "delivered") return { at: sendTime ?? run.at, source: "siyu", state: "delivered", runId: run.runKey, ...(userId ? { userId } : {}) };
  if (FINAL_RECIPIENT_STATUSES.has(status)) return { at: run.at, source: "siyu", state: "not-delivered", runId: run.runKey };
  return undefined;
}

export type RecipientCounts = Record<RecipientStatus, number>;

export const emptyRecipientCounts = (): RecipientCounts => ({
  planned: 0,
  failed: 0,
  waiting: 0,
  delivered: 0,
  "not-a-friend": 0,
  "quota-hit": 0,
  cancelled: 0,
});

export interface Funnel {
  planned: number;
  tasked: number;
  confirmed: number;
  delivered: number;
  /** Where the others went, so each step adds up. */
  failed: number;
  waiting: number;
  cancelled: number;
  notAFriend: number;
  quotaHit: number;
  /** Tasked but not known yet (a chunk whose task is not created or not polled yet). */
  pending: number;
}

/** planned → tasked → confirmed → delivered from the recipients' states; every step adds up. */
export function funnelOf(c: RecipientCounts): Funnel {
  const confirmed = c.delivered + c["not-a-friend"] + c["quota-hit"];
  const tasked = confirmed + c.waiting + c.cancelled;
  return {
    planned: tasked + c.failed + c.planned,
    tasked,
    confirmed,
    delivered: c.delivered,
    failed: c.failed,
    waiting: c.waiting,
    cancelled: c.cancelled,
    notAFriend: c["not-a-friend"],
    quotaHit: c["quota-hit"],
    pending: c.planned,
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Polling: every 5 minutes in the run's first hour, then hourly, and once at the deadline. */
export const POLL_POLICY = { earlyEveryMs: 5 * MINUTE, earlyForMs: HOUR, lateEveryMs: HOUR } as const;

/**
 * The next instant to poll a run started at `startedAt`, after a poll at `now`: undefined once the
 * deadline's poll is done (the run is over). Never later than the deadline, so the deadline's cancel
 * and last poll happen on time.
 */
export function nextPollAt(run: { startedAt: Date; deadline: Date }, now: Date): Date | undefined {
  if (now >= run.deadline) return undefined;
  const age = now.getTime() - run.startedAt.getTime();
  const every = age < POLL_POLICY.earlyForMs ? POLL_POLICY.earlyEveryMs : POLL_POLICY.lateEveryMs;
  return new Date(Math.min(now.getTime() + every, run.deadline.getTime()));
}

/**
 * WeCom allows 3 `remind_groupmsg_send` per message per 24 h (§7). Given the reminders already sent
 * for a message, whether one more may go now, and if not, when the next may.
 */
export function reminderBudget(sentAt: readonly string[], now: Date): { remaining: number; nextAt?: Date } {
  const max = WECOM_LIMITS.remindsPerMessagePer24h;
  const day = 24 * HOUR;
  // counted with both ends included, as the planned reminders are (schedule.ts)
  const recent = sentAt.map((s) => Date.parse(s)).filter((t) => now.getTime() - t <= day).sort((a, b) => a - b);
  const remaining = Math.max(0, max - recent.length);
  if (remaining > 0) return { remaining };
  return { remaining, nextAt: new Date(recent[recent.length - max]! + day + 1) };
}

/** The automatic reminders that are due at `now` and not sent yet (by planned instant). */
export function dueReminders(planned: readonly string[], done: readonly string[], now: Date): string[] {
  const sent = new Set(done);
  return planned.filter((p) => !sent.has(p) && Date.parse(p) <= now.getTime());
}

/** One corp-created mass message as `get_groupmsg_list_v2` lists it. */
export interface ListedMessage {
  msgid: string;
  create_time: string | number;
  create_type?: number;
  text?: { content?: string };
  attachments?: unknown[];
}

/** What Siyu sent, to recognise its own task after a timeout. */
export interface SentContent {
  text?: { content: string };
  attachments?: unknown[];
}

/** How far before the claim a created task's `create_time` may be (clock skew between Siyu and WeCom). */
export const RECONCILE_SKEW_MS = 5 * MINUTE;

/**
 * The listed messages that may be the task a timed-out `add_msg_template` created: corp-created, at
 * or after the claim (less the skew), with the same text and the same number of attachments, and not
 * already recorded for another chunk. The caller then confirms one by its send list (the sender and
 * the chunk's recipients).
 */
export function reconcileCandidates(
  listed: readonly ListedMessage[],
  ours: SentContent,
  claimedAt: Date,
  knownMsgIds: ReadonlySet<string>,
): ListedMessage[] {
  const from = Math.floor((claimedAt.getTime() - RECONCILE_SKEW_MS) / 1000);
  return listed.filter(
    (m) =>
      (m.create_type ?? 0) === 0 &&
      Number(m.create_time) >= from &&
      !knownMsgIds.has(m.msgid) &&
      (m.text?.content ?? "") === (ours.text?.content ?? "") &&
      (m.attachments?.length ?? 0) === (ours.attachments?.length ?? 0),
  );
}

/** Where one run of a campaign stands: planning its recipients, sending its tasks, tracking the staff's sends, over. */
export type RunState = "planning" | "sending" | "tracking" | "done" | "cancelled";

/** Where one staff member's task of a run stands. */
export type StaffTaskState = "planned" | "waiting" | "sent" | "cancelled" | "failed";
