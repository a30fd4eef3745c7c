/**
 * The read model's use cases: a churn series or a cohort table for a valid `StatsQuery`. Ask the
 * domain for the read plan, do its reads (at the same time: none depends on another), hand the rows
 * back to the domain to combine. Never a Scan, never a read of facts.
 */
import {
  type CohortReadPlan,
  cohortsFromRows,
  type GroupCohorts,
  type GroupId,
  type GroupSeries,
  type GroupSource,
  planCohortRead,
  planSeriesRead,
  type RowsByPartition,
  type SeriesReadPlan,
  seriesFromRows,
  type StatsQuery,
} from "../domain/index.ts";
import { groupRegistryPage, type ReadStats } from "../store/counters.ts";
import { readKindRowsByName, readNamedRows, type RowFamily, type RowReadOptions } from "../store/reads.ts";

export type { StatsQuery };

export interface ReadContext {
  table: string;
  /** Today in the corp timezone. */
  today: string;
  stats?: ReadStats;
  concurrency?: number;
}

interface Groups {
  groups: GroupId[];
  /** Each group's all-time `active`. */
  totals: Map<GroupId, number>;
  nextCursor?: string | undefined;
}

/** The groups of the source: a registry page (which carries each group's total), or the named groups and their total rows. */
async function readGroups(o: RowReadOptions, source: GroupSource, withTotals: boolean): Promise<Groups> {
  if (source.kind === "page") {
    const page = await groupRegistryPage(o.table, source.of, { limit: source.limit, cursor: source.cursor, ...(o.stats ? { stats: o.stats } : {}) });
    return { groups: page.groups, totals: new Map([...page.totals].map(([g, c]) => [g, c.active])), nextCursor: page.nextCursor };
  }
  if (!withTotals) return { groups: source.groups, totals: new Map() };
  const t = await readNamedRows(o, "total", source.groups, ["all"], ["active"]);
  return { groups: source.groups, totals: new Map(source.groups.map((g) => [g, t.get("all")?.get(g)?.[0] ?? 0])) };
}

/** The source's rows of `names`: by key for named groups, the kind's partitions for a page. */
function readRows(o: RowReadOptions, plan: SeriesReadPlan | CohortReadPlan, family: Exclude<RowFamily, "total">, names: readonly string[]): Promise<RowsByPartition> {
  const { source } = plan;
  if (source.kind === "page") return readKindRowsByName(o, family, source.of, names, plan.fields, plan.settled);
  return readNamedRows(o, family, source.groups, names, plan.fields);
}

const cursorOf = (g: Groups) => (g.nextCursor ? { nextCursor: g.nextCursor } : {});

export async function readChurnSeries(ctx: ReadContext, q: StatsQuery): Promise<{ series: GroupSeries[]; nextCursor?: string }> {
  const plan = planSeriesRead(q, ctx.today);
  const [groups, days, months] = await Promise.all([
    readGroups(ctx, plan.source, true),
    readRows(ctx, plan, "day", plan.days),
    readRows(ctx, plan, "month", plan.months),
  ]);
  return { series: seriesFromRows(plan, { groups: groups.groups, totals: groups.totals, days, months }), ...cursorOf(groups) };
}

export async function readCohorts(ctx: ReadContext, q: StatsQuery): Promise<{ cohorts: GroupCohorts[]; nextCursor?: string }> {
  const plan = planCohortRead(q, ctx.today);
  const [groups, days] = await Promise.all([readGroups(ctx, plan.source, false), readRows(ctx, plan, "cohort", plan.days)]);
  return { cohorts: cohortsFromRows(plan, { groups: groups.groups, days }), ...cursorOf(groups) };
}
