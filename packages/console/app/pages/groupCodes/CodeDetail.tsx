import { Col, Descriptions, Empty, Progress, Row, Space, Statistic, Table, Tag, Typography } from "antd";
import { useMemo } from "react";
import { api } from "../../api/client";
import type { GroupCodeDetail, GroupCodeStats, GroupStatsView, PoolGroupView } from "../../api/groupCodes";
import { unwrap } from "../../api/problem";
import { percent } from "../../days";
import { useLang } from "../../i18n";
import LazyChart from "../../LazyChart";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { fmt, modeLabel, RoutingTag, TemplateState } from "./labels";
import { landingUrl, QrButton } from "./QrButton";
import { dayRows, statsOption } from "./statsOption";

/** One code: its settings and routing, the pool's fill bars (full groups, the groups routed to now), the welcome's state, and the stats. */
export function CodeDetail({ codeId }: { codeId: string }) {
  const { t } = useLang();
  const detail = useAsync(async () => unwrap(await api.GET("/v1/group-codes/{codeId}", { params: { path: { codeId } } })), [codeId]);
  const stats = useAsync(async () => unwrap(await api.GET("/v1/group-codes/{codeId}/stats", { params: { path: { codeId } } })), [codeId]);
  return (
    <Loadable {...detail}>
      {(d) => (
        <div data-testid="code-detail">
          <Descriptions column={2} size="small" style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t.name}>{d.name}</Descriptions.Item>
            <Descriptions.Item label={t.gcMode}>{modeLabel(t, d.mode)}</Descriptions.Item>
            <Descriptions.Item label={t.status}>{d.status === "active" ? t.active : t.archived}</Descriptions.Item>
            <Descriptions.Item label={t.gcRouting}>
              <RoutingTag routing={d.routing} />
            </Descriptions.Item>
            <Descriptions.Item label={t.gcCapacity}>{d.capacity}</Descriptions.Item>
            <Descriptions.Item label={t.gcFreeSeats}>
              {d.seats.free} · {fmt(t.gcGroupCount, { groups: d.groups.length, full: d.groups.length - d.seats.groupsWithRoom })}
            </Descriptions.Item>
            <Descriptions.Item label={t.gcAutoCreate}>{d.autoCreate.enabled ? `${d.autoCreate.roomBaseName} ${d.autoCreate.roomBaseId ?? 1}…` : "—"}</Descriptions.Item>
            <Descriptions.Item label={t.gcState}>
              <Typography.Text code>{d.state}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t.gcTemplate}>
              <TemplateState template={d.welcomeTemplate} />
            </Descriptions.Item>
            <Descriptions.Item label={d.mode === "landing" ? t.gcLanding : t.qr}>
              <Space>
                {d.mode === "landing" && <Typography.Text copyable>{landingUrl(d.codeId)}</Typography.Text>}
                {d.status === "active" && <QrButton code={d} />}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t.gcWelcome}>{d.welcome?.text ?? (d.welcome?.attachment ? `[${d.welcome.attachment.type}]` : "—")}</Descriptions.Item>
          </Descriptions>
          <PoolTable code={d} stats={stats.data} />
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t.gcStats}
          </Typography.Title>
          <Loadable {...stats}>{(s) => <StatsView stats={s} />}</Loadable>
        </div>
      )}
    </Loadable>
  );
}

/** Each group's fill (members / capacity), whether it is full, and whether the join way (or the landing page) routes to it now. */
function PoolTable({ code, stats }: { code: GroupCodeDetail; stats: GroupCodeStats | undefined }) {
  const { t } = useLang();
  const byChat = new Map<string, GroupStatsView>((stats?.groups ?? []).map((g) => [g.chatId, g]));
  // native: what the join way lists; landing: where the page seats visitors next
  const routedNow = new Set(code.mode === "native" ? code.groups.filter((g) => g.listed).map((g) => g.chatId) : code.eligible.slice(0, 1));
  const next = new Set(code.eligible.filter((id) => !routedNow.has(id)));
  return (
    <Table<PoolGroupView>
      data-testid="code-groups"
      size="small"
      rowKey="chatId"
      pagination={false}
      dataSource={code.groups}
      columns={[
        {
          title: t.gcGroups,
          width: 180,
          render: (_, g) => (
            <>
              <div>{g.name ?? "—"}</div>
              <Typography.Text type="secondary" style={{ fontSize: 12, width: 160 }} ellipsis={{ tooltip: g.chatId }} copyable={{ text: g.chatId }}>
                {g.chatId}
              </Typography.Text>
            </>
          ),
        },
        { title: t.gcGroupOwner, render: (_, g) => g.ownerUserId ?? "—" },
        {
          title: t.gcFill,
          width: 200,
          render: (_, g) => {
            const full = !g.hasRoom && !g.dismissed;
            return <Progress data-testid="fill-bar" percent={Math.round(Math.min(1, g.fill) * 100)} status={full ? "exception" : "normal"} format={() => `${g.members}/${g.capacity}`} />;
          },
        },
        {
          title: t.status,
          render: (_, g) => (
            <Space size={4} wrap>
              {!g.hasRoom && !g.dismissed && <Tag color="red">{t.gcFull}</Tag>}
              {routedNow.has(g.chatId) && <Tag color="green">{t.gcListed}</Tag>}
              {next.has(g.chatId) && <Tag color="blue">{t.gcNext}</Tag>}
              {g.dismissed && <Tag>{t.gcDismissed}</Tag>}
              {g.autoCreated && <Tag color="purple">{t.gcAutoCreated}</Tag>}
            </Space>
          ),
        },
        {
          title: t.gcOwnerNotice,
          render: (_, g) =>
            g.welcome === null ? (
              <Tag>{t.gcNotNotified}</Tag>
            ) : g.welcome.failed ? (
              <Tag color="red">{t.gcNoticeFailed}</Tag>
            ) : g.welcome.ownerNotifiedAt ? (
              <Tag color="green">{fmt(t.gcNotified, { at: new Date(g.welcome.ownerNotifiedAt).toLocaleString() })}</Tag>
            ) : (
              <Tag>{t.gcNotNotified}</Tag>
            ),
        },
        { title: t.gcJoins, render: (_, g) => byChat.get(g.chatId)?.joins ?? "—" },
        { title: t.gcLeaves, render: (_, g) => byChat.get(g.chatId)?.leaves ?? "—" },
        { title: t.gcDuplicates, render: (_, g) => byChat.get(g.chatId)?.duplicateMembers ?? "—" },
      ]}
    />
  );
}

/** The totals (attribution: joins via the code's `state` among all joins; visitors among page views) and the chart. */
function StatsView({ stats }: { stats: GroupCodeStats }) {
  const { t } = useLang();
  const rows = useMemo(() => dayRows(stats), [stats]);
  const option = useMemo(() => statsOption(rows, t), [rows, t]);
  const s = stats.totals;
  return (
    <div data-testid="code-stats">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={4}>
          <Statistic title={t.gcCurrentMembers} value={s.currentMembers} />
        </Col>
        <Col span={4}>
          <Statistic title={t.gcFill} value={percent(s.fill)} />
        </Col>
        <Col span={4}>
          <Statistic title={t.gcJoins} value={s.joins} suffix={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{`${t.gcJoinsViaCode} ${s.joinsViaCode}`}</Typography.Text>} />
        </Col>
        <Col span={4}>
          <Statistic title={t.gcLeaves} value={s.leaves} />
        </Col>
        <Col span={4}>
          <Statistic title={t.gcPageViews} value={s.pageViews} suffix={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{`${t.gcUniqueVisitors} ${s.uniqueVisitors}`}</Typography.Text>} />
        </Col>
        <Col span={4}>
          <Statistic title={t.gcDuplicates} value={s.duplicateMembers} data-testid="stat-duplicates" />
        </Col>
      </Row>
      {rows.length === 0 ? <Empty description={t.gcNoStats} /> : <LazyChart option={option} height={300} testId="code-stats-chart" />}
    </div>
  );
}
