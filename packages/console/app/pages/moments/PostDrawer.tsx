import { ReloadOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Descriptions, Drawer, Popconfirm, Space, Table, Tabs, Tag, Typography } from "antd";
import type React from "react";
import { api } from "../../api/client";
import type { MomentDetail, RunDetail } from "../../api/moments";
import { unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { shortTime } from "./corpTime";
import { postStateColor, postStateLabel, runStateColor, runStateLabel } from "./labels";
import { storedFiles } from "./media";
import { PhonePreview } from "./PhonePreview";
import { scheduleText } from "./PostList";
import { Results } from "./Results";

/** A post: its definition and runs (详情), its results (结果), edit until it runs, cancel with a confirm. */
export function PostDrawer({ postId, version, onEdit, onChanged, onClose }: { postId: string; version: number; onEdit(p: MomentDetail): void; onChanged(): void; onClose(): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const detail = useAsync(async () => unwrap(await api.GET("/v1/moments/{postId}", { params: { path: { postId } } })), [postId, version]);

  const cancel = async () => {
    try {
      unwrap(await api.POST("/v1/moments/{postId}/cancel", { params: { path: { postId } } }));
      message.success(t.momentCancelled);
      onChanged();
    } catch (err) {
      message.error(describe(err));
    }
  };

  const p = detail.data;
  return (
    <Drawer
      open
      size={960}
      onClose={onClose}
      title={p ? <Space>{p.name}<Tag color={postStateColor[p.state]}>{postStateLabel(t, p.state)}</Tag></Space> : t.loading}
      extra={
        p && (
          <Space>
            <Button icon={<ReloadOutlined />} onClick={detail.reload} data-testid="moment-refresh" />
            {p.state === "scheduled" && (
              <Button onClick={() => onEdit(p)} data-testid="moment-edit">
                {t.momentEditAction}
              </Button>
            )}
            {(p.state === "scheduled" || p.state === "running") && (
              <Popconfirm title={t.momentCancelConfirm} onConfirm={cancel} okButtonProps={{ "data-testid": "moment-cancel-ok" } as React.ComponentProps<typeof Button>}>
                <Button danger data-testid="moment-cancel">
                  {t.momentCancel}
                </Button>
              </Popconfirm>
            )}
          </Space>
        )
      }
    >
      <Loadable {...detail}>
        {(d) => (
          <Tabs
            items={[
              { key: "detail", label: t.momentDetail, children: <Definition d={d} /> },
              { key: "results", label: <span data-testid="moment-results-tab">{t.momentResults}</span>, children: <Results detail={d} /> },
            ]}
          />
        )}
      </Loadable>
    </Drawer>
  );
}

function Definition({ d }: { d: MomentDetail }) {
  const { t } = useLang();
  const c = d.content;
  return (
    <div style={{ display: "flex", gap: 24, alignItems: "flex-start" }}>
      <div style={{ flex: 1, minWidth: 0 }}>
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label={t.momentSchedule}>{scheduleText(t, d.schedule, d.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t.senders}>{d.visibility.userIds.join("、") || "—"}</Descriptions.Item>
          <Descriptions.Item label={t.departments}>{d.visibility.departmentIds.join("、") || "—"}</Descriptions.Item>
          <Descriptions.Item label={t.customerTags}>{d.visibility.tagIds.join("、") || "—"}</Descriptions.Item>
          <Descriptions.Item label={t.windowHours}>{d.windowHours}</Descriptions.Item>
          <Descriptions.Item label={t.reminders}>{d.reminders.auto ? d.reminders.hoursBeforeEnd.map((h) => `${h}h`).join("、") : "—"}</Descriptions.Item>
          <Descriptions.Item label={t.onLimit}>{d.onLimit === "move" ? t.onLimitMove : t.onLimitRefuse}</Descriptions.Item>
        </Descriptions>
        <Typography.Title level={5} style={{ marginTop: 16 }}>
          {t.perRun}
        </Typography.Title>
        <Table<RunDetail>
          size="small"
          rowKey="at"
          data-testid="moment-runs"
          pagination={d.runDetails.length > 10 ? { pageSize: 10, size: "small" } : false}
          dataSource={d.runDetails}
          locale={{ emptyText: t.noRuns }}
          columns={[
            { title: t.runAt, render: (_, r) => shortTime(r.at) },
            { title: t.windowEnd, render: (_, r) => shortTime(r.windowEnd) },
            { title: t.momentState, render: (_, r) => <Tag color={runStateColor(r.state)}>{runStateLabel(t, r.state)}</Tag> },
            { title: t.staffPublished, render: (_, r) => `${r.staff.published}/${r.staff.total}` },
            {
              title: t.runError,
              render: (_, r) => (
                <>
                  {r.error?.message}
                  {r.invalidSenders && r.invalidSenders.userIds.length > 0 && <div>{`${t.invalidSenders}: ${r.invalidSenders.userIds.join("、")}`}</div>}
                </>
              ),
            },
          ]}
        />
      </div>
      <PhonePreview
        content={{
          ...(d.visibility.userIds[0] ? { sender: d.visibility.userIds[0] } : {}),
          ...(c.text ? { text: c.text } : {}),
          images: storedFiles((c.images ?? []).map((i) => i.mediaKey)),
          ...(c.video ? { video: storedFiles([c.video.mediaKey])[0]! } : {}),
          ...(c.link ? { link: { title: c.link.title, url: c.link.url } } : {}),
        }}
      />
    </div>
  );
}
