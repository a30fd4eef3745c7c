/**
 * The stats chart's option: page views, joins and leaves per corp day (`GET …/stats` `daily`), and the
 * members at each day's end. The API keeps today's members (from WeCom's membership), not a history,
 * so the line is worked back from today through each later day's joins and leaves — an estimate, named
 * so, with the fill it gives over today's capacity.
 */

import type { GroupCodeStats } from "../../api/groupCodes";
import type { ChartOption } from "../../Chart";
import { addDays, corpToday } from "../../days";
import type { Words } from "../../i18n";

export interface DayRow {
  day: string;
  pageViews: number;
  joins: number;
  leaves: number;
  members: number;
  fill: number | null;
}

/** Days shown at least, so a young code's lines are lines, not lone points. */
const MIN_DAYS = 7;

/** Every day from the first with a fact (or a week back) to today; days without one are zeros. */
export function dayRows(stats: GroupCodeStats, today = corpToday()): DayRow[] {
  const earliest = stats.daily[0]?.day;
  if (!earliest) return [];
  const first = [earliest, addDays(today, 1 - MIN_DAYS)].sort()[0]!;
  const byDay = new Map(stats.daily.map((d) => [d.day, d]));
  const last = [stats.daily[stats.daily.length - 1]!.day, today].sort()[1]!;
  const days: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  const capacity = stats.groups.filter((g) => g.routable).reduce((n, g) => n + g.capacity, 0);
  let members = stats.totals.currentMembers;
  const rows: DayRow[] = [];
  for (const day of days.reverse()) {
    const d = byDay.get(day);
    rows.push({ day, pageViews: d?.pageViews ?? 0, joins: d?.joins ?? 0, leaves: d?.leaves ?? 0, members: Math.max(0, members), fill: capacity > 0 ? Math.min(1, Math.max(0, members) / capacity) : null });
    members -= (d?.joins ?? 0) - (d?.leaves ?? 0);
  }
  return rows.reverse();
}

export function statsOption(rows: readonly DayRow[], t: Words): ChartOption {
  const fillOf = new Map(rows.map((r) => [r.day, r.fill]));
  return {
    tooltip: {
      trigger: "axis",
      formatter: (params: { axisValue: string; marker: string; seriesName: string; value: number }[]) => {
        const day = params[0]?.axisValue ?? "";
        const fill = fillOf.get(day);
        return [day, ...params.map((p) => `${p.marker}${p.seriesName}: ${p.value}`), `${t.gcFillOverTime}: ${fill === null || fill === undefined ? "—" : `${(fill * 100).toFixed(1)}%`}`].join("<br/>");
      },
    },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 32 },
    xAxis: { type: "category", data: rows.map((r) => r.day) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", minInterval: 1, name: t.gcMembers, splitLine: { show: false } },
    ],
    series: [
      { name: t.gcPageViews, type: "line", data: rows.map((r) => r.pageViews) },
      { name: t.gcJoins, type: "line", data: rows.map((r) => r.joins) },
      { name: t.gcLeaves, type: "line", data: rows.map((r) => r.leaves) },
      { name: t.gcMembersEstimated, type: "line", yAxisIndex: 1, areaStyle: { opacity: 0.1 }, data: rows.map((r) => r.members) },
    ],
  };
}
