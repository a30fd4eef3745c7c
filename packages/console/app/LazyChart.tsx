import { Skeleton } from "antd";
import { type ComponentProps, lazy, Suspense } from "react";

// ECharts is the largest dependency: its chunk loads after the page's figures have rendered.
const Chart = lazy(() => import("./Chart"));

export default function LazyChart(props: ComponentProps<typeof Chart>) {
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
      <Chart {...props} />
    </Suspense>
  );
}
