import { Radio, Space, Table, Tag } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import type { MomentPost, MomentSchedule, PostState } from "../../api/moments";
import { unwrap } from "../../api/problem";
import { CursorPager } from "../../CursorPager";
import { useLang, type Words } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { shortTime } from "./corpTime";
import { postStateColor, postStateLabel } from "./labels";

const PAGE = 20;

/** How a schedule reads: 立即 / 定时 12/3 08:00 / 每天 08:00、21:30（12-03 至 12-31）. */
export function scheduleText(t: Words, s: MomentSchedule, createdAt: string): string {
  if (s.kind === "now") return `${t.scheduleNow} · ${shortTime(createdAt)}`;
  if (s.kind === "at") return `${t.scheduleAt} · ${shortTime(s.at)}`;
  return `${t.scheduleDaily} ${s.times.join("、")}（${s.from} ~ ${s.until}）`;
}

/** The posts newest first, by cursor, filtered by state (the API filters); a click opens the post. */
export function PostList({ version, onOpen }: { version: number; onOpen(postId: string): void }) {
  const { t } = useLang();
  const [state, setState] = useState<PostState | undefined>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(
    async () => unwrap(await api.GET("/v1/moments", { params: { query: { limit: PAGE, ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) } } })),
    [state, cursor, version],
  );
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Radio.Group
          data-testid="moment-state-filter"
          value={state ?? "all"}
          onChange={(e) => {
            setState(e.target.value === "all" ? undefined : (e.target.value as PostState));
            setCursors([undefined]);
          }}
          optionType="button"
          options={[
            { value: "all", label: t.all },
            ...(["scheduled", "running", "finished", "cancelled"] as const).map((s) => ({ value: s, label: postStateLabel(t, s) })),
          ]}
        />
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && !d.nextCursor && cursors.length === 1} emptyText={t.momentNone}>
        {(d) => (
          <>
            <Table<MomentPost>
              data-testid="moment-table"
              rowKey="postId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              onRow={(p) => ({ onClick: () => onOpen(p.postId), style: { cursor: "pointer" } })}
              columns={[
                { title: t.momentName, dataIndex: "name" },
                { title: t.momentSchedule, render: (_, p) => scheduleText(t, p.schedule, p.createdAt) },
                { title: t.momentRuns, dataIndex: "runs" },
                { title: t.senders, render: (_, p) => (p.visibility.userIds.length > 0 ? p.visibility.userIds.map((u) => <Tag key={u}>{u}</Tag>) : "—") },
                { title: t.momentState, render: (_, p) => <Tag color={postStateColor[p.state]}>{postStateLabel(t, p.state)}</Tag> },
                { title: t.createdAt, render: (_, p) => shortTime(p.createdAt) },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
    </>
  );
}
