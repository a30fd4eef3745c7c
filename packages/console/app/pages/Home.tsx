import { Card, Col, Row, Statistic } from "antd";
import { useMemo } from "react";
import type { ChurnPoint } from "../api/churn";
import { percent } from "../days";
import { useLang, type Words } from "../i18n";
import Chart from "../LazyChart";
import { PageTitle } from "../PageTitle";
import { Loadable } from "../States";
import { useAsync } from "../useAsync";
import { TodayByGroup } from "./churn/TodayByGroup";
import { corpDays } from "./churnSeries";

/** 首页: today's adds, losses, churn rate and net vs yesterday (for the corp, per channel, per staff member), and the last 14 days. */
export default function Home() {
  const { t } = useLang();
  const state = useAsync(() => corpDays(14), []);
  return (
    <>
      <PageTitle>{t.home}</PageTitle>
      <Loadable {...state} isEmpty={(d) => !d.series[0]?.points.length}>
        {(d) => <Dashboard points={d.series[0]!.points} t={t} />}
      </Loadable>
    </>
  );
}

function Dashboard({ points, t }: { points: ChurnPoint[]; t: Words }) {
  const today = points[points.length - 1]!;
  const yesterday = points[points.length - 2];
  const delta = (k: "added" | "lost" | "net") => (yesterday ? `${t.vsYesterday} ${signed(today[k] - yesterday[k])}` : "");
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t.added, t.lost, t.net] },
      grid: { left: 40, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: points.map((p) => p.date.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: t.added, type: "line", data: points.map((p) => p.added) },
        { name: t.lost, type: "line", data: points.map((p) => p.lost) },
        { name: t.net, type: "line", data: points.map((p) => p.net) },
      ],
    }),
    [points, t],
  );
  return (
    <>
      <Row gutter={16}>
        <Col xs={12} md={6}>
          <Card data-testid="today-added">
            <Statistic title={t.todayAdded} value={today.added} suffix={<small>{delta("added")}</small>} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card data-testid="today-lost">
            <Statistic title={t.todayLost} value={today.lost} suffix={<small>{delta("lost")}</small>} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card data-testid="today-churn">
            <Statistic title={t.churnRate} value={percent(today.churnRate)} suffix={<small>{yesterday ? `${t.vsYesterday} ${percent(yesterday.churnRate)}` : ""}</small>} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card data-testid="today-net">
            <Statistic title={t.net} value={today.net} suffix={<small>{delta("net")}</small>} />
          </Card>
        </Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col xs={24} xl={12}>
          <TodayByGroup kind="channel" />
        </Col>
        <Col xs={24} xl={12}>
          <TodayByGroup kind="staff" />
        </Col>
      </Row>
      <Card title={t.recentDays} style={{ marginTop: 16 }}>
        <Chart option={option} testId="home-chart" />
      </Card>
    </>
  );
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
