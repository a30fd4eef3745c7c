import { Card, Radio, Typography } from "antd";
import { useMemo, useState } from "react";
import { percent } from "../days";
import { useLang } from "../i18n";
import Chart from "../LazyChart";
import { Loadable } from "../States";
import { useAsync } from "../useAsync";
import { corpDays } from "./churnSeries";

/** 流失统计: daily added / lost / net and the churn rate, over 7, 30 or 90 days. */
export default function Churn() {
  const { t } = useLang();
  const [days, setDays] = useState(30);
  const state = useAsync(() => corpDays(days), [days]);
  return (
    <>
      <Typography.Title level={3}>{t.churn}</Typography.Title>
      <Radio.Group value={days} onChange={(e) => setDays(e.target.value as number)} style={{ marginBottom: 16 }}>
        {[7, 30, 90].map((d) => (
          <Radio.Button key={d} value={d}>
            {d}
          </Radio.Button>
        ))}
      </Radio.Group>
      <Loadable {...state} isEmpty={(d) => !d.series[0]?.points.length}>
        {(d) => <ChurnCharts points={d.series[0]!.points} />}
      </Loadable>
    </>
  );
}

function ChurnCharts({ points }: { points: { date: string; added: number; lost: number; net: number; churnRate: number | null }[] }) {
  const { t } = useLang();
  const counts = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t.added, t.lost, t.net] },
      grid: { left: 40, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: points.map((p) => p.date) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: t.added, type: "line", data: points.map((p) => p.added) },
        { name: t.lost, type: "line", data: points.map((p) => p.lost) },
        { name: t.net, type: "line", data: points.map((p) => p.net) },
      ],
    }),
    [points, t],
  );
  const rate = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (v: number | null) => percent(v) },
      grid: { left: 50, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: points.map((p) => p.date) },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => percent(v) } },
      series: [{ name: t.churnRate, type: "line", connectNulls: false, data: points.map((p) => p.churnRate) }],
    }),
    [points, t],
  );
  return (
    <>
      <Card title={`${t.added} / ${t.lost} / ${t.net}`}>
        <Chart option={counts} testId="churn-counts" />
      </Card>
      <Card title={t.churnRate} style={{ marginTop: 16 }}>
        <Chart option={rate} testId="churn-rate" />
      </Card>
    </>
  );
}
