import { Card, Segmented, Table, type TableColumnsType } from "antd";
import { useMemo, useState } from "react";
import type { ChurnAnswer, ChurnPoint, ChurnSeries, GroupBy } from "../../api/churn";
import { CursorPager } from "../../CursorPager";
import { percent } from "../../days";
import { useLang, type Words } from "../../i18n";
import Chart from "../../LazyChart";
import { Loadable } from "../../States";
import { countsOption, type Metric, rateOption } from "./trendOptions";
import { useGroupNames } from "./useGroupNames";

type Figures = Omit<ChurnPoint, "date">;

/** The columns every row has: a day's figures, or a group's range totals. */
function figureColumns<T extends Figures>(t: Words): TableColumnsType<T> {
  return [
    { title: t.added, dataIndex: "added" },
    { title: t.lost, dataIndex: "lost" },
    { title: t.removed, dataIndex: "removed" },
    { title: t.transferredIn, dataIndex: "transferredIn" },
    { title: t.transferredOut, dataIndex: "transferredOut" },
    { title: t.net, dataIndex: "net" },
    { title: t.customersAtStart, dataIndex: "customersAtStart" },
    { title: t.customersAtEnd, dataIndex: "customersAtEnd" },
    { title: t.churnRate, render: (_, r) => percent(r.churnRate) },
  ];
}

/** 趋势: the counts and churn-rate line charts and the series table (by day, or a page of groups with their days). */
export function Trend({ groupBy, state, cursors, setCursors }: {
  groupBy: GroupBy;
  state: { loading: boolean; data: ChurnAnswer | undefined; error: unknown; reload(): void };
  cursors: (string | undefined)[];
  setCursors(c: (string | undefined)[]): void;
}) {
  const { t } = useLang();
  const [metric, setMetric] = useState<Metric>("added");
  const grouped = groupBy !== "day";
  const name = useGroupNames(groupBy, state.data?.series.map((s) => s.id) ?? []);
  const label = (s: ChurnSeries) => name(s.id);
  const series = state.data?.series ?? [];
  // biome-ignore lint/correctness/useExhaustiveDependencies: `label` changes with the names it resolves (in `name`)
  const charts = useMemo(() => ({ counts: countsOption(series, grouped, metric, label, t), rate: rateOption(series, label) }), [series, grouped, metric, name, t]);
  const dayColumns: TableColumnsType<ChurnPoint> = [{ title: t.churnDate, dataIndex: "date" }, ...figureColumns<ChurnPoint>(t)];
  return (
    <Loadable {...state} isEmpty={(d) => d.series.length === 0 && cursors.length === 1} emptyText={t.noGroupsYet}>
      {(d) => (
        <>
          <Card
            size="small"
            title={grouped ? t[metric] : `${t.added} / ${t.lost} / ${t.net}`}
            extra={grouped && <Segmented<Metric> value={metric} onChange={setMetric} options={(["added", "lost", "net"] as const).map((k) => ({ value: k, label: t[k] }))} />}
          >
            <Chart kind="scroll" option={charts.counts} testId="churn-counts" />
          </Card>
          <Card size="small" title={t.dailyChurnRate} style={{ marginTop: 16 }}>
            <Chart kind="scroll" option={charts.rate} testId="churn-rate" height={260} />
          </Card>
          <Card size="small" title={grouped ? t.totalsOfRange : t.churnDaily} style={{ marginTop: 16 }}>
            {grouped ? (
              <>
                <Table<ChurnSeries & Figures>
                  data-testid="churn-series-table"
                  size="small"
                  rowKey="group"
                  pagination={false}
                  loading={state.loading}
                  dataSource={d.series.map((s) => ({ ...s, ...s.totals }))}
                  columns={[{ title: groupBy === "staff" ? t.staff : t.channel, render: (_, s) => label(s) }, ...figureColumns<ChurnSeries & Figures>(t)]}
                  expandable={{ expandedRowRender: (s) => <Table size="small" rowKey="date" pagination={false} dataSource={s.points} columns={dayColumns} /> }}
                />
                <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 12 }} />
              </>
            ) : (
              <Table<ChurnPoint>
                data-testid="churn-series-table"
                size="small"
                rowKey="date"
                loading={state.loading}
                dataSource={[...(d.series[0]?.points ?? [])].reverse()}
                columns={dayColumns}
                pagination={{ pageSize: 10, showSizeChanger: false }}
              />
            )}
          </Card>
        </>
      )}
    </Loadable>
  );
}
