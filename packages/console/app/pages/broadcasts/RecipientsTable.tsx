import { Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import type { Recipient, RecipientStatus } from "../../api/broadcasts";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { CursorPager } from "../../CursorPager";
import { useLang } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { fill, RECIPIENT_STATUSES, reasonText, recipientStatusColor, recipientStatusLabel } from "./labels";
import { RecipientName } from "./RecipientName";

const PAGE = 20;

/** A run's recipients by cursor, optionally in one state; each with its member, state and, when left out or failed, why (`group`: the ids are chats). `version` reloads it. */
export function RecipientsTable({ campaignId, runKey, group, version }: { campaignId: string; runKey: string | undefined; group: boolean; version: number }) {
  const { t } = useLang();
  const [status, setStatus] = useState<RecipientStatus>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(
    async () => unwrap(await api.GET("/v1/broadcasts/{campaignId}/recipients", { params: { path: { campaignId }, query: { limit: PAGE, cursor, status, run: runKey } } })),
    [campaignId, runKey, status, cursor, version],
  );
  const why = (r: Recipient) => {
    if (r.reason) return <Tag color={r.reason === "quota" ? "volcano" : "default"}>{reasonText(t, { reason: r.reason, quota: r.quota })}</Tag>;
    if (r.errcode !== undefined) return fill(t.bcErrcode, { code: r.errcode });
    return null;
  };
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <Select<RecipientStatus>
          allowClear
          placeholder={t.status}
          style={{ width: 180 }}
          data-testid="bc-recipient-status"
          value={status}
          onChange={(v) => {
            setStatus(v);
            setCursors([undefined]);
          }}
          options={RECIPIENT_STATUSES.map((s) => ({ value: s, label: recipientStatusLabel(t, s) }))}
        />
      </Space>
      <Loadable {...page} isEmpty={(d) => d.items.length === 0 && cursors.length === 1 && !d.nextCursor} emptyText={t.bcNoRecipients}>
        {(d) => (
          <>
            <Table<Recipient>
              data-testid="bc-recipients"
              size="small"
              rowKey={(r) => `${r.id}/${r.status}`}
              dataSource={d.items}
              loading={page.loading}
              pagination={false}
              columns={[
                { title: t.customer, render: (_, r) => <RecipientName id={r.id} group={group} /> },
                { title: t.staff, render: (_, r) => r.userId ?? "—" },
                { title: t.status, render: (_, r) => <Tag color={recipientStatusColor[r.status]}>{recipientStatusLabel(t, r.status)}</Tag> },
                { title: t.bcReason, render: (_, r) => why(r) },
                { title: t.bcSendTime, render: (_, r) => (r.sendTime ? new Date(r.sendTime).toLocaleString() : "—") },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} small style={{ marginTop: 12 }} />
          </>
        )}
      </Loadable>
    </>
  );
}
