/**
 * The pull of members' personal mass messages (daily, and at every run start since the last pull) (`get_groupmsg_list_v2 filter_type=1`): each
 * delivered recipient gets a ledger entry `p:<msgid>` at its send time, so a customer who already had
 * today's message from their advisor is not planned past the rule. Re-pulling writes the same
 * entries (idempotent); the window overlaps the previous pull so nothing falls between two.
 */
import { mapLimit } from "@siyu/store";
import { eachPage } from "@siyu/wecom";
import { recordLedgerMany } from "../store/ledger.ts";
import { getPersonalPullMark, putPersonalPullMark } from "../store/settings.ts";
import { type Deps, pageLimitOf } from "./deps.ts";

/** How far back a pull looks at most (the daily job): two days, so a missed or late pull loses nothing. */
export const PERSONAL_PULL_HOURS = 48;
/** A pull also looks this far before the last one's end (a message listed late is still found). */
const OVERLAP_SECONDS = 3600;

export async function pullPersonalMessages(deps: Deps): Promise<{ messages: number; deliveries: number }> {
  const wecom = await deps.wecom();
  const now = deps.now();
  const end = Math.floor(now.getTime() / 1000);
  // since the last pull (each run start pulls, so a member's message of this morning counts), at most 48 h
  const mark = await getPersonalPullMark(deps.config.table);
  const start = Math.max(end - PERSONAL_PULL_HOURS * 3600, mark ? Math.floor(Date.parse(mark) / 1000) - OVERLAP_SECONDS : 0);
  let messages = 0;
  let deliveries = 0;
  for (const chatType of ["single", "group"] as const) {
    const listed: { msgid: string; creator?: string }[] = [];
    await eachPage(
      (cursor) => wecom.getGroupMsgListV2({ chat_type: chatType, start_time: start, end_time: end, filter_type: 1, limit: pageLimitOf(deps, 100), ...(cursor ? { cursor } : {}) }),
      (p) => {
        listed.push(...p.group_msg_list.map((m) => ({ msgid: m.msgid, ...(m.creator ? { creator: m.creator } : {}) })));
      },
    );
    messages += listed.length;
    const perMessage = await mapLimit(listed, 4, async (m) => {
      const senders: string[] = [];
      await eachPage(
        (cursor) => wecom.getGroupMsgTask({ msgid: m.msgid, limit: pageLimitOf(deps), ...(cursor ? { cursor } : {}) }),
        (p) => {
          for (const t of p.task_list) if (t.status === 2) senders.push(t.userid);
        },
      );
      const entries: Parameters<typeof recordLedgerMany>[2][number][] = [];
      for (const userid of senders) {
        await eachPage(
          (cursor) => wecom.getGroupMsgSendResult({ msgid: m.msgid, userid, limit: pageLimitOf(deps), ...(cursor ? { cursor } : {}) }),
          (p) => {
            for (const s of p.send_list) {
              const id = s.external_userid ?? s.chat_id;
              if (!id || s.status !== 1) continue;
              const at = new Date((s.send_time ?? end) * 1000).toISOString();
              entries.push({ recipientId: id, entryKey: `p:${m.msgid}`, entry: { at, source: "personal", state: "delivered", userId: userid } });
            }
          },
        );
      }
      await recordLedgerMany(deps.config.table, chatType, entries);
      return entries.length;
    });
    deliveries += perMessage.reduce((a, b) => a + b, 0);
  }
  await putPersonalPullMark(deps.config.table, now);
  return { messages, deliveries };
}
