import { Skeleton } from "antd";
import { type ComponentProps, lazy, Suspense } from "react";
import type Chart from "./Chart";

/**
 * Charts load after the page's figures have rendered (ECharts is the largest dependency). `kind`
 * picks how much of ECharts: `line` (app/Chart.tsx: lines, grid, plain legend, tooltip), `scroll`
 * (also a scrolling legend, for one line per staff member or channel) or `heatmap` (the 留存 cohorts);
 * the extra parts are registered in their own chunks, so 首页 never downloads them.
 */
const charts = {
  line: lazy(() => import("./Chart")),
  scroll: lazy(() => import("./pages/churn/scrollLegendChart")),
  heatmap: lazy(() => import("./pages/churn/heatmapChart")),
};

export default function LazyChart({ kind = "line", ...props }: ComponentProps<typeof Chart> & { kind?: keyof typeof charts }) {
  const Drawn = charts[kind];
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
      <Drawn {...props} />
    </Suspense>
  );
}
