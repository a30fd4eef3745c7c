import { Alert, App as AntApp, Button, Card, Col, Descriptions, Popconfirm, Progress, Row, Select, Space, Statistic, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { Campaign, CampaignDetail as Detail, StaffProgress } from "../../api/broadcasts";
import { api } from "../../api/client";
import { ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { cancelCampaign } from "./CampaignList";
import {
  audienceSummary,
  campaignStatusColor,
  campaignStatusLabel,
  cancellable,
  editable,
  fill,
  runStateLabel,
  scheduleSummary,
  staffTaskColor,
  staffTaskLabel,
} from "./labels";
import { RecipientsTable } from "./RecipientsTable";

/** An action's answer as shown under the buttons: what was reminded or synced, or why not. */
type Notice = { type: "success" | "warning" | "error"; text: string };

/**
 * 群发详情: the campaign, the selected run's funnel, each staff member's task (created → sent in the
 * client), the recipients with their states, and the operator's 提醒员工 and 同步结果 with their answers.
 */
export function CampaignDetail({ campaignId, onBack, onEdit }: { campaignId: string; onBack(): void; onEdit(c: Campaign): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [run, setRun] = useState<string>();
  const [synced, setSynced] = useState<Detail>();
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState<"remind" | "sync">();
  const detail = useAsync(async () => unwrap(await api.GET("/v1/broadcasts/{campaignId}", { params: { path: { campaignId }, query: { run } } })), [campaignId, run]);
  const [recipientsVersion, setRecipientsVersion] = useState(0);
  const d = synced ?? detail.data;

  const remind = async () => {
    setBusy("remind");
    try {
      const r = unwrap(await api.POST("/v1/broadcasts/{campaignId}/remind", { params: { path: { campaignId } } }));
      const exhausted = r.exhausted.map((e) => e.userId);
      setNotice({ type: "success", text: `${fill(t.bcReminded, { who: r.reminded.join("、") })}${exhausted.length ? `；${fill(t.bcRemindExhaustedFor, { who: exhausted.join("、") })}` : ""}` });
    } catch (err) {
      const p = err instanceof ProblemError ? err.problem : undefined;
      if (p?.status === 429) {
        const nextAt = (p as { nextAt?: string | null }).nextAt;
        setNotice({ type: "warning", text: fill(t.bcRemindExhausted, { at: nextAt ? new Date(nextAt).toLocaleString() : "—" }) });
      } else if (p?.status === 409) setNotice({ type: "warning", text: `${t.bcNothingToRemind}（${describe(err)}）` });
      else setNotice({ type: "error", text: describe(err) });
    } finally {
      setBusy(undefined);
    }
  };

  const sync = async () => {
    setBusy("sync");
    try {
      const r = unwrap(await api.POST("/v1/broadcasts/{campaignId}/sync", { params: { path: { campaignId }, query: { run } } }));
      setSynced(r);
      setRecipientsVersion((n) => n + 1);
      setNotice({ type: "success", text: fill(t.bcSynced, { n: r.synced, at: new Date().toLocaleTimeString() }) });
    } catch (err) {
      setNotice({ type: "error", text: describe(err) });
    } finally {
      setBusy(undefined);
    }
  };

  const cancel = async () => {
    try {
      await cancelCampaign(campaignId);
      message.success(t.bcCancelledOk);
      setSynced(undefined);
      detail.reload();
      setRecipientsVersion((n) => n + 1);
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button onClick={onBack} data-testid="bc-back">
          {t.bcBack}
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t.bcDetail}
        </Typography.Title>
      </Space>
      <Loadable {...detail} data={d}>
        {(c) => (
          <div data-testid="bc-detail">
            <Card
              size="small"
              title={
                <Space>
                  {c.name}
                  <Tag color={campaignStatusColor[c.status]} data-testid="bc-detail-status">
                    {campaignStatusLabel(t, c.status)}
                  </Tag>
                </Space>
              }
              extra={
                <Space>
                  <Button data-testid="bc-remind" loading={busy === "remind"} onClick={remind} disabled={c.run?.state !== "tracking"}>
                    {t.bcRemind}
                  </Button>
                  <Button type="primary" data-testid="bc-sync" loading={busy === "sync"} onClick={sync}>
                    {t.bcSync}
                  </Button>
                  {editable(c.status) && <Button onClick={() => onEdit(c)}>{t.bcEditShort}</Button>}
                  {cancellable(c.status) && (
                    <Popconfirm title={t.bcCancelConfirm} onConfirm={cancel} okText={t.bcCancelCampaign} cancelText={t.cancel}>
                      <Button danger>{t.bcCancelCampaign}</Button>
                    </Popconfirm>
                  )}
                </Space>
              }
              style={{ marginBottom: 16 }}
            >
              {notice && <Alert type={notice.type} showIcon title={notice.text} closable={{ onClose: () => setNotice(undefined) }} style={{ marginBottom: 12 }} data-testid="bc-notice" />}
              <Descriptions size="small" column={2}>
                <Descriptions.Item label={t.bcSchedule}>{scheduleSummary(t, c)}</Descriptions.Item>
                <Descriptions.Item label={t.bcDeadline}>{(c.run?.deadline ?? c.deadline) ? new Date((c.run?.deadline ?? c.deadline)!).toLocaleString() : t.bcDeadlineHint}</Descriptions.Item>
                <Descriptions.Item label={t.bcAudience}>{audienceSummary(t, c.audience)}</Descriptions.Item>
                <Descriptions.Item label={t.bcReminders}>{c.reminders.auto ? fill(t.bcReminderAt, { hours: c.reminders.hoursBeforeDeadline.join("、") }) : t.bcOff}</Descriptions.Item>
                <Descriptions.Item label={t.bcText} span={2}>
                  <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{c.content.text ?? "—"}</Typography.Paragraph>
                </Descriptions.Item>
                {c.content.attachments.length > 0 && <Descriptions.Item label={t.bcAttachments}>{fill(t.bcNAttachments, { n: c.content.attachments.length })}</Descriptions.Item>}
              </Descriptions>
            </Card>
            {c.runsList.length > 1 && (
              <Select
                style={{ width: 360, marginBottom: 16 }}
                value={c.run?.runKey}
                onChange={(v: string) => {
                  setSynced(undefined);
                  setRun(v);
                }}
                options={c.runsList.map((r) => ({ value: r.runKey, label: `${new Date(r.at).toLocaleString()} · ${runStateLabel(t, r.state)}` }))}
              />
            )}
            {c.run ? <RunProgress d={c} /> : <Alert type="info" showIcon title={t.bcNoRun} style={{ marginBottom: 16 }} />}
            <Card size="small" title={t.bcRecipientsTitle}>
              <RecipientsTable campaignId={campaignId} runKey={c.run?.runKey} group={c.audience.chatType === "group"} version={recipientsVersion} />
            </Card>
          </div>
        )}
      </Loadable>
    </>
  );
}

/** The run's funnel (planned → tasked → confirmed → delivered) and each member's task, with Progress bars. */
function RunProgress({ d }: { d: Detail }) {
  const { t } = useLang();
  const run = d.run!;
  const f = run.funnel;
  const staffSent = d.staff.filter((s) => s.task === "sent").length;
  const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 100) : 0);
  return (
    <Card size="small" title={`${t.bcRun} · ${runStateLabel(t, run.state)}`} style={{ marginBottom: 16 }} data-testid="bc-run">
      <Row gutter={16} style={{ marginBottom: 12 }}>
        {(
          [
            [t.bcPlanned, f.planned],
            [t.bcTasked, f.tasked],
            [t.bcConfirmed, f.confirmed],
            [t.bcRcDelivered, f.delivered],
            [t.bcRcWaiting, f.waiting],
            [t.bcRcNotAFriend, f.notAFriend],
            [t.bcRcQuotaHit, f.quotaHit],
            [t.bcFailed, f.failed],
          ] as const
        ).map(([title, value]) => (
          <Col span={3} key={title}>
            <Statistic title={title} value={value} />
          </Col>
        ))}
      </Row>
      <Row gutter={24} style={{ marginBottom: 12 }}>
        <Col span={12} data-testid="bc-progress-staff">
          <Typography.Text>{fill(t.bcStaffSentOf, { n: staffSent, of: d.staff.length })}</Typography.Text>
          <Progress percent={pct(staffSent, d.staff.length)} />
        </Col>
        <Col span={12} data-testid="bc-progress-delivered">
          <Typography.Text>{fill(t.bcDeliveredOf, { n: f.delivered, of: f.planned })}</Typography.Text>
          <Progress percent={pct(f.delivered, f.planned)} status={run.state === "done" || run.state === "cancelled" ? "normal" : "active"} />
        </Col>
      </Row>
      <Table<StaffProgress>
        data-testid="bc-staff"
        size="small"
        rowKey="userId"
        dataSource={d.staff}
        pagination={false}
        columns={[
          { title: t.staff, dataIndex: "userId" },
          { title: t.bcTask, render: (_, s) => <Tag color={staffTaskColor[s.task]}>{staffTaskLabel(t, s.task)}</Tag> },
          {
            title: t.bcProgress,
            width: 240,
            // created (the task exists) → sent (the member confirmed it in the WeCom client)
            render: (_, s) => <Progress steps={2} size={[56, 8]} percent={s.task === "sent" ? 100 : s.task === "waiting" ? 50 : 0} status={s.task === "failed" || s.task === "cancelled" ? "exception" : undefined} format={() => staffTaskLabel(t, s.task)} />,
          },
          { title: t.bcRecipientCount, dataIndex: "recipients" },
          { title: t.bcSendTime, render: (_, s) => (s.sendTime ? new Date(s.sendTime).toLocaleString() : "—") },
        ]}
      />
    </Card>
  );
}
