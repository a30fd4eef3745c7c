/**
 * What a stats read reads, and how the rows it gets combine into series and cohort tables.
 *
 * `planSeriesRead` / `planCohortRead` turn a valid query and today's corp day into a plan: where the
 * groups come from (`GroupSource`), which day and month partitions to read, which of them are over
 * (`settled`: their read cache may be written), and which rows the opening balance subtracts from
 * the all-time total. `seriesFromRows` / `cohortsFromRows` combine what was read. The app does the
 * I/O between the two and decides nothing.
 */
import { addDays, dayRange } from "@siyu/kernel";
import { buildCohorts, type GroupCohorts } from "./cohorts.ts";
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type CohortCounters,
  type CohortField,
  type CohortRow,
  type CounterField,
  type CounterRow,
  type GroupId,
} from "./counters.ts";
import { groupSource, type GroupSource, type StatsQuery } from "./query.ts";
import { buildSeries, type GroupSeries, lastDayOfMonth, openingReadPlan } from "./series.ts";

/** One partition's rows (a day or a month), by group: values in the order of the plan's `fields`. */
export type PartitionRows = ReadonlyMap<GroupId, readonly number[]>;
/** Rows by partition name (`YYYY-MM-DD` or `YYYY-MM`). */
export type RowsByPartition = ReadonlyMap<string, PartitionRows>;

export interface SeriesReadPlan {
  from: string;
  to: string;
  source: GroupSource;
  fields: readonly CounterField[];
  /** Day partitions to read, sorted. */
  days: string[];
  /** Month partitions to read, sorted. */
  months: string[];
  /** The partitions of `days` and `months` that are over: no fact can change them any more (barring a late one, which bumps the revision). */
  settled: ReadonlySet<string>;
  /** Opening balance = all-time total − these months − these days (each group's `active`). */
  opening: { months: string[]; days: string[] };
}

export interface CohortReadPlan {
  from: string;
  to: string;
  source: GroupSource;
  fields: readonly CohortField[];
  days: string[];
  settled: ReadonlySet<string>;
  /** Horizons are reported once over, as of this day (today). */
  asOfDay: string;
}

/** What the reads of a plan returned. */
export interface ReadRows {
  /** The groups to report: the registry page, or the named groups. */
  groups: readonly GroupId[];
  /** Each group's all-time `active` (connected now, baseline included); series only. */
  totals?: ReadonlyMap<GroupId, number>;
  days: RowsByPartition;
  months?: RowsByPartition;
}

/** The latest day a fact can be on: today in the corp timezone plus a day of margin for clock skew (or `to`, if later). */
export function latestFactDay(to: string, today: string): string {
  const margin = addDays(today, 1);
  return to > margin ? to : margin;
}

/** Days before today and months before this one are over. */
function settledOf(today: string, days: readonly string[], months: readonly string[]): Set<string> {
  const thisMonth = today.slice(0, 7);
  return new Set([...days.filter((d) => d < today), ...months.filter((m) => m < thisMonth)]);
}

/**
 * The reads of a churn series. A page of a kind reads the months that are not over (this one, and
 * any later one up to the latest fact day) as their days: the settled days come from the read cache
 * and today's partition is read anyway, where a month partition that changes with every event could
 * never be cached. Named groups read their month rows directly (a key lookup each).
 */
export function planSeriesRead(q: StatsQuery, today: string): SeriesReadPlan {
  const source = groupSource(q);
  const lastDay = latestFactDay(q.to, today);
  const opening = openingReadPlan(q.from, lastDay);
  const thisMonth = today.slice(0, 7);
  const openMonths = source.kind === "page" ? opening.months.filter((m) => m >= thisMonth) : [];
  const openMonthDays = openMonths.flatMap((m) => {
    return dayRange(`${m}-01`, [lastDayOfMonth(m), lastDay].sort()[0]!);
  });
  const months = opening.months.filter((m) => !openMonths.includes(m));
  const days = [...new Set([...dayRange(q.from, q.to), ...opening.days, ...openMonthDays])].sort();
  return {
    from: q.from,
    to: q.to,
    source,
    fields: COUNTER_FIELDS,
    days,
    months,
    settled: settledOf(today, days, months),
    opening: { months, days: [...opening.days, ...openMonthDays] },
  };
}

/** The reads of a cohort table: the cohort rows of the range's days. */
export function planCohortRead(q: StatsQuery, today: string): CohortReadPlan {
  const days = dayRange(q.from, q.to);
  return { from: q.from, to: q.to, source: groupSource(q), fields: COHORT_FIELDS, days, settled: settledOf(today, days, []), asOfDay: today };
}

const ACTIVE = COUNTER_FIELDS.indexOf("active");

function counterRow(day: string, group: GroupId, v: readonly number[]): CounterRow {
  const r = { day, group } as CounterRow;
  COUNTER_FIELDS.forEach((f, i) => {
    r[f] = v[i] ?? 0;
  });
  return r;
}

function cohortRow(day: string, group: GroupId, v: readonly number[]): CohortRow {
  const c = { day, group } as CohortRow & CohortCounters;
  COHORT_FIELDS.forEach((f, i) => {
    c[f] = v[i] ?? 0;
  });
  return c;
}

/** The stored rows of `days` × `groups`, as rows (cells that were never written are left out: zeros). */
function rowsOf<R>(rows: RowsByPartition, days: readonly string[], groups: readonly GroupId[], make: (day: string, g: GroupId, v: readonly number[]) => R): R[] {
  const out: R[] = [];
  for (const day of days) {
    const cells = rows.get(day);
    if (!cells) continue;
    for (const g of groups) {
      const v = cells.get(g);
      if (v) out.push(make(day, g, v));
    }
  }
  return out;
}

/** The series of a plan from its reads: opening balances from the total and the plan's opening rows, then the range's day rows. */
export function seriesFromRows(plan: SeriesReadPlan, read: ReadRows): GroupSeries[] {
  const months = read.months ?? new Map();
  const activeAt = (rows: RowsByPartition, name: string, g: GroupId) => rows.get(name)?.get(g)?.[ACTIVE] ?? 0;
  const opening = new Map<GroupId, number>();
  for (const g of read.groups) {
    let balance = read.totals?.get(g) ?? 0;
    for (const m of plan.opening.months) balance -= activeAt(months, m, g);
    for (const d of plan.opening.days) balance -= activeAt(read.days, d, g);
    opening.set(g, balance);
  }
  const rows = rowsOf(read.days, dayRange(plan.from, plan.to), read.groups, counterRow);
  return buildSeries({ from: plan.from, to: plan.to, groups: read.groups, rows, opening });
}

/** The cohort table of a plan from its reads. */
export function cohortsFromRows(plan: CohortReadPlan, read: ReadRows): GroupCohorts[] {
  const rows = rowsOf(read.days, plan.days, read.groups, cohortRow);
  return buildCohorts({ from: plan.from, to: plan.to, groups: read.groups, rows, asOfDay: plan.asOfDay });
}
