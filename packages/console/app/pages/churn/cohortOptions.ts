import type { CohortPoint } from "../../api/churn";
import type { ChartOption } from "../../Chart";
import type { Words } from "../../i18n";

/** The horizons of `GET /v1/stats/cohorts`: retained at the end of day D+1, D+7, D+30. */
export const HORIZONS = [1, 7, 30] as const;
export type Horizon = (typeof HORIZONS)[number];

export const horizonLabel = (t: Words, k: Horizon) => ({ 1: t.day1, 7: t.day7, 30: t.day30 })[k];

/**
 * The retention heatmap: a row per add day (earliest on top), a column per horizon, the value the
 * retention in %. A horizon not over yet (`rateK` null) has no cell at all: empty, not 0.
 */
export function heatmapOption(points: readonly CohortPoint[], t: Words): ChartOption {
  const cells = points.flatMap((p, row) =>
    HORIZONS.flatMap((k, col) => {
      const rate = p[`rate${k}`];
      return rate === null ? [] : [[col, row, Math.round(rate * 1000) / 10]];
    }),
  );
  return {
    tooltip: {
      formatter: (c: { value: [number, number, number] }) => {
        const p = points[c.value[1]]!;
        const k = HORIZONS[c.value[0]]!;
        return `${p.date}<br/>${horizonLabel(t, k)}：${p[`retained${k}`]} / ${p.size}（${c.value[2]}%）`;
      },
    },
    grid: { left: 90, right: 20, top: 10, bottom: 60 },
    xAxis: { type: "category", data: HORIZONS.map((k) => horizonLabel(t, k)), splitArea: { show: true } },
    yAxis: { type: "category", inverse: true, data: points.map((p) => `${p.date.slice(5)}（${p.size}）`), splitArea: { show: true } },
    visualMap: { min: 0, max: 100, orient: "horizontal", left: "center", bottom: 0, itemHeight: 160, text: ["100%", "0%"], inRange: { color: ["#fff1f0", "#ffd591", "#95de64", "#237804"] } },
    series: [{ type: "heatmap", name: t.churnRetention, data: cells, label: { show: true, formatter: (c: { value: number[] }) => `${c.value[2]}%` } }],
  };
}
