/**
 * The read model: a daily series per group for `from..to`, every day present (zeros included),
 * with customers at the start and end of each day and the churn rate, plus totals for the range.
 *
 * Balances: day rows hold the day's change (`active`), so customers at the end of a day is a running
 * sum. The series needs one opening balance per group (customers at the start of `from`), then adds
 * the day rows of the range: O(days × groups) key lookups plus the opening. The opening comes from
 * the all-time total row and the month/day rows after it (`openingBalance`, `openingReadPlan`):
 * no daily snapshot job, and a late fact only ever touches the rows of its own day, month and group.
 */
import { addDays, badRequest, dayRange, daysBetween, type FieldIssue, isDay } from "@siyu/kernel";
import { CORP_GROUP, type CounterRow, type Counters, channelGroup, type GroupId, staffGroup } from "./counters.ts";

export const MAX_RANGE_DAYS = 366;
export const GROUP_BY = ["day", "staff", "channel"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface DayRange {
  from: string;
  to: string;
}

export interface SeriesQuery extends DayRange {
  groupBy: GroupBy;
}

function dayIssues(field: string, value: unknown): FieldIssue[] {
  if (value === undefined || value === null || value === "") return [{ path: field, message: "is required" }];
  if (typeof value !== "string" || !isDay(value)) {
    return [{ path: field, message: "must be a calendar day YYYY-MM-DD" }];
  }
  return [];
}

function rangeIssues(input: { from?: unknown; to?: unknown }, maxDays: number): FieldIssue[] {
  const issues = [...dayIssues("from", input.from), ...dayIssues("to", input.to)];
  if (issues.length > 0) return issues;
  const span = daysBetween(input.from as string, input.to as string);
  if (span < 0) return [{ path: "to", message: "must not be before from" }];
  if (span + 1 > maxDays) return [{ path: "to", message: `the range is at most ${maxDays} days (both ends included)` }];
  return [];
}

/**
 * Validate a day range: both days present and valid, `from ≤ to`, at most `maxDays` days (default
 * 366, both ends included). Throws `badRequest` with field-level errors.
 */
export function parseDayRange(input: { from?: unknown; to?: unknown }, opts: { maxDays?: number } = {}): DayRange {
  const issues = rangeIssues(input, opts.maxDays ?? MAX_RANGE_DAYS);
  if (issues.length > 0) throw badRequest("The date range is not valid", issues);
  return { from: input.from as string, to: input.to as string };
}

/** Validate the series query (`from`, `to`, `groupBy` default `day`); reports every invalid field at once. */
export function parseSeriesQuery(input: { from?: unknown; to?: unknown; groupBy?: unknown }): SeriesQuery {
  const issues = rangeIssues(input, MAX_RANGE_DAYS);
  const groupBy = input.groupBy ?? "day";
  if (typeof groupBy !== "string" || !(GROUP_BY as readonly string[]).includes(groupBy)) {
    issues.push({ path: "groupBy", message: `must be one of ${GROUP_BY.join(", ")}` });
  }
  if (issues.length > 0) throw badRequest("The query is not valid", issues);
  return { from: input.from as string, to: input.to as string, groupBy: groupBy as GroupBy };
}

/** The groups of a series: `day` → the corp (distinct customers); `staff` / `channel` → one per id. */
export function groupsFor(groupBy: GroupBy, ids: readonly string[] = []): GroupId[] {
  if (groupBy === "day") return [CORP_GROUP];
  return ids.map(groupBy === "staff" ? staffGroup : channelGroup);
}

/** `lost ÷ customers at the start of the day`; `null` when there were none at the start. */
export function churnRate(lost: number, customersAtStart: number): number | null {
  return customersAtStart > 0 ? lost / customersAtStart : null;
}

/**
 * The keys to read for the opening balance of `from`: month rows strictly after `from`'s month up
 * to `lastDay`'s month, and day rows from `from` to the end of its month (not after `lastDay`).
 * `lastDay` must be the latest day any fact can be on (today in the corp timezone; add a day of
 * margin for clock skew). A DynamoDB Query on the group's month and day rows works just as well.
 */
export function openingReadPlan(from: string, lastDay: string): { months: string[]; days: string[] } {
  if (lastDay < from) return { months: [], days: [] };
  const fromMonth = from.slice(0, 7);
  const endOfMonth = addDays(`${nextMonth(fromMonth)}-01`, -1);
  const days = dayRange(from, endOfMonth < lastDay ? endOfMonth : lastDay);
  const months: string[] = [];
  for (let m = nextMonth(fromMonth); m <= lastDay.slice(0, 7); m = nextMonth(m)) months.push(m);
  return { months, days };
}

function nextMonth(month: string): string {
  return addDays(`${month}-28`, 4).slice(0, 7);
}

/**
 * Customers (or relations) connected at the start of `from` for one group:
 * `total − Σ months after from's month − Σ days of from's month on or after from`.
 * Rows outside those ranges are ignored, so any superset of `openingReadPlan` may be passed.
 */
export function openingBalance(
  from: string,
  rows: {
    /** The group's total row `active` (connected now, baseline included). */
    total: number;
    months: readonly { month: string; active: number }[];
    days: readonly { day: string; active: number }[];
  },
): number {
  const fromMonth = from.slice(0, 7);
  let balance = rows.total;
  for (const m of rows.months) if (m.month > fromMonth) balance -= m.active;
  for (const d of rows.days) if (d.day >= from && d.day.slice(0, 7) === fromMonth) balance -= d.active;
  return balance;
}

/** The flows of a day or a range. */
interface Flows {
  added: number;
  lost: number;
  removed: number;
  transferredIn: number;
  transferredOut: number;
  /** added − lost − removed (transfers excluded). */
  net: number;
}

export interface SeriesPoint extends Flows {
  date: string;
  customersAtStart: number;
  customersAtEnd: number;
  /** lost ÷ customersAtStart; null when customersAtStart ≤ 0. */
  churnRate: number | null;
}

export interface SeriesTotals extends Flows {
  /** At the start of `from`. */
  customersAtStart: number;
  /** At the end of `to`. */
  customersAtEnd: number;
  /** lost ÷ (customersAtStart + added + transferredIn): the share of everyone connected during the range who was lost. */
  churnRate: number | null;
}

export interface GroupSeries {
  group: GroupId;
  points: SeriesPoint[];
  totals: SeriesTotals;
}

type Flow = Pick<Counters, "added" | "lost" | "removed" | "transferredIn" | "transferredOut" | "active">;
const ZERO: Flow = { added: 0, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0, active: 0 };

/**
 * Build the series of `groups` for `from..to` (validate with `parseDayRange` first). `rows` are the
 * stored day rows (missing days are zeros; rows of other days or groups are ignored); `opening` is
 * each group's balance at the start of `from` (`openingBalance`; missing = 0).
 */
export function buildSeries(input: {
  from: string;
  to: string;
  groups: readonly GroupId[];
  rows: readonly CounterRow[];
  opening: ReadonlyMap<GroupId, number>;
}): GroupSeries[] {
  const byCell = new Map<string, Flow>();
  for (const r of input.rows) byCell.set(`${r.day} ${r.group}`, r);
  const days = dayRange(input.from, input.to);
  return input.groups.map((group) => {
    const opening = input.opening.get(group) ?? 0;
    const totals: SeriesTotals = {
      added: 0,
      lost: 0,
      removed: 0,
      transferredIn: 0,
      transferredOut: 0,
      net: 0,
      customersAtStart: opening,
      customersAtEnd: opening,
      churnRate: null,
    };
    let balance = opening;
    const points = days.map((date): SeriesPoint => {
      const c = byCell.get(`${date} ${group}`) ?? ZERO;
      const net = c.added - c.lost - c.removed;
      const point: SeriesPoint = {
        date,
        added: c.added,
        lost: c.lost,
        removed: c.removed,
        transferredIn: c.transferredIn,
        transferredOut: c.transferredOut,
        net,
        customersAtStart: balance,
        customersAtEnd: balance + c.active,
        churnRate: churnRate(c.lost, balance),
      };
      balance = point.customersAtEnd;
      totals.added += c.added;
      totals.lost += c.lost;
      totals.removed += c.removed;
      totals.transferredIn += c.transferredIn;
      totals.transferredOut += c.transferredOut;
      totals.net += net;
      return point;
    });
    totals.customersAtEnd = balance;
    totals.churnRate = churnRate(totals.lost, opening + totals.added + totals.transferredIn);
    return { group, points, totals };
  });
}
