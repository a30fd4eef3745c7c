/**
 * The rules of a stats query (`GET /v1/stats/churn|cohorts`, and the range of a rebuild): which
 * ranges, groupings and filters exist, and how much one page may hold. Every broken rule is reported
 * at once (`InvalidQuery`), each naming its field.
 */
import { dayRange, daysBetween, isDay } from "@siyu/kernel";
import { CORP_GROUP, channelGroup, type GroupId, staffGroup } from "./counters.ts";
import {
  DayRequired,
  FilterNotAvailable,
  FiltersCombined,
  InvalidGroupBy,
  InvalidQuery,
  NotACalendarDay,
  PageTooLarge,
  RangeReversed,
  RangeTooLong,
  type RuleBroken,
} from "./errors.ts";

export const MAX_RANGE_DAYS = 366;
export const GROUP_BY = ["day", "staff", "channel"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** Cells (days × groups) one page may hold: keeps a JSON page well under Lambda's 6 MB response limit. */
export const MAX_CELLS = 20_000;
export const DEFAULT_GROUP_LIMIT = 50;
export const MAX_GROUP_LIMIT = 500;

export interface DayRange {
  from: string;
  to: string;
}

export interface SeriesQuery extends DayRange {
  groupBy: GroupBy;
}

export interface StatsQuery extends SeriesQuery {
  /** Only this staff member (groupBy day or staff). */
  userId?: string | undefined;
  /** Only this channel (groupBy day or channel); `""` is "no channel". */
  channelId?: string | undefined;
  /** Groups per page (groupBy staff / channel). */
  limit: number;
  cursor?: string | undefined;
}

function dayRules(field: string, value: unknown): RuleBroken[] {
  if (value === undefined || value === null || value === "") return [new DayRequired(field)];
  if (typeof value !== "string" || !isDay(value)) return [new NotACalendarDay(field)];
  return [];
}

function rangeRules(input: { from?: unknown; to?: unknown }, maxDays: number): RuleBroken[] {
  const broken = [...dayRules("from", input.from), ...dayRules("to", input.to)];
  if (broken.length > 0) return broken;
  const span = daysBetween(input.from as string, input.to as string);
  if (span < 0) return [new RangeReversed()];
  if (span + 1 > maxDays) return [new RangeTooLong(maxDays)];
  return [];
}

/**
 * Validate a day range: both days present and valid, `from ≤ to`, at most `maxDays` days (default
 * 366, both ends included). Throws `InvalidQuery` listing every broken rule.
 */
export function parseDayRange(input: { from?: unknown; to?: unknown }, opts: { maxDays?: number } = {}): DayRange {
  const broken = rangeRules(input, opts.maxDays ?? MAX_RANGE_DAYS);
  if (broken.length > 0) throw new InvalidQuery("The date range is not valid", broken);
  return { from: input.from as string, to: input.to as string };
}

function seriesRules(input: { from?: unknown; to?: unknown; groupBy?: unknown }): RuleBroken[] {
  const broken = rangeRules(input, MAX_RANGE_DAYS);
  const groupBy = input.groupBy ?? "day";
  if (typeof groupBy !== "string" || !(GROUP_BY as readonly string[]).includes(groupBy)) broken.push(new InvalidGroupBy(GROUP_BY));
  return broken;
}

/** Validate the series query (`from`, `to`, `groupBy` default `day`); reports every invalid field at once. */
export function parseSeriesQuery(input: { from?: unknown; to?: unknown; groupBy?: unknown }): SeriesQuery {
  const broken = seriesRules(input);
  if (broken.length > 0) throw new InvalidQuery("The query is not valid", broken);
  return { from: input.from as string, to: input.to as string, groupBy: (input.groupBy ?? "day") as GroupBy };
}

export interface StatsQueryInput {
  from?: unknown;
  to?: unknown;
  groupBy?: unknown;
  userId?: string | undefined;
  channelId?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Whether a query is about one group (the corp, or a filtered staff member or channel) rather than a page of a kind. */
const isSingleGroup = (groupBy: GroupBy, q: { userId?: string | undefined; channelId?: string | undefined }) =>
  groupBy === "day" || q.userId !== undefined || q.channelId !== undefined;

/**
 * Validate a whole stats query: the range and `groupBy` (`parseSeriesQuery`), the filters (one of
 * `userId` / `channelId`, each only with a grouping that has its rows), and the page budget (days ×
 * groups ≤ `MAX_CELLS`). The filter and budget rules are judged only once range and `groupBy` are
 * valid: they depend on them. Defaults: `groupBy` `day`, `limit` `DEFAULT_GROUP_LIMIT`.
 */
export function parseStatsQuery(input: StatsQueryInput): StatsQuery {
  const broken = seriesRules(input);
  const valid = broken.length === 0;
  const groupBy = (input.groupBy ?? "day") as GroupBy;
  if (input.userId !== undefined && input.channelId !== undefined) broken.push(new FiltersCombined());
  if (valid && groupBy === "channel" && input.userId !== undefined) broken.push(new FilterNotAvailable("userId", groupBy));
  if (valid && groupBy === "staff" && input.channelId !== undefined) broken.push(new FilterNotAvailable("channelId", groupBy));
  const limit = input.limit ?? DEFAULT_GROUP_LIMIT;
  if (valid) {
    const days = dayRange(input.from as string, input.to as string).length;
    const groups = isSingleGroup(groupBy, input) ? 1 : limit;
    if (days * groups > MAX_CELLS) broken.push(new PageTooLarge(days, groups, MAX_CELLS));
  }
  if (broken.length > 0) throw new InvalidQuery("The query is not valid", broken);
  return { from: input.from as string, to: input.to as string, groupBy, userId: input.userId, channelId: input.channelId, limit, cursor: input.cursor };
}

/** Where the groups of a query come from: a page of a kind's registry, or the few groups the query names. */
export type GroupSource =
  | { kind: "page"; of: "staff" | "channel"; limit: number; cursor?: string | undefined }
  | { kind: "named"; groups: GroupId[] };

/**
 * A filter names its one group; `groupBy=day` is the corp; `groupBy=staff|channel` without a filter
 * pages through every group of that kind.
 */
export function groupSource(q: Pick<StatsQuery, "groupBy" | "userId" | "channelId" | "limit" | "cursor">): GroupSource {
  if (q.userId !== undefined) return { kind: "named", groups: [staffGroup(q.userId)] };
  if (q.channelId !== undefined) return { kind: "named", groups: [channelGroup(q.channelId)] };
  if (q.groupBy === "day") return { kind: "named", groups: [CORP_GROUP] };
  return { kind: "page", of: q.groupBy, limit: q.limit, cursor: q.cursor };
}

/** The groups of a series: `day` → the corp (distinct customers); `staff` / `channel` → one per id. */
export function groupsFor(groupBy: GroupBy, ids: readonly string[] = []): GroupId[] {
  if (groupBy === "day") return [CORP_GROUP];
  return ids.map(groupBy === "staff" ? staffGroup : channelGroup);
}
