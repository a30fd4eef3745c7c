/**
 * Reconciliation (对账): WeCom's own daily numbers (`get_user_behavior_data`, wecom-reference §10)
 * next to Siyu's, per staff member and day.
 *
 * - `new_contact_cnt` (WeCom: new customers) is compared with Siyu's `added`;
 * - `negative_feedback_cnt` (WeCom: customers who deleted or blocked the member) with Siyu's `lost`.
 *
 * A difference is a **mismatch**, stored and shown, never corrected automatically: it means an event
 * was missed or is still on its way, or the two systems count differently. Known differences by
 * design are flagged with a hint: WeCom counts a transfer's taker add as a new contact, Siyu counts it
 * as `transferredIn` (`hint: "transfers"`).
 */
import { addDays, corpDay } from "@siyu/kernel";

export interface SiyuStaffDay {
  added: number;
  lost: number;
  removed: number;
  transferredIn: number;
  transferredOut: number;
}

/** One member's behaviour bucket for one day, as WeCom returned it. */
export interface WecomBehaviorDay {
  newApplyCnt?: number | undefined;
  newContactCnt: number;
  chatCnt?: number | undefined;
  messageCnt?: number | undefined;
  replyPercentage?: number | undefined;
  avgReplyTime?: number | undefined;
  negativeFeedbackCnt: number;
}

export interface StaffReconciliation {
  userId: string;
  siyu: SiyuStaffDay;
  /** `null` when WeCom could not be asked (see `error`). */
  wecom: WecomBehaviorDay | null;
  mismatch: boolean;
  differences: { field: "added" | "lost"; siyu: number; wecom: number }[];
  /** `transfers`: the `added` difference equals the member's transfers in (counted differently by design). */
  hint?: "transfers";
  error?: { errcode?: number; message: string };
}

export const ZERO_STAFF_DAY: SiyuStaffDay = { added: 0, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0 };

export function reconcileStaff(
  userId: string,
  siyu: SiyuStaffDay | undefined,
  wecom: WecomBehaviorDay | null,
  error?: { errcode?: number; message: string },
): StaffReconciliation {
  const s = siyu ?? ZERO_STAFF_DAY;
  const out: StaffReconciliation = { userId, siyu: { ...s }, wecom, mismatch: false, differences: [] };
  if (error) out.error = error;
  if (!wecom) return out;
  if (wecom.newContactCnt !== s.added) out.differences.push({ field: "added", siyu: s.added, wecom: wecom.newContactCnt });
  if (wecom.negativeFeedbackCnt !== s.lost) out.differences.push({ field: "lost", siyu: s.lost, wecom: wecom.negativeFeedbackCnt });
  out.mismatch = out.differences.length > 0;
  if (s.transferredIn > 0 && wecom.newContactCnt === s.added + s.transferredIn) out.hint = "transfers";
  return out;
}

/**
 * Which WeCom statistics may be asked for `day` at `now` (§10): behaviour data for the last 180 days
 * up to today (today's bucket is still filling: `partial`); group statistics only for days that are
 * over (WeCom serves them up to yesterday).
 */
export function statisticsWindow(day: string, now: Date, timeZone: string): { behavior: boolean; groupChats: boolean; partial: boolean; reason?: string } {
  const today = corpDay(now, timeZone);
  if (day > today) return { behavior: false, groupChats: false, partial: true, reason: "the day has not begun" };
  if (day < addDays(today, -179)) return { behavior: false, groupChats: false, partial: false, reason: "WeCom keeps statistics for 180 days" };
  if (day === today) return { behavior: true, groupChats: false, partial: true, reason: "group statistics are served for days that are over" };
  return { behavior: true, groupChats: true, partial: false };
}

/** The day a scheduled reconciliation covers: the corp day before its scheduled time. */
export function reconciliationDay(scheduledTime: Date, timeZone: string): string {
  return addDays(corpDay(scheduledTime, timeZone), -1);
}

/** At most one WeCom call per `minGapMs` (5/s): far below the per-API limits of §13. */
export const WECOM_CALL_GAP_MS = 200;

/** `groupchat/statistic` takes at most 100 owners per call (§10). */
export const GROUP_STATISTIC_OWNERS_PER_CALL = 100;

export interface GroupChatDay {
  owner: string;
  newChatCnt: number;
  chatTotal: number;
  chatHasMsg: number;
  newMemberCnt: number;
  memberTotal: number;
  memberHasMsg: number;
  msgTotal: number;
}

export interface ReconciliationSummary {
  date: string;
  ranAt: string;
  timeZone: string;
  /** True for a day that is not over yet (WeCom's buckets are still filling). */
  partial: boolean;
  staffCount: number;
  mismatches: number;
  errors: number;
  /** Group statistics: fetched, or why not. */
  groupChats: { fetched: boolean; reason?: string; owners: number };
  /** WeCom answered 45009/45033: the run stopped calling WeCom. */
  stoppedEarly?: string;
  wecomCalls: number;
}

export interface Reconciliation extends ReconciliationSummary {
  staff: StaffReconciliation[];
  groupChatStats: GroupChatDay[];
}

/**
 * Who is reconciled: every staff member Siyu has counted (its registry and the day's rows) and every
 * member WeCom says has customer contact, so a member Siyu never heard of shows up. Sorted.
 */
export function reconciliationMembers(...sources: readonly (readonly string[])[]): string[] {
  return [...new Set(sources.flat())].sort();
}

/** The owner chunks of `groupchat/statistic` calls. */
export function groupStatisticChunks(owners: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < owners.length; i += GROUP_STATISTIC_OWNERS_PER_CALL) chunks.push(owners.slice(i, i + GROUP_STATISTIC_OWNERS_PER_CALL));
  return chunks;
}

/** Why a member's WeCom numbers are missing when they were not asked for. */
export function notAskedReason(window: { behavior: boolean; reason?: string }, stoppedEarly: string | undefined): string | undefined {
  if (!window.behavior) return window.reason ?? "WeCom statistics are not available for this day";
  if (stoppedEarly) return "not asked: the run stopped early";
  return undefined;
}

/** The stored result of a run: the per-member comparisons and their counts, and whether group statistics were fetched (or why not). */
export function reconciliation(run: {
  day: string;
  ranAt: Date;
  timeZone: string;
  partial: boolean;
  staff: StaffReconciliation[];
  groupChatStats: GroupChatDay[];
  /** Why group statistics are missing; `undefined` = fetched. */
  groupReason: string | undefined;
  stoppedEarly: string | undefined;
  wecomCalls: number;
}): Reconciliation {
  const { staff, groupReason, stoppedEarly } = run;
  return {
    date: run.day,
    ranAt: run.ranAt.toISOString(),
    timeZone: run.timeZone,
    partial: run.partial,
    staffCount: staff.length,
    mismatches: staff.filter((s) => s.mismatch).length,
    errors: staff.filter((s) => s.error).length,
    groupChats: { fetched: groupReason === undefined, ...(groupReason ? { reason: groupReason } : {}), owners: run.groupChatStats.length },
    ...(stoppedEarly ? { stoppedEarly } : {}),
    wecomCalls: run.wecomCalls,
    staff,
    groupChatStats: run.groupChatStats,
  };
}
