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
import { addDays, dayRange } from "@siyu/kernel";
import type { CounterRow, Counters, GroupId } from "./counters.ts";

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
  const endOfMonth = lastDayOfMonth(fromMonth);
  const days = dayRange(from, endOfMonth < lastDay ? endOfMonth : lastDay);
  const months: string[] = [];
  for (let m = nextMonth(fromMonth); m <= lastDay.slice(0, 7); m = nextMonth(m)) months.push(m);
  return { months, days };
}

/** The month after `YYYY-MM`. */
export function nextMonth(month: string): string {
  return addDays(`${month}-28`, 4).slice(0, 7);
}

/** The last day of `YYYY-MM`. */
export function lastDayOfMonth(month: string): string {
  return addDays(`${nextMonth(month)}-01`, -1);
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
 * Build the series of `groups` for `from..to` (a range `parseDayRange` accepts). `rows` are the
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
