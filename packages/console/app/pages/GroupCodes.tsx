import { App as AntApp, Button, Drawer, Popconfirm, Progress, Radio, Space, Table, Tag, Typography } from "antd";
import type React from "react";
import { useState } from "react";
import { api } from "../api/client";
import type { GroupCodeRow, GroupCodeStatus } from "../api/groupCodes";
import { unwrap } from "../api/problem";
import { CursorPager } from "../CursorPager";
import { useLang } from "../i18n";
import { describe, Loadable } from "../States";
import { useAsync } from "../useAsync";
import { CodeDetail } from "./groupCodes/CodeDetail";
import { CodeFormModal } from "./groupCodes/CodeForm";
import { fmt, modeLabel, RoutingTag } from "./groupCodes/labels";
import { QrButton } from "./groupCodes/QrButton";

const PAGE = 20;

/** 群活码: the list (cursor pages, by status) with each pool's fill and routing, create / edit, detail, archive, QR. */
export default function GroupCodes() {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState<GroupCodeStatus | undefined>("active");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(async () => unwrap(await api.GET("/v1/group-codes", { params: { query: { limit: PAGE, status, cursor } } })), [status, cursor]);
  // undefined: closed; "": create; an id: edit that code
  const [editing, setEditing] = useState<string | undefined>();
  const [open, setOpen] = useState<string | undefined>();

  const archive = async (c: GroupCodeRow) => {
    try {
      unwrap(await api.POST("/v1/group-codes/{codeId}/archive", { params: { path: { codeId: c.codeId } } }));
      message.success(t.archivedOk);
      list.reload();
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <>
      <Typography.Title level={3}>{t.groupCodes}</Typography.Title>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" data-testid="code-create" onClick={() => setEditing("")}>
          {t.gcCreate}
        </Button>
        <Radio.Group
          data-testid="code-status"
          value={status ?? "all"}
          onChange={(e) => {
            setStatus(e.target.value === "all" ? undefined : (e.target.value as GroupCodeStatus));
            setCursors([undefined]);
          }}
        >
          <Radio.Button value="active">{t.active}</Radio.Button>
          <Radio.Button value="archived">{t.archived}</Radio.Button>
          <Radio.Button value="all">{t.all}</Radio.Button>
        </Radio.Group>
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1 && !d.nextCursor} emptyText={t.gcEmpty}>
        {(d) => (
          <>
            <Table<GroupCodeRow>
              data-testid="code-table"
              rowKey="codeId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              columns={[
                { title: t.name, render: (_, c) => <Typography.Link onClick={() => setOpen(c.codeId)}>{c.name}</Typography.Link> },
                { title: t.gcMode, render: (_, c) => modeLabel(t, c.mode) },
                { title: t.gcGroups, render: (_, c) => fmt(t.gcGroupCount, { groups: c.pool.groups, full: c.pool.fullGroups }) },
                {
                  title: t.gcFill,
                  width: 200,
                  render: (_, c) => (
                    <>
                      <Progress size="small" percent={Math.round(c.pool.fill * 100)} status={c.pool.groups > 0 && c.pool.groupsWithRoom === 0 ? "exception" : "normal"} />
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {fmt(t.gcFillSummary, { members: c.pool.members, capacity: c.pool.capacity, free: c.pool.freeSeats })}
                      </Typography.Text>
                    </>
                  ),
                },
                {
                  title: t.gcRouting,
                  render: (_, c) => (c.status === "archived" ? <Tag>{t.archived}</Tag> : <RoutingTag routing={c.routing} />),
                },
                { title: t.createdAt, render: (_, c) => new Date(c.createdAt).toLocaleString() },
                {
                  title: t.actions,
                  render: (_, c) => (
                    <Space size={4} wrap>
                      <Button size="small" data-testid="code-open" onClick={() => setOpen(c.codeId)}>
                        {t.detail}
                      </Button>
                      {c.status === "active" && (
                        <>
                          <Button size="small" data-testid="code-edit" onClick={() => setEditing(c.codeId)}>
                            {t.gcEditShort}
                          </Button>
                          <QrButton code={c} />
                          <Popconfirm title={t.gcArchiveConfirm} onConfirm={() => archive(c)} okButtonProps={{ "data-testid": "code-archive-ok" } as React.ComponentProps<typeof Button>}>
                            <Button size="small" danger data-testid="code-archive">
                              {t.archive}
                            </Button>
                          </Popconfirm>
                        </>
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
        <CodeFormModal
          codeId={editing || undefined}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) {
              message.success(t.gcSaved);
              if (!editing) setCursors([undefined]);
              list.reload();
            }
          }}
        />
      )}
      <Drawer open={open !== undefined} size={1040} title={t.gcDetail} onClose={() => setOpen(undefined)} destroyOnHidden>
        {open !== undefined && <CodeDetail codeId={open} />}
      </Drawer>
    </>
  );
}
