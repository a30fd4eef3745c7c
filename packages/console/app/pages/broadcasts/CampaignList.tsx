import { App as AntApp, Button, Popconfirm, Progress, Radio, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { Campaign, CampaignRow, CampaignStatus } from "../../api/broadcasts";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { CursorPager } from "../../CursorPager";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { audienceSummary, campaignStatusColor, campaignStatusLabel, cancellable, editable, scheduleSummary } from "./labels";

const PAGE = 20;
const STATUSES: readonly CampaignStatus[] = ["scheduled", "running", "tracking", "done", "cancelled"];

/** Cancel a campaign (stops its unsent WeCom tasks at once); the answer is reported by a message. */
export async function cancelCampaign(campaignId: string): Promise<Campaign> {
  return unwrap(await api.POST("/v1/broadcasts/{campaignId}/cancel", { params: { path: { campaignId } } }));
}

/** 群发列表: newest first by cursor, by status, with schedule, audience, progress and the actions each status allows. */
export function CampaignList({ onOpen, onEdit, onCreate }: { onOpen(id: string): void; onEdit(c: Campaign): void; onCreate(): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState<CampaignStatus>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(
    async () => unwrap(await api.GET("/v1/broadcasts", { params: { query: { limit: PAGE, cursor, status } } })),
    [status, cursor],
  );

  const cancel = async (c: Campaign) => {
    try {
      await cancelCampaign(c.campaignId);
      message.success(t.bcCancelledOk);
      list.reload();
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <>
      <Space style={{ marginBottom: 16 }} wrap>
        <Button type="primary" data-testid="bc-new" onClick={onCreate}>
          {t.bcNew}
        </Button>
        <Radio.Group
          data-testid="bc-status-filter"
          value={status ?? "all"}
          onChange={(e) => {
            setStatus(e.target.value === "all" ? undefined : (e.target.value as CampaignStatus));
            setCursors([undefined]);
          }}
        >
          <Radio.Button value="all">{t.all}</Radio.Button>
          {STATUSES.map((s) => (
            <Radio.Button key={s} value={s}>
              {campaignStatusLabel(t, s)}
            </Radio.Button>
          ))}
        </Radio.Group>
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1 && !d.nextCursor} emptyText={t.bcNoCampaigns}>
        {(d) => (
          <>
            <Table<CampaignRow>
              data-testid="bc-table"
              rowKey="campaignId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              columns={[
                { title: t.bcName, render: (_, c) => <Typography.Link onClick={() => onOpen(c.campaignId)}>{c.name}</Typography.Link> },
                { title: t.status, render: (_, c) => <Tag color={campaignStatusColor[c.status]}>{campaignStatusLabel(t, c.status)}</Tag> },
                { title: t.bcSchedule, render: (_, c) => scheduleSummary(t, c) },
                { title: t.bcAudience, render: (_, c) => audienceSummary(t, c.audience) },
                { title: t.bcProgress, width: 200, render: (_, c) => <ListProgress campaign={c} /> },
                {
                  title: t.actions,
                  render: (_, c) => (
                    <Space>
                      <Button size="small" data-testid="bc-open" onClick={() => onOpen(c.campaignId)}>
                        {t.detail}
                      </Button>
                      {editable(c.status) && (
                        <Button size="small" data-testid="bc-edit" onClick={() => onEdit(c)}>
                          {t.bcEditShort}
                        </Button>
                      )}
                      {cancellable(c.status) && (
                        <Popconfirm title={t.bcCancelConfirm} onConfirm={() => cancel(c)} okText={t.bcCancelCampaign} cancelText={t.cancel}>
                          <Button size="small" danger data-testid="bc-cancel">
                            {t.bcCancelCampaign}
                          </Button>
                        </Popconfirm>
                      )}
                    </Space>
                  ),
                },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
    </>
  );
}

/** 已送达 / 计划 of the campaign's latest run (the list answer carries its funnel), or 未开始. */
function ListProgress({ campaign }: { campaign: CampaignRow }) {
  const { t } = useLang();
  const p = campaign.latestRun?.funnel;
  if (!p) return <Typography.Text type="secondary">{t.bcNotStarted}</Typography.Text>;
  const pct = p.planned > 0 ? Math.round((p.delivered / p.planned) * 100) : 0;
  return (
    <div data-testid="bc-row-progress">
      <Progress percent={pct} size="small" format={() => `${p.delivered}/${p.planned}`} />
    </div>
  );
}
