/**
 * The daily reconciliation: WeCom's own numbers for a day next to Siyu's.
 *
 * - Members: every staff member in Siyu's registry (the `TOTAL#staff` rows) plus WeCom's
 *   `get_follow_user_list` (members with customer contact), so a member Siyu never heard of shows up.
 * - `get_user_behavior_data` **once per member** (WeCom aggregates several userids into one series),
 *   and `groupchat/statistic` per chunk of owners, only for days that are over (`statisticsWindow`).
 * - Sequential, at most one WeCom call per `WECOM_CALL_GAP_MS`, far below the per-API limits
 *   (10,000/min, §13). On 45009/45033 the run stops calling WeCom and stores what it has, marked
 *   `stoppedEarly`.
 * Who is asked, what is compared and what is stored are the domain's (`domain/reconcile.ts`).
 */
import { startOfCorpDay } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { WecomApiError, type WecomClient, WecomError, WecomRateLimitError } from "@siyu/wecom";
import {
  type GroupChatDay,
  groupStatisticChunks,
  notAskedReason,
  parseGroup,
  type Reconciliation,
  reconcileStaff,
  reconciliation,
  reconciliationMembers,
  type SiyuStaffDay,
  type StaffReconciliation,
  statisticsWindow,
  WECOM_CALL_GAP_MS,
  type WecomBehaviorDay,
} from "../domain/index.ts";
import { allGroups, countersOf, queryPartition } from "../store/counters.ts";
import { dayRowKey } from "../store/keys.ts";
import { readReconciliation, writeReconciliation } from "../store/recon.ts";

export interface ReconcileDeps {
  table: string;
  timeZone: string;
  now: () => Date;
  log: Logger;
  wecom: () => Promise<WecomClient>;
  /** Minimum time between two WeCom calls (default `WECOM_CALL_GAP_MS`). */
  gapMs?: number;
}

/** Spaces calls at least `gapMs` apart (sequential callers). */
function pacer(gapMs: number) {
  let last = 0;
  return async () => {
    const wait = last + gapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    last = Date.now();
  };
}

const n = (v: number | undefined) => v ?? 0;

function errorOf(error: unknown): { errcode?: number; message: string } {
  if (error instanceof WecomApiError) return { errcode: error.errcode, message: error.errmsg };
  return { message: error instanceof Error ? error.message : String(error) };
}

export async function reconcileDay(deps: ReconcileDeps, day: string): Promise<Reconciliation> {
  const { table, timeZone, log } = deps;
  const now = deps.now();
  const window = statisticsWindow(day, now, timeZone);
  const dayStart = Math.floor(startOfCorpDay(day, timeZone).getTime() / 1000);
  const pace = pacer(deps.gapMs ?? WECOM_CALL_GAP_MS);
  let calls = 0;
  let stoppedEarly: string | undefined;
  const client = window.behavior ? await deps.wecom() : undefined;
  const call = async <T>(fn: (c: WecomClient) => Promise<T>): Promise<T> => {
    await pace();
    calls++;
    try {
      return await fn(client!);
    } catch (error) {
      if (error instanceof WecomRateLimitError) stoppedEarly = `WeCom answered ${error.errcode} (${error.api}); no further calls in this run`;
      throw error;
    }
  };

  const registry = (await allGroups(table, "staff")).map((g) => (parseGroup(g) as { userId: string }).userId);
  let followUsers: string[] = [];
  if (client) {
    try {
      followUsers = (await call((c) => c.getFollowUserList())).follow_user;
    } catch (error) {
      log.warn("get_follow_user_list failed; reconciling the staff Siyu knows", { error });
    }
  }
  const siyu = new Map<string, SiyuStaffDay>();
  for (const item of await queryPartition(table, dayRowKey(day, "staff:x").pk, { beginsWith: "staff:" })) {
    const c = countersOf(item);
    siyu.set((item.sk as string).slice("staff:".length), {
      added: c.added,
      lost: c.lost,
      removed: c.removed,
      transferredIn: c.transferredIn,
      transferredOut: c.transferredOut,
    });
  }
  const members = reconciliationMembers(registry, followUsers, [...siyu.keys()]);

  const staff: StaffReconciliation[] = [];
  for (const userId of members) {
    const notAsked = notAskedReason(window, stoppedEarly);
    if (notAsked !== undefined) {
      staff.push(reconcileStaff(userId, siyu.get(userId), null, { message: notAsked }));
      continue;
    }
    try {
      const out = await call((c) => c.getUserBehaviorData({ userid: [userId], start_time: dayStart, end_time: dayStart }));
      const bucket = out.behavior_data.find((b) => b.stat_time === dayStart) ?? out.behavior_data[0];
      const wecom: WecomBehaviorDay = {
        newApplyCnt: bucket?.new_apply_cnt,
        newContactCnt: n(bucket?.new_contact_cnt),
        chatCnt: bucket?.chat_cnt,
        messageCnt: bucket?.message_cnt,
        replyPercentage: bucket?.reply_percentage,
        avgReplyTime: bucket?.avg_reply_time,
        negativeFeedbackCnt: n(bucket?.negative_feedback_cnt),
      };
      staff.push(reconcileStaff(userId, siyu.get(userId), wecom));
    } catch (error) {
      if (!(error instanceof WecomError)) throw error;
      staff.push(reconcileStaff(userId, siyu.get(userId), null, errorOf(error)));
    }
  }

  const groupChatStats: GroupChatDay[] = [];
  let groupReason = window.groupChats ? undefined : window.reason;
  if (client && window.groupChats && !stoppedEarly) {
    try {
      for (const chunk of groupStatisticChunks(members)) {
        if (stoppedEarly) break;
        for (let offset = 0; ; ) {
          const out = await call((c) =>
            c.groupChatStatistic({ day_begin_time: dayStart, day_end_time: dayStart, owner_filter: { userid_list: chunk }, offset, limit: 1000 }),
          );
          for (const item of out.items) {
            groupChatStats.push({
              owner: item.owner,
              newChatCnt: n(item.data.new_chat_cnt),
              chatTotal: n(item.data.chat_total),
              chatHasMsg: n(item.data.chat_has_msg),
              newMemberCnt: n(item.data.new_member_cnt),
              memberTotal: n(item.data.member_total),
              memberHasMsg: n(item.data.member_has_msg),
              msgTotal: n(item.data.msg_total),
            });
          }
          offset += out.items.length;
          if (out.items.length === 0 || offset >= n(out.total)) break;
        }
      }
    } catch (error) {
      if (!(error instanceof WecomError)) throw error;
      groupReason = `groupchat/statistic failed: ${errorOf(error).message}`;
    }
  }

  const result = reconciliation({ day, ranAt: deps.now(), timeZone, partial: window.partial, staff, groupChatStats, groupReason, stoppedEarly, wecomCalls: calls });
  await writeReconciliation(table, result);
  log.info("reconciliation stored", { day, staff: staff.length, mismatches: result.mismatches, errors: result.errors, wecomCalls: calls });
  return result;
}

/** `GET /v1/stats/reconciliation`: the stored run of a day, undefined when none has run for it. */
export function storedReconciliation(deps: { table: string }, day: string): Promise<Reconciliation | undefined> {
  return readReconciliation(deps.table, day);
}
