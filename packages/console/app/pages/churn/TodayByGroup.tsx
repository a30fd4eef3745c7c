import { Card } from "antd";
import { useState } from "react";
import type { ChurnPoint } from "../../api/churn";
import { CursorPager } from "../../CursorPager";
import { addDays, corpToday } from "../../days";
import { FigureTable } from "../../FigureTable";
import { useLang } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { churnSeries, todayVsYesterday } from "../churnSeries";
import { Change } from "./Change";
import { useGroupNames } from "./useGroupNames";

const PAGE = 10;

interface Row {
  key: string;
  id: string | null | undefined;
  today: ChurnPoint;
  yesterday: ChurnPoint | undefined;
}

/** 首页's table of today per staff member or per channel: added, lost, net, churn rate, each vs yesterday. */
export function TodayByGroup({ kind }: { kind: "staff" | "channel" }) {
  const { t } = useLang();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const state = useAsync(() => {
    const today = corpToday();
    return churnSeries({ from: addDays(today, -1), to: today, groupBy: kind }, { limit: PAGE, cursor });
  }, [kind, cursor]);
  const label = useGroupNames(kind, state.data?.series.map((s) => s.id) ?? []);
  const figure = (k: "added" | "lost" | "net" | "churnRate", upIsGood: boolean) => (r: Row) => (
    <Change value={r.today[k]} before={r.yesterday?.[k]} upIsGood={upIsGood} rate={k === "churnRate"} />
  );
  return (
    <Card title={kind === "staff" ? t.todayByStaff : t.todayByChannel} extra={<small>{t.arrowsVsYesterday}</small>} size="small">
      {/* no groups yet is an empty table, not the page's empty state: 首页 has its corp figures */}
      <Loadable {...state}>
        {(d) => (
          <>
            <FigureTable<Row>
              testId={`home-${kind}-table`}
              loading={state.loading}
              emptyText={t.noGroupsYet}
              rows={d.series.map((s) => ({ key: s.group, id: s.id, ...todayVsYesterday(s) }))}
              columns={[
                { title: kind === "staff" ? t.staff : t.channel, render: (r) => label(r.id) },
                { title: t.added, render: figure("added", true) },
                { title: t.lost, render: figure("lost", false) },
                { title: t.net, render: figure("net", true) },
                { title: t.churnRate, render: figure("churnRate", false) },
              ]}
            />
            {(cursors.length > 1 || d.nextCursor) && <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} small style={{ marginTop: 8 }} />}
          </>
        )}
      </Loadable>
    </Card>
  );
}
