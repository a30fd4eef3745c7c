/**
 * The churn-stats answers (functions/churn-stats/README.md, "HTTP API"), derived from the generated
 * `schema.d.ts` (the routes' response schemas).
 */
import type { Answer } from "./answer";

/** `GET /v1/stats/churn`. */
export type ChurnAnswer = Answer<"/v1/stats/churn", "get">;

/** `groupBy` of `GET /v1/stats/churn` and `/v1/stats/cohorts`: the corp by day, or per staff member or channel. */
export type GroupBy = ChurnAnswer["groupBy"];

/** The filters both stats reads take (corp-timezone days, both included). */
export interface StatsFilter {
  from: string;
  to: string;
  groupBy: GroupBy;
}

/** A group's days; `id` is the userId or channelId (`""` = no channel), `null` for the corp. Its range totals: the period churn rate is lost ÷ (start + added + transferred in). */
export type ChurnSeries = ChurnAnswer["series"][number];
/** One day of one group (definitions §4): flows of the day and the balances around it; `churnRate` is lost ÷ customersAtStart, `null` when there were none at the start. */
export type ChurnPoint = ChurnSeries["points"][number];

/** `GET /v1/stats/cohorts`. */
export type CohortAnswer = Answer<"/v1/stats/cohorts", "get">;
/** A group's cohorts; the totals of each horizon count mature cohorts only (`eligibleK` members). */
export type CohortSeries = CohortAnswer["cohorts"][number];
/** One add-day cohort (definitions §5): a horizon is `null` until day D+k is over. */
export type CohortPoint = CohortSeries["points"][number];

/** `GET /v1/stats/reconciliation?date=`: the stored run of a day. */
export type Reconciliation = Answer<"/v1/stats/reconciliation", "get">;
/** One member's day: Siyu's counters next to WeCom's `get_user_behavior_data` bucket (`wecom` null when WeCom was not, or could not be, asked; see `error`). */
export type StaffReconciliation = Reconciliation["staff"][number];
