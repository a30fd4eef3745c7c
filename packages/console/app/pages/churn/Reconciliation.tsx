import { Alert, DatePicker, Descriptions, Empty, Form, type GetProps, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { Reconciliation, StaffReconciliation } from "../../api/churn";
import { fieldErrors, ProblemError } from "../../api/problem";
import { addDays, corpToday } from "../../days";
import { useLang, type Words } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { reconciliationOf } from "../churnSeries";

type PickerValue = GetProps<typeof DatePicker>["value"];

/** The API's English reasons (churn-stats' `domain/reconcile.ts`) in the console's words. */
const reason = (t: Words, r: string) =>
  ({
    "the day has not begun": t.reasonNotBegun,
    "WeCom keeps statistics for 180 days": t.reason180Days,
    "group statistics are served for days that are over": t.reasonGroupsAfterDay,
    "not asked: the run stopped early": t.reasonStoppedEarly,
  })[r] ?? r;

/** Why a member's figures differ, as the API defines it: a missed or late event, or counted differently by design. */
function explain(t: Words, s: StaffReconciliation): string {
  if (s.error) return t.wecomFailed.replace("{message}", reason(t, s.error.message));
  if (!s.wecom) return t.wecomNotAsked;
  if (!s.mismatch) return t.consistent;
  const parts = s.differences.map((d) =>
    (d.field === "added" ? t.diffAdded : t.diffLost).replace("{siyu}", String(d.siyu)).replace("{wecom}", String(d.wecom)).replace("{n}", String(Math.abs(d.wecom - d.siyu))).replace("{more}", d.wecom > d.siyu ? t.churnMore : t.churnFewer),
  );
  return [...parts, s.hint === "transfers" ? t.hintTransfers : t.mismatchMeaning].join("");
}

function Pair({ siyu, wecom }: { siyu: number; wecom: number | undefined }) {
  const differs = wecom !== undefined && wecom !== siyu;
  return (
    <Typography.Text type={differs ? "danger" : undefined} strong={differs}>
      {siyu} / {wecom ?? "—"}
    </Typography.Text>
  );
}

/** 对账: a day's stored reconciliation, Siyu's counters next to WeCom's behaviour data per member, differences explained. */
export function ReconciliationView() {
  const { t } = useLang();
  const yesterday = addDays(corpToday(), -1);
  const [day, setDay] = useState<{ date: string; picked?: PickerValue }>({ date: yesterday });
  const state = useAsync(() => reconciliationOf(day.date), [day.date]);
  const errors = state.error instanceof ProblemError ? fieldErrors(state.error.problem).get("date") : undefined;
  return (
    <>
      <Form layout="inline" style={{ marginBottom: 12 }}>
        <Form.Item label={t.reconDate} extra={t.reconSchedule} {...(errors ? { validateStatus: "error" as const, help: errors.join("; ") } : {})}>
          <DatePicker
            data-testid="recon-date"
            value={day.picked ?? null}
            placeholder={day.date}
            disabledDate={(d) => d.format("YYYY-MM-DD") > corpToday()}
            onChange={(picked, s) => setDay(picked && typeof s === "string" && s ? { date: s, picked } : { date: yesterday })}
          />
        </Form.Item>
      </Form>
      <Loadable {...state} isEmpty={(d) => d === null} emptyText={t.noReconciliation.replace("{day}", day.date)}>
        {(d) => (d ? <RunView run={d} /> : <Empty />)}
      </Loadable>
    </>
  );
}

function RunView({ run }: { run: Reconciliation }) {
  const { t } = useLang();
  return (
    <div data-testid="reconciliation">
      {run.partial && <Alert type="warning" showIcon title={t.reconPartial} style={{ marginBottom: 12 }} />}
      {run.stoppedEarly && <Alert type="warning" showIcon title={t.reconStoppedEarly.replace("{why}", run.stoppedEarly)} style={{ marginBottom: 12 }} />}
      <Alert type="info" showIcon title={t.reconMeaning} style={{ marginBottom: 12 }} />
      <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label={t.ranAt}>{new Date(run.ranAt).toLocaleString()}</Descriptions.Item>
        <Descriptions.Item label={t.staffCount}>{run.staffCount}</Descriptions.Item>
        <Descriptions.Item label={t.mismatches}>
          <Typography.Text type={run.mismatches ? "danger" : "success"} data-testid="recon-mismatches">
            {run.mismatches}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t.reconErrors}>{run.errors}</Descriptions.Item>
        <Descriptions.Item label={t.wecomCalls}>{run.wecomCalls}</Descriptions.Item>
        <Descriptions.Item label={t.groupChats}>
          {run.groupChats.fetched ? t.groupChatsFetched.replace("{n}", String(run.groupChats.owners)) : `${t.groupChatsMissing}：${reason(t, run.groupChats.reason ?? "")}`}
        </Descriptions.Item>
      </Descriptions>
      <Table<StaffReconciliation>
        data-testid="recon-table"
        size="small"
        rowKey="userId"
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        dataSource={run.staff}
        columns={[
          { title: t.staff, dataIndex: "userId" },
          { title: `${t.added}（${t.siyuVsWecom}）`, render: (_, s) => <Pair siyu={s.siyu.added} wecom={s.wecom?.newContactCnt} /> },
          { title: `${t.lost}（${t.siyuVsWecom}）`, render: (_, s) => <Pair siyu={s.siyu.lost} wecom={s.wecom?.negativeFeedbackCnt} /> },
          { title: t.transferredIn, render: (_, s) => s.siyu.transferredIn },
          {
            title: t.reconResult,
            render: (_, s) =>
              s.error || !s.wecom ? <Tag>{t.notFetched}</Tag> : s.mismatch ? <Tag color={s.hint ? "orange" : "red"}>{t.reconMismatch}</Tag> : <Tag color="green">{t.reconMatch}</Tag>,
          },
          { title: t.reconExplanation, render: (_, s) => <span data-testid="recon-explain">{explain(t, s)}</span> },
        ]}
      />
      {run.groupChatStats.length > 0 && (
        <Table<Reconciliation["groupChatStats"][number]>
          data-testid="recon-groups"
          title={() => t.groupChats}
          size="small"
          rowKey="owner"
          style={{ marginTop: 16 }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
          dataSource={run.groupChatStats}
          columns={(["owner", "newChatCnt", "chatTotal", "chatHasMsg", "newMemberCnt", "memberTotal", "memberHasMsg", "msgTotal"] as const).map((k) => ({ title: t[`group_${k}`], dataIndex: k }))}
        />
      )}
    </div>
  );
}
