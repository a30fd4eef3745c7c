import { Alert, Table, Tag, Typography } from "antd";
import type { MomentPlan, RefusedRun } from "../../api/moments";
import { useLang } from "../../i18n";
import { shortTime } from "./corpTime";
import { fill, reasonText } from "./labels";

interface PlanRow {
  at: string;
  kind: "ok" | "moved" | "refused";
  from?: string;
  reason?: string;
  detail?: string;
}

/** Every run of a plan in time order: to be posted, moved (from → to, why) or refused (why), reasons in Chinese. */
export function PlanView({ plan, customerPostsPerDay }: { plan: Pick<MomentPlan, "schedule" | "moved" | "refused">; customerPostsPerDay: number | undefined }) {
  const { t } = useLang();
  const moved = new Map(plan.moved.map((m) => [m.to, m]));
  const rows: PlanRow[] = [
    ...plan.schedule.map((at): PlanRow => {
      const m = moved.get(at);
      return m ? { at, kind: "moved", from: m.from, reason: reasonText(t, m.reason, customerPostsPerDay), detail: m.detail } : { at, kind: "ok" };
    }),
    ...plan.refused.map((r): PlanRow => ({ at: r.at, kind: "refused", reason: reasonText(t, r.reason, customerPostsPerDay), detail: r.detail })),
  ].sort((a, b) => (a.at < b.at ? -1 : 1));
  const tag = { ok: <Tag color="green">{t.momentPlanOk}</Tag>, moved: <Tag color="orange">{t.momentPlanMoved}</Tag>, refused: <Tag color="red">{t.momentPlanRefused}</Tag> };
  return (
    <div data-testid="moment-plan">
      <Typography.Title level={5}>
        {t.momentPlan} · {fill(t.momentPlanRuns, { n: plan.schedule.length })}
      </Typography.Title>
      <Table<PlanRow>
        size="small"
        rowKey={(r) => `${r.kind}-${r.at}`}
        pagination={rows.length > 8 ? { pageSize: 8, size: "small" } : false}
        dataSource={rows}
        columns={[
          { title: t.momentState, width: 96, render: (_, r) => tag[r.kind] },
          {
            title: t.runAt,
            render: (_, r) => (
              <>
                {r.kind === "moved" ? fill(t.movedTo, { from: shortTime(r.from), to: shortTime(r.at) }) : shortTime(r.at)}
                {r.reason && (
                  <div data-testid={`plan-reason-${r.kind}`} style={{ marginTop: 4 }}>
                    {r.reason}
                    <Typography.Text type="secondary" style={{ display: "block", fontSize: 12 }}>
                      {r.detail}
                    </Typography.Text>
                  </div>
                )}
              </>
            ),
          },
        ]}
      />
    </div>
  );
}

/** A create or edit the API refused (422 `daily-limit`): the runs that would break a limit, and why. */
export function RefusedAlert({ refused, customerPostsPerDay }: { refused: RefusedRun[]; customerPostsPerDay: number | undefined }) {
  const { t } = useLang();
  return (
    <Alert
      type="error"
      showIcon
      data-testid="moment-refused"
      title={t.momentRefusedTitle}
      description={<PlanView plan={{ schedule: [], moved: [], refused }} customerPostsPerDay={customerPostsPerDay} />}
      style={{ marginBottom: 16 }}
    />
  );
}
