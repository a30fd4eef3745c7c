import { Button, DatePicker, Descriptions, Drawer, Form, Input, Select, Space, Table, Tag, Timeline, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { CustomerRow, CustomerStatus } from "../api/views";
import { CursorPager } from "../CursorPager";
import { useLang, type Words } from "../i18n";
import { Loadable } from "../States";
import { useAsync } from "../useAsync";

const PAGE = 20;

interface Filters {
  userId?: string;
  channelId?: string;
  tagId?: string;
  status?: CustomerStatus;
  addedFrom?: string;
  addedTo?: string;
}

interface FilterForm {
  userId?: string;
  channelId?: string;
  tagId?: string;
  status?: CustomerStatus;
  added?: [{ format(f: string): string } | null, { format(f: string): string } | null] | null;
}

/** The timeline kinds (contact-intake's `TimelineKind`) in Chinese; English shows the kind itself. */
const kindZh: Record<string, string> = {
  added: "添加好友",
  confirmed: "确认添加",
  "already-active": "重复添加",
  "transferred-in": "转入",
  lost: "客户删除员工",
  removed: "员工删除客户",
  "transferred-out": "转出",
  "profile-edited": "资料变更",
  "transfer-failed": "转接失败",
  "tag-changed": "标签变更",
};

const statusColor: Record<CustomerStatus, string> = { active: "green", lost: "red", removed: "default", transferred: "blue" };
export const statusLabel = (t: Words, s: CustomerStatus) =>
  ({ active: t.statusActive, lost: t.statusLost, removed: t.statusRemoved, transferred: t.statusTransferred })[s] ?? s;

/** 客户: follow relations with the API's filters (staff, channel, tag, status, add date), cursor pages, a detail drawer. */
export default function Customers() {
  const { t } = useLang();
  const [form] = Form.useForm<FilterForm>();
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [open, setOpen] = useState<string | undefined>();
  const list = useAsync(
    async () => unwrap(await api.GET("/v1/customers", { params: { query: { limit: PAGE, ...filters, cursor } } })),
    [filters, cursor],
  );
  const channels = useAsync(async () => unwrap(await api.GET("/v1/channels", { params: { query: { limit: 100 } } })), []);
  const tags = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);
  const channelName = (id: string) => channels.data?.items.find((c) => c.channelId === id)?.name ?? id;
  const tagName = new Map((tags.data?.items ?? []).flatMap((g) => g.tags.map((x) => [x.tagId, x.name] as const)));

  const apply = (v: FilterForm) => {
    const f: Filters = {};
    if (v.userId?.trim()) f.userId = v.userId.trim();
    if (v.channelId) f.channelId = v.channelId;
    if (v.tagId) f.tagId = v.tagId;
    if (v.status) f.status = v.status;
    if (v.added?.[0]) f.addedFrom = v.added[0].format("YYYY-MM-DD");
    if (v.added?.[1]) f.addedTo = v.added[1].format("YYYY-MM-DD");
    setFilters(f);
    setCursors([undefined]);
  };

  return (
    <>
      <Typography.Title level={3}>{t.customers}</Typography.Title>
      <Form form={form} layout="inline" onFinish={apply} style={{ marginBottom: 16, rowGap: 8 }} data-testid="customer-filters">
        <Form.Item name="userId" label={t.staff}>
          <Input allowClear placeholder="userId" style={{ width: 140 }} data-testid="filter-staff" />
        </Form.Item>
        <Form.Item name="channelId" label={t.channel}>
          <Select allowClear style={{ width: 160 }} loading={channels.loading} options={(channels.data?.items ?? []).map((c) => ({ value: c.channelId, label: c.name }))} />
        </Form.Item>
        <Form.Item name="tagId" label={t.tag}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: "label" }}
            style={{ width: 160 }}
            loading={tags.loading}
            options={(tags.data?.items ?? []).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.tagId, label: x.name })) }))}
          />
        </Form.Item>
        <Form.Item name="status" label={t.status}>
          <Select
            allowClear
            style={{ width: 120 }}
            options={(["active", "lost", "removed", "transferred"] as const).map((s) => ({ value: s, label: statusLabel(t, s) }))}
          />
        </Form.Item>
        <Form.Item name="added" label={t.addedDate}>
          <DatePicker.RangePicker allowEmpty={[true, true]} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" data-testid="filter-search">
              {t.search}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                apply({});
              }}
            >
              {t.reset}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1 && !d.nextCursor} emptyText={t.noCustomers}>
        {(d) => (
          <>
            <Table<CustomerRow>
              data-testid="customer-table"
              rowKey={(r) => `${r.externalUserId}/${r.userId}`}
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              onRow={(r) => ({ onClick: () => setOpen(r.externalUserId), style: { cursor: "pointer" } })}
              columns={[
                { title: t.customer, render: (_, r) => <Typography.Link data-testid="customer-open">{r.name ?? r.externalUserId}</Typography.Link> },
                { title: t.staff, dataIndex: "userId" },
                { title: t.channel, render: (_, r) => channelName(r.channelId) },
                { title: t.tags, render: (_, r) => r.tagIds.map((id) => <Tag key={id}>{tagName.get(id) ?? id}</Tag>) },
                {
                  title: t.status,
                  render: (_, r) => (
                    <Space size={4}>
                      <Tag color={statusColor[r.status]}>{statusLabel(t, r.status)}</Tag>
                      {r.confirmed === false && <Tag color="orange">{t.unconfirmed}</Tag>}
                    </Space>
                  ),
                },
                { title: t.addedAt, render: (_, r) => new Date(r.addedAt).toLocaleString() },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
      <Drawer open={open !== undefined} size="large" title={t.customerDetail} onClose={() => setOpen(undefined)} destroyOnHidden>
        {open !== undefined && <Detail externalUserId={open} channelName={channelName} />}
      </Drawer>
    </>
  );
}

/** One customer: profile, relations with their tags, the timeline (newest first, cursor pages). */
function Detail({ externalUserId, channelName }: { externalUserId: string; channelName(id: string): string }) {
  const { t, lang } = useLang();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const timelineCursor = cursors[cursors.length - 1];
  const detail = useAsync(
    async () =>
      unwrap(await api.GET("/v1/customers/{externalUserId}", { params: { path: { externalUserId }, query: { timelineLimit: 50, timelineCursor } } })),
    [externalUserId, timelineCursor],
  );
  return (
    <Loadable {...detail}>
      {(d) => (
        <div data-testid="customer-detail">
          <Descriptions column={1} size="small" style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t.name}>{d.profile?.name ?? "—"}</Descriptions.Item>
            <Descriptions.Item label="externalUserId">
              <Typography.Text copyable>{d.externalUserId}</Typography.Text>
            </Descriptions.Item>
            {d.profile?.corpName && <Descriptions.Item label="企业">{d.profile.corpName}</Descriptions.Item>}
          </Descriptions>
          <Typography.Title level={5}>{t.relations}</Typography.Title>
          <Table
            data-testid="customer-relations"
            size="small"
            rowKey="userId"
            pagination={false}
            dataSource={d.relations}
            style={{ marginBottom: 16 }}
            columns={[
              { title: t.staff, dataIndex: "userId" },
              { title: t.channel, render: (_, r) => channelName(r.channelId) },
              { title: t.status, render: (_, r) => <Tag color={statusColor[r.status]}>{statusLabel(t, r.status)}</Tag> },
              { title: t.addedAt, render: (_, r) => new Date(r.addedAt).toLocaleString() },
              {
                title: t.tags,
                render: (_, r) =>
                  r.tags.map((x) => (
                    <Tag key={x.tagId} title={x.groupName ?? undefined}>
                      {x.name ?? t.deletedTag}
                    </Tag>
                  )),
              },
            ]}
          />
          <Typography.Title level={5}>{t.timeline}</Typography.Title>
          {d.timeline.length === 0 ? (
            <Typography.Text type="secondary">{t.noTimeline}</Typography.Text>
          ) : (
            <Timeline
              data-testid="customer-timeline"
              items={d.timeline.map((e) => ({
                key: e.id,
                content: (
                  <>
                    <Typography.Text strong>{lang === "en" ? e.kind : (kindZh[e.kind] ?? e.kind)}</Typography.Text> · {e.userId}
                    {e.channelId ? ` · ${channelName(e.channelId)}` : ""}
                    <br />
                    <Typography.Text type="secondary">{new Date(e.at).toLocaleString()}</Typography.Text>
                  </>
                ),
              }))}
            />
          )}
          <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.timelineNextCursor} nextLabel={t.moreTimeline} small />
        </div>
      )}
    </Loadable>
  );
}
