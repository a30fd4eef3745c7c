/**
 * The read model: churn series and cohort tables from the counter rows. A few groups (the corp, one
 * staff member or channel): BatchGetItem of their day × group keys. A page of a kind (groupBy staff /
 * channel): the kind's rows of each day partition through the pack cache (`store/packs.ts`). The
 * opening balance from the all-time row and the month/day rows of the domain's `openingReadPlan`.
 * Never a Scan, never a read of facts.
 */
import { addDays, dayRange } from "@siyu/kernel";
import {
  buildCohorts,
  buildSeries,
  COHORT_FIELDS,
  COUNTER_FIELDS,
  CORP_GROUP,
  type CohortCounters,
  type CohortRow,
  type CounterRow,
  channelGroup,
  type GroupBy,
  type GroupCohorts,
  type GroupId,
  type GroupSeries,
  openingBalance,
  openingReadPlan,
  staffGroup,
} from "../domain/index.ts";
import { batchGetRows, groupRegistryPage, type ReadStats } from "../store/counters.ts";
import { cohortRowKey, dayRowKey, monthRowKey, totalRowKey } from "../store/keys.ts";
import { readKindRows } from "../store/packs.ts";

export interface StatsQuery {
  from: string;
  to: string;
  groupBy: GroupBy;
  /** Only this staff member (groupBy day or staff). */
  userId?: string | undefined;
  /** Only this channel (groupBy day or channel); `""` is "no channel". */
  channelId?: string | undefined;
  /** Groups per page (groupBy staff / channel). */
  limit: number;
  cursor?: string | undefined;
}

export interface ReadContext {
  table: string;
  /** Today in the corp timezone: the latest day a fact can be on (plus a day of margin). */
  today: string;
  stats?: ReadStats;
  concurrency?: number;
}

const cellKey = (k: { pk: string; sk: string }) => `${k.pk}|${k.sk}`;

/** Rows by partition name (a day or a month), then by group: values in the order of the read's fields. */
type Cells = Map<string, Map<GroupId, number[]>>;

type KeyOf = (name: string, group: GroupId) => { pk: string; sk: string };

/** The single kind a query pages through (groupBy staff / channel without a filter), if any. */
function pagedKind(q: StatsQuery): "staff" | "channel" | undefined {
  if (q.userId !== undefined || q.channelId !== undefined || q.groupBy === "day") return undefined;
  return q.groupBy;
}

/** The explicit groups of a query that does not page (the corp, or one staff member or channel). */
function explicitGroups(q: StatsQuery): GroupId[] {
  if (q.userId !== undefined) return [staffGroup(q.userId)];
  if (q.channelId !== undefined) return [channelGroup(q.channelId)];
  return [CORP_GROUP];
}

/**
 * Every row of `kind` in the partitions of `names` (days or months), through the pack cache
 * (`packs.ts`: one BatchGetItem, plus a Query per partition whose pack is stale or missing).
 */
async function readKind(ctx: ReadContext, kind: "staff" | "channel", names: readonly string[], keyOf: KeyOf, fields: readonly string[]): Promise<Cells> {
  const partitionOf = (n: string) => keyOf(n, `${kind}:x`).pk;
  const month = ctx.today.slice(0, 7);
  const byPartition = await readKindRows(names.map(partitionOf), {
    table: ctx.table,
    kind,
    fields,
    // days before today and months before this one are over: their packs may be written
    settled: (p) => {
      const value = p.slice(p.indexOf("#") + 1);
      return value.length === 7 ? value < month : value < ctx.today;
    },
    concurrency: ctx.concurrency ?? 16,
    ...(ctx.stats ? { stats: ctx.stats } : {}),
  });
  return new Map(names.map((n) => [n, byPartition.get(partitionOf(n)) ?? new Map()]));
}

/** The rows of a few explicit groups: BatchGetItem of their keys. */
async function readKeys(ctx: ReadContext, groups: readonly GroupId[], names: readonly string[], keyOf: KeyOf, fields: readonly string[]): Promise<Cells> {
  const keys = names.flatMap((n) => groups.map((group) => keyOf(n, group)));
  const found = await batchGetRows(ctx.table, keys, { concurrency: ctx.concurrency ?? 16, ...(ctx.stats ? { stats: ctx.stats } : {}) });
  const out: Cells = new Map();
  for (const n of names) {
    const m = new Map<GroupId, number[]>();
    for (const group of groups) {
      const item = found.get(cellKey(keyOf(n, group)));
      if (item) m.set(group, fields.map((f) => (typeof item[f] === "number" ? (item[f] as number) : 0)));
    }
    out.set(n, m);
  }
  return out;
}

const ACTIVE = COUNTER_FIELDS.indexOf("active");

function counterRow(day: string, group: GroupId, v: readonly number[]): CounterRow {
  const r = { day, group } as CounterRow;
  COUNTER_FIELDS.forEach((f, i) => {
    r[f] = v[i] ?? 0;
  });
  return r;
}

function toCohort(v: readonly number[]): CohortCounters {
  const c = {} as CohortCounters;
  COHORT_FIELDS.forEach((f, i) => {
    c[f] = v[i] ?? 0;
  });
  return c;
}

export async function readChurnSeries(ctx: ReadContext, q: StatsQuery): Promise<{ series: GroupSeries[]; nextCursor?: string }> {
  const margin = addDays(ctx.today, 1);
  const lastDay = [q.to, margin].sort()[1]!;
  const plan = openingReadPlan(q.from, lastDay);
  const rangeDays = dayRange(q.from, q.to);
  const kind = pagedKind(q);
  const stats = ctx.stats ? { stats: ctx.stats } : {};
  // A page of a kind reads the months that are not over (this one) as their days: the settled days
  // come from packs, and today's partition is read anyway, where a month partition that changes with
  // every event could never be packed.
  const currentMonth = ctx.today.slice(0, 7);
  const settledMonths = kind ? plan.months.filter((m) => m < currentMonth) : plan.months;
  const openMonthDays = kind
    ? plan.months
        .filter((m) => m >= currentMonth)
        .flatMap((m) => {
          const end = addDays(`${addDays(`${m}-28`, 4).slice(0, 7)}-01`, -1);
          return dayRange(`${m}-01`, [end, lastDay].sort()[0]!);
        })
    : [];
  const days = [...new Set([...rangeDays, ...plan.days, ...openMonthDays])].sort();

  let groups: GroupId[];
  let totals: Map<GroupId, number>;
  let dayCells: Cells;
  let monthCells: Cells;
  let nextCursor: string | undefined;
  if (kind) {
    // the registry page and the kind's rows (packs hold every group) are read at the same time
    const [page, d, m] = await Promise.all([
      groupRegistryPage(ctx.table, kind, { limit: q.limit, cursor: q.cursor, ...stats }),
      readKind(ctx, kind, days, dayRowKey, COUNTER_FIELDS),
      readKind(ctx, kind, settledMonths, monthRowKey, COUNTER_FIELDS),
    ]);
    groups = page.groups;
    totals = new Map([...page.totals].map(([g, c]) => [g, c.active]));
    dayCells = d;
    monthCells = m;
    nextCursor = page.nextCursor;
  } else {
    groups = explicitGroups(q);
    const [d, m, t] = await Promise.all([
      readKeys(ctx, groups, days, dayRowKey, COUNTER_FIELDS),
      readKeys(ctx, groups, plan.months, monthRowKey, COUNTER_FIELDS),
      readKeys(ctx, groups, ["all"], (_n, g) => totalRowKey(g), COUNTER_FIELDS),
    ]);
    dayCells = d;
    monthCells = m;
    totals = new Map(groups.map((g) => [g, t.get("all")?.get(g)?.[ACTIVE] ?? 0]));
  }
  const more = nextCursor ? { nextCursor } : {};
  if (groups.length === 0) return { series: [], ...more };

  const activeAt = (cells: Cells, name: string, g: GroupId) => cells.get(name)?.get(g)?.[ACTIVE] ?? 0;
  const opening = new Map<GroupId, number>();
  for (const g of groups) {
    let balance = openingBalance(q.from, {
      total: totals.get(g) ?? 0,
      months: settledMonths.map((month) => ({ month, active: activeAt(monthCells, month, g) })),
      days: plan.days.map((day) => ({ day, active: activeAt(dayCells, day, g) })),
    });
    for (const day of openMonthDays) balance -= activeAt(dayCells, day, g);
    opening.set(g, balance);
  }
  const rows: CounterRow[] = [];
  for (const day of rangeDays) {
    const cells = dayCells.get(day);
    if (!cells) continue;
    for (const g of groups) {
      const v = cells.get(g);
      if (v) rows.push(counterRow(day, g, v));
    }
  }
  return { series: buildSeries({ from: q.from, to: q.to, groups, rows, opening }), ...more };
}

export async function readCohorts(ctx: ReadContext, q: StatsQuery): Promise<{ cohorts: GroupCohorts[]; nextCursor?: string }> {
  const days = dayRange(q.from, q.to);
  const kind = pagedKind(q);
  let groups: GroupId[];
  let cells: Cells;
  let nextCursor: string | undefined;
  if (kind) {
    const [page, c] = await Promise.all([
      groupRegistryPage(ctx.table, kind, { limit: q.limit, cursor: q.cursor, ...(ctx.stats ? { stats: ctx.stats } : {}) }),
      readKind(ctx, kind, days, cohortRowKey, COHORT_FIELDS),
    ]);
    groups = page.groups;
    cells = c;
    nextCursor = page.nextCursor;
  } else {
    groups = explicitGroups(q);
    cells = await readKeys(ctx, groups, days, cohortRowKey, COHORT_FIELDS);
  }
  const more = nextCursor ? { nextCursor } : {};
  if (groups.length === 0) return { cohorts: [], ...more };
  const rows: CohortRow[] = [];
  for (const day of days) {
    const m = cells.get(day);
    if (!m) continue;
    for (const g of groups) {
      const v = m.get(g);
      if (v) rows.push({ day, group: g, ...toCohort(v) });
    }
  }
  return { cohorts: buildCohorts({ from: q.from, to: q.to, groups, rows, asOfDay: ctx.today }), ...more };
}
