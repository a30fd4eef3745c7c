import { Form, Radio, Tabs, Typography } from "antd";
import { useMemo, useState } from "react";
import type { GroupBy, StatsFilter } from "../api/churn";
import { fieldErrors, ProblemError } from "../api/problem";
import { useLang } from "../i18n";
import { useAsync } from "../useAsync";
import { Cohorts } from "./churn/Cohorts";
import { ExportCsv } from "./churn/ExportCsv";
import { type DayRange, lastDays, RangeFilter } from "./churn/RangeFilter";
import { ReconciliationView } from "./churn/Reconciliation";
import { Trend } from "./churn/Trend";
import { churnSeries } from "./churnSeries";

/** Groups per page of the series table and its charts (staff / channel). */
const PAGE = 20;

type Tab = "trend" | "cohorts" | "reconciliation";

/**
 * 流失统计: by day, staff or channel over a range of days — line charts and a series table (cursor
 * pages when grouped), the CSV export of the filters, cohort retention (留存) and the daily
 * reconciliation with WeCom's own figures (对账).
 */
export default function Churn() {
  const { t } = useLang();
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const [range, setRange] = useState<DayRange>(() => lastDays(30));
  const [tab, setTab] = useState<Tab>("trend");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const filter: StatsFilter = useMemo(() => ({ from: range.from, to: range.to, groupBy }), [range.from, range.to, groupBy]);
  const series = useAsync(() => churnSeries(filter, groupBy === "day" ? {} : { limit: PAGE, cursor }), [filter, cursor]);
  // the API's rules for the query: each broken one on its field
  const errors = series.error instanceof ProblemError ? fieldErrors(series.error.problem) : new Map<string, string[]>();
  const help = (...fields: string[]) => {
    const messages = fields.flatMap((f) => errors.get(f) ?? []);
    return messages.length ? { validateStatus: "error" as const, help: messages.join("; ") } : {};
  };
  const refilter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setCursors([undefined]);
  };

  return (
    <>
      <Typography.Title level={3}>{t.churn}</Typography.Title>
      <Form layout="inline" style={{ marginBottom: 8, rowGap: 8 }}>
        <Form.Item label={t.churnGroupBy} {...help("groupBy", "userId", "channelId")}>
          <Radio.Group data-testid="churn-groupby" value={groupBy} onChange={(e) => refilter(setGroupBy)(e.target.value as GroupBy)} optionType="button">
            <Radio.Button value="day">{t.byDay}</Radio.Button>
            <Radio.Button value="staff">{t.byStaff}</Radio.Button>
            <Radio.Button value="channel">{t.byChannel}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={t.churnDateRange} {...help("from", "to", "limit", "cursor")}>
          <RangeFilter value={range} onChange={refilter(setRange)} />
        </Form.Item>
        <Form.Item>
          <ExportCsv what={tab === "cohorts" ? "cohorts" : "churn"} filter={filter} disabled={tab === "reconciliation"} />
        </Form.Item>
      </Form>
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as Tab)}
        items={[
          { key: "trend", label: t.churnTrend, children: <Trend groupBy={groupBy} state={series} cursors={cursors} setCursors={setCursors} /> },
          { key: "cohorts", label: <span data-testid="tab-cohorts">{t.churnRetention}</span>, children: <Cohorts key={`${filter.from}/${filter.to}/${filter.groupBy}`} filter={filter} /> },
          { key: "reconciliation", label: <span data-testid="tab-reconciliation">{t.churnReconciliation}</span>, children: <ReconciliationView /> },
        ]}
      />
    </>
  );
}
