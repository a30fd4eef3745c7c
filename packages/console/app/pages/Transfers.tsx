import { App as AntApp, Button, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { TransferRow } from "../api/views";
import { CursorPager } from "../CursorPager";
import { useLang } from "../i18n";
import { Loadable } from "../States";
import { useAsync } from "../useAsync";
import { TransferDetail } from "./transfers/TransferDetail";
import { TransferForm } from "./transfers/TransferForm";

const PAGE = 20;

/** 客户继承: transfers newest first (cursor pages), a new on-job or resigned transfer, each one's progress per customer. */
export default function Transfers() {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(async () => unwrap(await api.GET("/v1/transfers", { params: { query: { limit: PAGE, cursor } } })), [cursor]);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | undefined>();
  const stateTag = (s: TransferRow["state"]) =>
    s === "final" ? <Tag>{t.stateFinal}</Tag> : s === "open" ? <Tag color="processing">{t.stateOpen}</Tag> : <Tag color="warning">{t.statePlanning}</Tag>;

  return (
    <>
      <Typography.Title level={3}>{t.transfers}</Typography.Title>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" data-testid="transfer-create" onClick={() => setCreating(true)}>
          {t.newTransfer}
        </Button>
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1} emptyText={t.noTransfers}>
        {(d) => (
          <>
            <Table<TransferRow>
              data-testid="transfer-table"
              rowKey="transferId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              onRow={(r) => ({ onClick: () => setOpen(r.transferId), style: { cursor: "pointer" } })}
              columns={[
                { title: t.createdAt, render: (_, r) => new Date(r.createdAt).toLocaleString() },
                { title: t.transferKind, render: (_, r) => (r.resigned ? t.resignedKind : t.onJob) },
                { title: t.fromUser, dataIndex: "fromUserId" },
                { title: t.toUser, dataIndex: "toUserId" },
                { title: t.included, dataIndex: "included" },
                { title: t.excludedCount, dataIndex: "excluded" },
                { title: t.transferState, render: (_, r) => stateTag(r.state) },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
      {creating && (
        <TransferForm
          onClose={(created) => {
            setCreating(false);
            if (created) {
              message.success(t.transferCreated);
              setCursors([undefined]);
              list.reload();
              setOpen(created);
            }
          }}
        />
      )}
      {open && <TransferDetail transferId={open} onClose={() => setOpen(undefined)} />}
    </>
  );
}
