/**
 * The read model: churn series and cohort tables from the counter rows. O(days × groups) key lookups
 * (BatchGetItem) or one Query per day partition (`BETWEEN` the first and last group of the page),
 * whichever takes fewer requests; the opening balance from the all-time row and the month/day rows of
 * the domain's `openingReadPlan`. Never a Scan, never a read of facts.
 */
import { addDays, dayRange } from "@siyu/kernel";
import {
  buildCohorts,
  buildSeries,
  CORP_GROUP,
  type CohortRow,
  type CounterRow,
  type Counters,
  channelGroup,
  type GroupBy,
  type GroupCohorts,
  type GroupId,
  type GroupSeries,
  openingBalance,
  openingReadPlan,
  staffGroup,
} from "../domain/index.ts";
import {
  batchGetRows,
  cohortOf,
  countersOf,
  groupRegistryPage,
  queryPartition,
  type ReadStats,
  forEachLimited,
} from "../store/counters.ts";
import { cohortRowKey, dayRowKey, monthRowKey, totalRowKey } from "../store/keys.ts";

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

interface Groups {
  groups: GroupId[];
  /** Total rows, when the groups came from the registry (they are its items). */
  totals?: Map<GroupId, Counters>;
  nextCursor?: string;
}

async function resolveGroups(ctx: ReadContext, q: StatsQuery): Promise<Groups> {
  if (q.userId !== undefined) return { groups: [staffGroup(q.userId)] };
  if (q.channelId !== undefined) return { groups: [channelGroup(q.channelId)] };
  if (q.groupBy === "day") return { groups: [CORP_GROUP] };
  return groupRegistryPage(ctx.table, q.groupBy, { limit: q.limit, cursor: q.cursor, ...(ctx.stats ? { stats: ctx.stats } : {}) });
}

const cell = (a: string, group: GroupId) => `${a} ${group}`;

/**
 * Read the rows of `groups` in the partitions `pkOf(name)` for each name: by BatchGetItem, or — for
 * a page of many groups — one Query per partition between the page's first and last group.
 */
async function readCells(
  ctx: ReadContext,
  groups: readonly GroupId[],
  names: readonly string[],
  keyOf: (name: string, group: GroupId) => { pk: string; sk: string },
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (groups.length === 0 || names.length === 0) return out;
  const batchRequests = Math.ceil((groups.length * names.length) / 100);
  const stats = ctx.stats ? { stats: ctx.stats } : {};
  if (groups.length === 1 || batchRequests <= names.length) {
    const keys = names.flatMap((n) => groups.map((g) => keyOf(n, g)));
    const found = await batchGetRows(ctx.table, keys, { concurrency: ctx.concurrency ?? 16, ...stats });
    for (const n of names) for (const g of groups) {
      const k = keyOf(n, g);
      const item = found.get(`${k.pk}|${k.sk}`);
      if (item) out.set(cell(n, g), item);
    }
    return out;
  }
  const wanted = new Set(groups);
  const between: [string, string] = [groups[0]!, groups[groups.length - 1]!];
  await forEachLimited(names, ctx.concurrency ?? 16, async (n) => {
    const items = await queryPartition(ctx.table, keyOf(n, groups[0]!).pk, { between, ...stats });
    for (const item of items) if (wanted.has(item.sk as string)) out.set(cell(n, item.sk as string), item);
  });
  return out;
}

export async function readChurnSeries(ctx: ReadContext, q: StatsQuery): Promise<{ series: GroupSeries[]; nextCursor?: string }> {
  const { groups, totals, nextCursor } = await resolveGroups(ctx, q);
  const more = nextCursor ? { nextCursor } : {};
  if (groups.length === 0) return { series: [], ...more };
  const margin = addDays(ctx.today, 1);
  const plan = openingReadPlan(q.from, [q.to, margin].sort()[1]!);
  const rangeDays = dayRange(q.from, q.to);
  const days = [...new Set([...rangeDays, ...plan.days])].sort();

  const [dayCells, monthCells, totalRows] = await Promise.all([
    readCells(ctx, groups, days, dayRowKey),
    readCells(ctx, groups, plan.months, monthRowKey),
    totals
      ? Promise.resolve(totals)
      : batchGetRows(ctx.table, groups.map(totalRowKey), ctx.stats ? { stats: ctx.stats } : {}).then(
          (found) => new Map(groups.map((g) => [g, countersOf(found.get(`${totalRowKey(g).pk}|${totalRowKey(g).sk}`))])),
        ),
  ]);

  const opening = new Map<GroupId, number>();
  for (const g of groups) {
    opening.set(
      g,
      openingBalance(q.from, {
        total: totalRows.get(g)?.active ?? 0,
        months: plan.months.map((month) => ({ month, active: countersOf(monthCells.get(cell(month, g))).active })),
        days: plan.days.map((day) => ({ day, active: countersOf(dayCells.get(cell(day, g))).active })),
      }),
    );
  }
  const rows: CounterRow[] = [];
  for (const day of rangeDays) {
    for (const g of groups) {
      const item = dayCells.get(cell(day, g));
      if (item) rows.push({ day, group: g, ...countersOf(item) });
    }
  }
  return { series: buildSeries({ from: q.from, to: q.to, groups, rows, opening }), ...more };
}

export async function readCohorts(ctx: ReadContext, q: StatsQuery): Promise<{ cohorts: GroupCohorts[]; nextCursor?: string }> {
  const { groups, nextCursor } = await resolveGroups(ctx, q);
  const more = nextCursor ? { nextCursor } : {};
  if (groups.length === 0) return { cohorts: [], ...more };
  const days = dayRange(q.from, q.to);
  const cells = await readCells(ctx, groups, days, cohortRowKey);
  const rows: CohortRow[] = [];
  for (const day of days) {
    for (const g of groups) {
      const item = cells.get(cell(day, g));
      if (item) rows.push({ day, group: g, ...cohortOf(item) });
    }
  }
  return { cohorts: buildCohorts({ from: q.from, to: q.to, groups, rows, asOfDay: ctx.today }), ...more };
}
