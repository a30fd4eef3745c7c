import type { ChurnSeries } from "../../api/churn";
import type { ChartOption } from "../../Chart";
import { percent } from "../../days";
import type { Words } from "../../i18n";

/** The figure a grouped counts chart draws, one line per group. */
export type Metric = "added" | "lost" | "net";

const axes = (dates: string[]) => ({
  tooltip: { trigger: "axis" },
  grid: { left: 50, right: 20, top: 40, bottom: 30 },
  xAxis: { type: "category", data: dates },
});

/**
 * The counts chart: by day, added / lost / net of the corp; grouped, the `metric` of each group.
 * (`import type` only: ECharts itself stays in the lazy chart chunk.)
 */
export function countsOption(series: readonly ChurnSeries[], grouped: boolean, metric: Metric, label: (s: ChurnSeries) => string, t: Words): ChartOption {
  const dates = series[0]?.points.map((p) => p.date) ?? [];
  const lines = grouped
    ? series.map((s) => ({ name: label(s), type: "line", data: s.points.map((p) => p[metric]) }))
    : (["added", "lost", "net"] as const).map((k) => ({ name: t[k], type: "line", data: series[0]?.points.map((p) => p[k]) ?? [] }));
  return { ...axes(dates), legend: { top: 0, type: "scroll" }, yAxis: { type: "value", minInterval: 1 }, series: lines };
}

/** The daily churn rate (lost ÷ customers at the start of the day), one line per group; no point where the rate is undefined. */
export function rateOption(series: readonly ChurnSeries[], label: (s: ChurnSeries) => string): ChartOption {
  const dates = series[0]?.points.map((p) => p.date) ?? [];
  return {
    ...axes(dates),
    tooltip: { trigger: "axis", valueFormatter: (v: number | null) => percent(v) },
    legend: { top: 0, type: "scroll" },
    yAxis: { type: "value", axisLabel: { formatter: (v: number) => percent(v) } },
    series: series.map((s) => ({ name: label(s), type: "line", connectNulls: false, data: s.points.map((p) => p.churnRate) })),
  };
}
