import { Alert, Card, Col, Descriptions, Row, Statistic, Table, Tag } from "antd";
import type { ExclusionReason, Preview } from "../../api/broadcasts";
import { useLang } from "../../i18n";
import { fill, reasonText } from "./labels";
import { RecipientName } from "./RecipientName";

/** One row of the left-out table: a left-out recipient, or a duplicate follow relation. */
interface LeftOut {
  key: string;
  id: string;
  userId?: string;
  text: string;
  reason: ExclusionReason;
}

const REASONS: readonly ExclusionReason[] = ["quota", "not-a-follower", "excluded-tag", "quiet-hours", "duplicate"];

/**
 * 发送计划: what a run would do now — who receives it, per sender, how many add_msg_template calls —
 * and everyone left out with the reason (WeCom's receive rule with its window, exclusion tags, …),
 * shown before anything is sent.
 */
export function PlanView({ plan }: { plan: Preview }) {
  const { t, lang } = useLang();
  const reasonName = (r: ExclusionReason) => reasonText(t, r === "quota" ? { reason: "quota" } : { reason: r });
  // a customer comes with the staff member who follows them (`userId`), a group with its owner (`ownerUserId`)
  const rows: LeftOut[] = [
    ...plan.excluded.map((e) => {
      const [id, userId] = "chatId" in e ? [e.chatId, e.ownerUserId] : [e.externalUserId, e.userId];
      return { key: `${id}/x`, id, userId, text: reasonText(t, e), reason: e.reason };
    }),
    ...plan.duplicates.map((d) => {
      const [id, userId] = "chatId" in d ? [d.chatId, d.ownerUserId] : [d.externalUserId, d.userId];
      return {
        key: `${id}/${userId}`,
        id,
        userId,
        text: `${reasonText(t, { reason: "duplicate" })}（${fill(t.bcRoutedTo, { userId: d.routedTo })}）`,
        reason: "duplicate" as const,
      };
    }),
  ];
  return (
    <Card title={t.bcPlan} data-testid="bc-plan" size="small">
      {plan.quietUntil && <Alert type="warning" showIcon title={fill(t.bcQuietUntil, { at: new Date(plan.quietUntil).toLocaleString(lang === "en" ? "en" : "zh-CN") })} style={{ marginBottom: 12 }} />}
      <Row gutter={16}>
        <Col span={6}>
          <Statistic title={t.bcPlanned} value={plan.planned} data-testid="bc-plan-planned" />
        </Col>
        <Col span={6}>
          <Statistic title={t.bcAudienceCount} value={plan.audience} />
        </Col>
        <Col span={6}>
          <Statistic title={t.bcSenders} value={plan.senders} />
        </Col>
        <Col span={6}>
          <Statistic title={t.bcCalls} value={plan.calls} />
        </Col>
      </Row>
      <Descriptions size="small" column={2} style={{ marginTop: 12 }}>
        <Descriptions.Item label={t.bcPlanAt}>{new Date(plan.at).toLocaleString()}</Descriptions.Item>
        <Descriptions.Item label={t.bcDeadline}>{new Date(plan.deadline).toLocaleString()}</Descriptions.Item>
        <Descriptions.Item label={t.bcPerSender} span={2}>
          <span data-testid="bc-plan-senders">
            {Object.entries(plan.perSender).map(([userId, n]) => (
              <Tag key={userId}>
                {userId} · {n}
              </Tag>
            ))}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t.bcExcludedCounts} span={2}>
          {REASONS.filter((r) => (plan.excludedCounts[r] ?? 0) > 0).map((r) => (
            <Tag key={r} color={r === "quota" ? "volcano" : "default"}>
              {reasonName(r)} · {plan.excludedCounts[r]}
            </Tag>
          ))}
          {REASONS.every((r) => !plan.excludedCounts[r]) && t.bcNoneExcluded}
        </Descriptions.Item>
      </Descriptions>
      {rows.length > 0 && (
        <Table<LeftOut>
          data-testid="bc-plan-excluded"
          size="small"
          rowKey="key"
          title={() => `${t.bcExcluded}${plan.excludedTruncated ? t.bcExcludedTruncated : ""}`}
          dataSource={rows}
          pagination={rows.length > 10 ? { pageSize: 10 } : false}
          columns={[
            { title: t.customer, render: (_, r) => <RecipientName id={r.id} group={plan.chatType === "group"} /> },
            { title: t.staff, dataIndex: "userId" },
            { title: t.bcReason, render: (_, r) => <Tag color={r.reason === "quota" ? "volcano" : "default"}>{r.text}</Tag> },
          ]}
        />
      )}
    </Card>
  );
}
