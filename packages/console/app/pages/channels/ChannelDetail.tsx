import { Descriptions, Drawer, Image, Progress, Space, Table, Tag } from "antd";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { ChannelDetail as Detail } from "../../api/views";
import { useLang } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";

type Member = Detail["today"]["members"][number];

/** One channel code: its QR, who is on the code now, and today's adds per member against their cap. */
export function ChannelDetail({ channelId, onClose }: { channelId: string; onClose(): void }) {
  const { t } = useLang();
  const detail = useAsync(async () => unwrap(await api.GET("/v1/channels/{channelId}", { params: { path: { channelId } } })), [channelId]);
  return (
    <Drawer open size="large" title={t.channelDetail} onClose={onClose} destroyOnHidden>
      <Loadable {...detail}>
        {(c) => (
          <Space orientation="vertical" size="large" style={{ width: "100%" }} data-testid="channel-detail">
            <Descriptions column={1} bordered size="small">
              <Descriptions.Item label={t.name}>{c.name}</Descriptions.Item>
              <Descriptions.Item label={t.status}>
                <Tag color={c.status === "active" ? "green" : "default"}>{c.status === "active" ? t.active : t.archived}</Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t.qr}>{c.qrCode ? <Image src={c.qrCode} width={120} alt={c.name} /> : "—"}</Descriptions.Item>
              <Descriptions.Item label={t.landingPage}>
                <a href={`/c/${c.channelId}`} target="_blank" rel="noreferrer">{`/c/${c.channelId}`}</a>
              </Descriptions.Item>
            </Descriptions>
            <Table<Member>
              data-testid="channel-today"
              rowKey="userId"
              size="small"
              pagination={false}
              dataSource={c.today.members}
              title={() => `${t.todayAdds}（${c.today.day}）`}
              columns={[
                { title: t.staff, dataIndex: "userId" },
                {
                  title: t.todayAdds,
                  render: (_, m) => (
                    <Space>
                      <Progress percent={Math.min(100, Math.round((m.added / m.cap) * 100))} size="small" style={{ width: 140 }} status={m.reachedCap ? "exception" : "normal"} showInfo={false} />
                      <span data-testid={`today-${m.userId}`}>{`${m.added} / ${m.cap}`}</span>
                    </Space>
                  ),
                },
                {
                  title: t.status,
                  render: (_, m) =>
                    m.reachedCap ? <Tag color="red">{t.capReached}</Tag> : c.currentStaff?.includes(m.userId) ? <Tag color="green">{t.onCode}</Tag> : <Tag>—</Tag>,
                },
              ]}
            />
          </Space>
        )}
      </Loadable>
    </Drawer>
  );
}
