/**
 * The churn-stats answers (functions/churn-stats/README.md, "HTTP API"), named by hand like the
 * other views: the OpenAPI document describes their success bodies as plain objects.
 */

/** `groupBy` of `GET /v1/stats/churn` and `/v1/stats/cohorts`: the corp by day, or per staff member or channel. */
export type GroupBy = "day" | "staff" | "channel";

/** The filters both stats reads take (corp-timezone days, both included). */
export interface StatsFilter {
  from: string;
  to: string;
  groupBy: GroupBy;
}

/** One day of one group (definitions §4): flows of the day and the balances around it. */
export interface ChurnPoint {
  date: string;
  added: number;
  lost: number;
  removed: number;
  transferredIn: number;
  transferredOut: number;
  net: number;
  customersAtStart: number;
  customersAtEnd: number;
  /** lost ÷ customersAtStart; `null` when there were none at the start. */
  churnRate: number | null;
}

/** A group's days; `id` is the userId or channelId (`""` = no channel), `null` for the corp. */
export interface ChurnSeries {
  group: string;
  kind: string;
  id?: string | null;
  points: ChurnPoint[];
  /** Range totals: the period churn rate is lost ÷ (start + added + transferred in). */
  totals: Omit<ChurnPoint, "date">;
}

/** `GET /v1/stats/churn`. */
export interface ChurnAnswer {
  from: string;
  to: string;
  groupBy: string;
  timeZone: string;
  series: ChurnSeries[];
  nextCursor?: string | null;
}

/** One add-day cohort (definitions §5): a horizon is `null` until day D+k is over. */
export interface CohortPoint {
  date: string;
  size: number;
  retained1: number | null;
  retained7: number | null;
  retained30: number | null;
  rate1: number | null;
  rate7: number | null;
  rate30: number | null;
}

/** A group's cohorts; the totals of each horizon count mature cohorts only (`eligibleK` members). */
export interface CohortSeries {
  group: string;
  kind: string;
  id?: string | null;
  points: CohortPoint[];
  totals: {
    size: number;
    eligible1: number;
    eligible7: number;
    eligible30: number;
    retained1: number;
    retained7: number;
    retained30: number;
    rate1: number | null;
    rate7: number | null;
    rate30: number | null;
  };
}

/** `GET /v1/stats/cohorts`. */
export interface CohortAnswer {
  from: string;
  to: string;
  groupBy: string;
  asOfDay: string;
  horizons: number[];
  cohorts: CohortSeries[];
  nextCursor?: string | null;
}

/** One member's day: Siyu's counters next to WeCom's `get_user_behavior_data` bucket. */
export interface StaffReconciliation {
  userId: string;
  siyu: { added: number; lost: number; removed: number; transferredIn: number; transferredOut: number };
  /** `null` when WeCom was not (or could not be) asked; see `error`. */
  wecom: { newContactCnt: number; negativeFeedbackCnt: number; chatCnt?: number; messageCnt?: number; newApplyCnt?: number } | null;
  mismatch: boolean;
  differences: { field: "added" | "lost"; siyu: number; wecom: number }[];
  /** `transfers`: WeCom's extra new contacts equal the member's transfers in (counted differently by design). */
  hint?: "transfers";
  error?: { errcode?: number; message: string };
}

/** `GET /v1/stats/reconciliation?date=`: the stored run of a day. */
export interface Reconciliation {
  date: string;
  ranAt: string;
  /** The day was not over when it ran: WeCom's buckets were still filling. */
  partial: boolean;
  staffCount: number;
  mismatches: number;
  errors: number;
  groupChats: { fetched: boolean; reason?: string; owners: number };
  stoppedEarly?: string;
  wecomCalls: number;
  staff: StaffReconciliation[];
  /** WeCom's `groupchat/statistic` per owner (only for days that are over). */
  groupChatStats: { owner: string; newChatCnt: number; chatTotal: number; chatHasMsg: number; newMemberCnt: number; memberTotal: number; memberHasMsg: number; msgTotal: number }[];
}
