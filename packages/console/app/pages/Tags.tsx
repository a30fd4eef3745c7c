import { App as AntApp, Button, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { TagGroup } from "../api/views";
import { CursorPager } from "../CursorPager";
import { useLang } from "../i18n";
import { describe, Loadable } from "../States";
import { useAsync } from "../useAsync";

const PAGE = 50;

/** 标签: Siyu's copy of the corp tag list (groups, cursor pages), and "从企业微信同步" (POST /v1/tags/sync). */
export default function Tags() {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: PAGE, cursor } } })), [cursor]);
  const [syncing, setSyncing] = useState(false);

  const sync = async () => {
    setSyncing(true);
    try {
      // every figure of the answer by name, for the word's {placeholders}
      const figures: Record<string, number> = unwrap(await api.POST("/v1/tags/sync", {}));
      message.success(t.syncedTags.replace(/\{(\w+)\}/g, (_, k: string) => String(figures[k] ?? 0)));
      setCursors([undefined]);
      list.reload();
    } catch (err) {
      message.error(describe(err));
    } finally {
      setSyncing(false);
    }
  };

  return (
    <>
      <Typography.Title level={3}>{t.tags}</Typography.Title>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" loading={syncing} onClick={sync} data-testid="tags-sync">
          {t.syncTags}
        </Button>
        {list.data && <Typography.Text type="secondary" data-testid="tags-total">{`${t.tagCount}: ${list.data.total} / ${list.data.limit}`}</Typography.Text>}
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1} emptyText={t.noTags}>
        {(d) => (
          <>
            <Table<TagGroup>
              data-testid="tag-table"
              rowKey="groupId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              columns={[
                { title: t.tagGroup, dataIndex: "groupName" },
                { title: t.tags, render: (_, g) => g.tags.map((x) => <Tag key={x.tagId}>{x.name}</Tag>) },
                { title: t.tagCount, render: (_, g) => g.tags.length },
                { title: t.createdAt, render: (_, g) => (g.createTime ? new Date(g.createTime * 1000).toLocaleString() : "—") },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
    </>
  );
}
