import { Card, Empty, Select, Space, Statistic, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import type { CohortPoint, CohortSeries, StatsFilter } from "../../api/churn";
import { CursorPager } from "../../CursorPager";
import { percent } from "../../days";
import { useLang } from "../../i18n";
import Chart from "../../LazyChart";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { cohortSeries } from "../churnSeries";
import { HORIZONS, heatmapOption, horizonLabel } from "./cohortOptions";
import { useGroupNames } from "./useGroupNames";

const PAGE = 20;

/**
 * 留存: cohort retention of the range (the corp, or one group of a page of staff / channels). Rows
 * are add days with new customers; a horizon that is not over yet stays empty (未到期), never 0.
 */
export function Cohorts({ filter }: { filter: StatsFilter }) {
  const { t } = useLang();
  const grouped = filter.groupBy !== "day";
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [picked, setPicked] = useState<string | undefined>();
  const state = useAsync(() => cohortSeries(filter, grouped ? { limit: PAGE, cursor } : {}), [filter, cursor]);
  const name = useGroupNames(filter.groupBy, state.data?.cohorts.map((c) => c.id) ?? []);
  return (
    <Loadable {...state} isEmpty={(d) => d.cohorts.length === 0 && cursors.length === 1} emptyText={t.noGroupsYet}>
      {(d) => {
        const shown = d.cohorts.find((c) => c.group === picked) ?? d.cohorts[0];
        return (
          <>
            {grouped && (
              <Space style={{ marginBottom: 12 }}>
                <Select
                  data-testid="cohort-group"
                  style={{ minWidth: 200 }}
                  value={shown?.group}
                  onChange={setPicked}
                  options={d.cohorts.map((c) => ({ value: c.group, label: name(c.id) }))}
                />
                <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} />
              </Space>
            )}
            {shown && <CohortView series={shown} asOfDay={d.asOfDay} />}
          </>
        );
      }}
    </Loadable>
  );
}

function CohortView({ series, asOfDay }: { series: CohortSeries; asOfDay: string }) {
  const { t } = useLang();
  const rows = useMemo(() => series.points.filter((p) => p.size > 0), [series]);
  const option = useMemo(() => heatmapOption(rows, t), [rows, t]);
  if (rows.length === 0) return <Empty data-testid="empty" description={t.noCohorts} />;
  const cell = (p: CohortPoint, k: (typeof HORIZONS)[number]) =>
    p[`rate${k}`] === null ? <Typography.Text type="secondary">{t.notMatured}</Typography.Text> : `${percent(p[`rate${k}`])}（${p[`retained${k}`]}）`;
  return (
    <>
      <Space size="large" style={{ marginBottom: 12 }} wrap>
        {HORIZONS.map((k) => (
          <Statistic key={k} title={`${horizonLabel(t, k)}（${t.matureOnly}）`} value={percent(series.totals[`rate${k}`])} />
        ))}
      </Space>
      <Card size="small" title={t.retentionHeatmap} extra={<small>{t.heatmapHint.replace("{day}", asOfDay)}</small>}>
        <Chart kind="heatmap" option={option} testId="cohort-heatmap" height={Math.max(220, rows.length * 30 + 90)} />
      </Card>
      <Table<CohortPoint>
        data-testid="cohort-table"
        size="small"
        rowKey="date"
        style={{ marginTop: 16 }}
        dataSource={rows}
        pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
        columns={[
          { title: t.addedDate, dataIndex: "date" },
          { title: t.cohortSize, dataIndex: "size" },
          ...HORIZONS.map((k) => ({ title: horizonLabel(t, k), render: (_: unknown, p: CohortPoint) => cell(p, k) })),
        ]}
      />
    </>
  );
}
