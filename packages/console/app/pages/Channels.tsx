import { App as AntApp, Button, Popconfirm, Radio, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { Channel } from "../api/views";
import { CursorPager } from "../CursorPager";
import { useLang } from "../i18n";
import { describe, Loadable } from "../States";
import { useAsync } from "../useAsync";
import { ChannelDetail } from "./channels/ChannelDetail";
import { ChannelForm } from "./channels/ChannelForm";

type Status = "active" | "archived" | undefined;
const PAGE = 20;

/** 渠道活码: the list (cursor pages, by status), create and edit (each validation error on its field), the detail with today's adds against each member's cap, archive. */
export default function Channels() {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState<Status>("active");
  // cursors of the pages before this one, so "previous" works on an opaque cursor
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(async () => unwrap(await api.GET("/v1/channels", { params: { query: { limit: PAGE, status, cursor } } })), [status, cursor]);
  // the form: closed, new (null) or editing a channel
  const [editing, setEditing] = useState<Channel | null | undefined>();
  const [open, setOpen] = useState<string | undefined>();

  const archive = async (c: Channel) => {
    try {
      unwrap(await api.POST("/v1/channels/{channelId}/archive", { params: { path: { channelId: c.channelId } } }));
      message.success(t.archivedOk);
      list.reload();
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <>
      <Typography.Title level={3}>{t.channels}</Typography.Title>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" data-testid="channel-create" onClick={() => setEditing(null)}>
          {t.create}
        </Button>
        <Radio.Group
          value={status ?? "all"}
          onChange={(e) => {
            setStatus(e.target.value === "all" ? undefined : (e.target.value as Status));
            setCursors([undefined]);
          }}
        >
          <Radio.Button value="active">{t.active}</Radio.Button>
          <Radio.Button value="archived">{t.archived}</Radio.Button>
          <Radio.Button value="all">{t.all}</Radio.Button>
        </Radio.Group>
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1} emptyText={t.noChannels}>
        {(d) => (
          <>
            <Table<Channel>
              data-testid="channel-table"
              rowKey="channelId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              columns={[
                { title: t.name, render: (_, c) => (
                    <Button type="link" style={{ padding: 0 }} onClick={() => setOpen(c.channelId)} data-testid={`channel-open-${c.name}`}>
                      {c.name}
                    </Button>
                  ),
                },
                { title: t.staff, render: (_, c) => c.staff.map((s) => <Tag key={s.userId}>{s.userId}{s.dailyCap ? ` ≤${s.dailyCap}` : ""}</Tag>) },
                { title: t.status, render: (_, c) => <Tag color={c.status === "active" ? "green" : "default"}>{c.status === "active" ? t.active : t.archived}</Tag> },
                { title: t.createdAt, render: (_, c) => new Date(c.createdAt).toLocaleString() },
                {
                  title: t.actions,
                  render: (_, c) => (
                    <Space>
                      <a href={c.qrCode} target="_blank" rel="noreferrer" download>
                        {t.qr}
                      </a>
                      {c.status === "active" && (
                        <Button size="small" onClick={() => setEditing(c)} data-testid={`channel-edit-${c.name}`}>
                          {t.edit}
                        </Button>
                      )}
                      {c.status === "active" && (
                        <Popconfirm title={t.archiveConfirm} onConfirm={() => archive(c)}>
                          <Button size="small" danger>
                            {t.archive}
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
      {editing !== undefined && (
        <ChannelForm
          {...(editing ? { editing } : {})}
          onClose={(saved) => {
            const wasNew = editing === null;
            setEditing(undefined);
            if (saved) {
              message.success(wasNew ? t.created : t.saved);
              if (wasNew) setCursors([undefined]);
              list.reload();
            }
          }}
        />
      )}
      {open && <ChannelDetail channelId={open} onClose={() => setOpen(undefined)} />}
    </>
  );
}
