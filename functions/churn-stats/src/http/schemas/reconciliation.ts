/** The JSON answer of `GET /v1/stats/reconciliation`: the stored run of a day (`domain/reconcile.ts`). */
import * as z from "zod";
import { count, day } from "./common.ts";

const siyuStaffDaySchema = z.object({
  added: count(),
  lost: count(),
  removed: count(),
  transferredIn: count(),
  transferredOut: count(),
});

/** One member's behaviour bucket for the day, as WeCom returned it (`get_user_behavior_data`). */
const wecomBehaviorDaySchema = z.object({
  newApplyCnt: z.number().optional(),
  newContactCnt: z.number().meta({ description: "WeCom's new customers: compared with Siyu's `added`" }),
  chatCnt: z.number().optional(),
  messageCnt: z.number().optional(),
  replyPercentage: z.number().optional(),
  avgReplyTime: z.number().optional(),
  negativeFeedbackCnt: z.number().meta({ description: "Customers who deleted or blocked the member: compared with Siyu's `lost`" }),
});

export const staffReconciliationSchema = z.object({
  userId: z.string(),
  siyu: siyuStaffDaySchema,
  wecom: wecomBehaviorDaySchema.nullable().meta({ description: "null when WeCom was not or could not be asked (see `error`)" }),
  mismatch: z.boolean(),
  differences: z.array(z.object({ field: z.enum(["added", "lost"]), siyu: z.number(), wecom: z.number() })),
  hint: z
    .enum(["transfers"])
    .optional()
    .meta({ description: "`transfers`: the `added` difference equals the member's transfers in (WeCom counts a taker's add as a new contact)" }),
  error: z.object({ errcode: z.number().optional(), message: z.string() }).optional().meta({ description: "Why the member's WeCom numbers are missing" }),
});

export const groupChatDaySchema = z.object({
  owner: z.string(),
  newChatCnt: z.number(),
  chatTotal: z.number(),
  chatHasMsg: z.number(),
  newMemberCnt: z.number(),
  memberTotal: z.number(),
  memberHasMsg: z.number(),
  msgTotal: z.number(),
});

export const reconciliationSchema = z.object({
  date: day(),
  ranAt: z.string().meta({ description: "When the run finished (ISO 8601)" }),
  timeZone: z.string(),
  partial: z.boolean().meta({ description: "True for a day that was not over at the run (WeCom's buckets were still filling)" }),
  staffCount: count(),
  mismatches: count(),
  errors: count(),
  groupChats: z.object({ fetched: z.boolean(), reason: z.string().optional(), owners: count() }).meta({ description: "Group statistics: fetched, or why not" }),
  stoppedEarly: z.string().optional().meta({ description: "WeCom answered 45009/45033: the run stopped calling WeCom" }),
  wecomCalls: count(),
  staff: z.array(staffReconciliationSchema),
  groupChatStats: z.array(groupChatDaySchema),
});
