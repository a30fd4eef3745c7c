import { Button, Descriptions, Drawer, Progress, Select, Space, Statistic, Table, Tag } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { TransferCustomerStatus } from "../../api/views";
import { CursorPager } from "../../CursorPager";
import { useLang } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { reasonText, STATUS_COLOR, statusText } from "./words";

const STATUSES: TransferCustomerStatus[] = ["pending", "waiting", "done", "refused", "taker-at-cap", "failed", "excluded"];

/** One transfer: who to whom, its counts per status, and its customers (by status, cursor pages). */
export function TransferDetail({ transferId, onClose }: { transferId: string; onClose(): void }) {
  const { t } = useLang();
  const [status, setStatus] = useState<TransferCustomerStatus | undefined>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const detail = useAsync(
    async () => unwrap(await api.GET("/v1/transfers/{transferId}", { params: { path: { transferId }, query: { limit: 50, cursor, status } } })),
    [transferId, status, cursor],
  );
  return (
    <Drawer open size="large" title={t.transferDetail} onClose={onClose} destroyOnHidden>
      <Loadable {...detail}>
        {(d) => {
          // every status is counted (the service's record is exhaustive), but the OpenAPI document has the counts as a plain string-keyed record
          const count = (s: TransferCustomerStatus) => d.counts[s] ?? 0;
          const sent = d.total - count("excluded");
          const settled = count("done") + count("refused") + count("taker-at-cap") + count("failed");
          return (
            <Space orientation="vertical" size="large" style={{ width: "100%" }} data-testid="transfer-detail">
              <Descriptions column={2} bordered size="small">
                <Descriptions.Item label={t.fromUser}>{d.fromUserId}</Descriptions.Item>
                <Descriptions.Item label={t.toUser}>{d.toUserId}</Descriptions.Item>
                <Descriptions.Item label={t.transferKind}>{d.resigned ? t.resignedKind : t.onJob}</Descriptions.Item>
                <Descriptions.Item label={t.createdAt}>{new Date(d.createdAt).toLocaleString()}</Descriptions.Item>
                {d.successMessage && <Descriptions.Item label={t.transferMessage} span={2}>{d.successMessage}</Descriptions.Item>}
              </Descriptions>
              <Progress percent={sent ? Math.round((settled / sent) * 100) : 100} success={{ percent: sent ? Math.round((count("done") / sent) * 100) : 0 }} />
              <Space wrap size="large">
                {STATUSES.map((s) => (
                  <Statistic key={s} title={statusText(t, s)} value={count(s)} data-testid={`transfer-count-${s}`} />
                ))}
              </Space>
              <Space>
              <Select<TransferCustomerStatus | "all">
                style={{ width: 200 }}
                value={status ?? "all"}
                onChange={(v) => {
                  setStatus(v === "all" ? undefined : v);
                  setCursors([undefined]);
                }}
                options={[{ value: "all", label: t.allStatuses }, ...STATUSES.map((s) => ({ value: s, label: statusText(t, s) }))]}
              />
              <Button onClick={detail.reload} loading={detail.loading} data-testid="transfer-refresh">
                {t.refresh}
              </Button>
              </Space>
              <Table
                data-testid="transfer-customers-table"
                size="small"
                rowKey="externalUserId"
                pagination={false}
                dataSource={d.customers}
                columns={[
                  { title: t.customer, dataIndex: "externalUserId" },
                  { title: t.status, render: (_, c) => <Tag color={STATUS_COLOR[c.status]}>{statusText(t, c.status)}</Tag> },
                  { title: t.reason, render: (_, c) => (c.reason ? `${reasonText(t, c.reason)}${c.errcode ? ` (${c.errcode})` : ""}` : "—") },
                  { title: t.eligibleAt, render: (_, c) => (c.eligibleAt ? new Date(c.eligibleAt).toLocaleString() : "—") },
                ]}
              />
              <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} />
            </Space>
          );
        }}
      </Loadable>
    </Drawer>
  );
}
