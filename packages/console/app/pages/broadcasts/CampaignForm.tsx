import { Alert, App as AntApp, Button, Card, DatePicker, Form, Input, Radio, Select, Space, Switch, Typography } from "antd";
import { useMemo, useState } from "react";
import type { Campaign, Preview } from "../../api/broadcasts";
import { api } from "../../api/client";
import { clearFormErrors } from "../../api/formErrors";
import { describeProblem, ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { AttachmentsField } from "./AttachmentsField";
import { AudienceFields } from "./AudienceFields";
import { applyProblem, audienceOf, bodyOf, EMPTY_FORM, type FormValues, formOf, type StoredDates, scheduleOf } from "./formBody";
import { PlanView } from "./PlanView";

/** What the preview depends on: a plan is current while these are unchanged. */
const planKey = (v: FormValues, kept: StoredDates) => JSON.stringify([audienceOf(v, kept), scheduleOf(v, kept), v.deadline ? v.deadline.format() : kept.deadline]);

/**
 * 新建 / 编辑群发. The operator previews the plan first (who receives it, per sender, and who is left
 * out by WeCom's rules, with why); only a plan of the current audience and schedule lets the campaign
 * be created. The API validates: each error goes on the field its path names, the rest above the form.
 */
export function CampaignForm({ campaign, onDone }: { campaign?: Campaign; onDone(campaignId?: string): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<FormValues>();
  const initial = useMemo(() => (campaign ? formOf(campaign) : { values: EMPTY_FORM, kept: {} }), [campaign]);
  const kept = initial.kept;
  const [plan, setPlan] = useState<{ key: string; preview: Preview }>();
  const [busy, setBusy] = useState<"preview" | "submit">();
  const [formError, setFormError] = useState<string>();
  const [, setTick] = useState(0);
  const current = plan && plan.key === planKey(form.getFieldsValue(true) as FormValues, kept);

  const fail = (err: unknown) => {
    if (err instanceof ProblemError) {
      const rest = applyProblem(form, err.problem);
      setFormError(rest.length || !err.problem.errors?.length ? [describeProblem(err.problem), ...rest].join("; ") : undefined);
    } else setFormError(describe(err));
  };

  const preview = async () => {
    const v = form.getFieldsValue(true) as FormValues;
    setBusy("preview");
    setFormError(undefined);
    try {
      const b = bodyOf(v, kept);
      clearFormErrors(form);
      // the OpenAPI document has this route's body as an empty object (`Record<string, never>`), so the real one is cast to pass
      const p = unwrap(await api.POST("/v1/broadcasts/preview", { body: { audience: b.audience, schedule: b.schedule, ...(b.deadline ? { deadline: b.deadline } : {}) } as never }));
      setPlan({ key: planKey(v, kept), preview: p });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  const submit = async () => {
    const body = bodyOf(form.getFieldsValue(true) as FormValues, kept);
    setBusy("submit");
    setFormError(undefined);
    clearFormErrors(form);
    try {
      const saved = campaign
        ? unwrap(await api.PATCH("/v1/broadcasts/{campaignId}", { params: { path: { campaignId: campaign.campaignId } }, body: { ...body, deadline: body.deadline ?? null } }))
        : unwrap(await api.POST("/v1/broadcasts", { body }));
      message.success(campaign ? t.bcSaved : t.bcCreated);
      onDone(saved.campaignId);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button onClick={() => onDone()} data-testid="bc-back">
          {t.bcBack}
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {campaign ? t.bcEdit : t.bcNew}
        </Typography.Title>
      </Space>
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="horizontal" labelCol={{ span: 5 }} wrapperCol={{ span: 17 }} initialValues={initial.values} onValuesChange={() => setTick((n) => n + 1)} data-testid="bc-form">
        <Card title={t.bcContent} size="small" style={{ marginBottom: 16 }}>
          <Form.Item name="name" label={t.bcName}>
            <Input data-testid="bc-name" maxLength={100} />
          </Form.Item>
          <Form.Item name={["content", "text"]} label={t.bcText}>
            <Input.TextArea data-testid="bc-text" rows={4} showCount />
          </Form.Item>
          <AttachmentsField />
        </Card>
        <Card title={t.bcAudience} size="small" style={{ marginBottom: 16 }}>
          <AudienceFields kept={kept} />
        </Card>
        <Card title={t.bcScheduleAndOptions} size="small" style={{ marginBottom: 16 }}>
          <ScheduleFields kept={kept} />
        </Card>
      </Form>
      {plan && <div style={{ opacity: current ? 1 : 0.5, marginBottom: 16 }}><PlanView plan={plan.preview} /></div>}
      {plan && !current && <Alert type="info" showIcon title={t.bcPreviewStale} style={{ marginBottom: 16 }} />}
      <Space>
        <Button data-testid="bc-preview" loading={busy === "preview"} onClick={preview}>
          {t.bcPreview}
        </Button>
        <Button type="primary" data-testid="bc-submit" disabled={!current} loading={busy === "submit"} onClick={submit}>
          {campaign ? t.bcSave : t.bcCreate}
        </Button>
        {!current && <Typography.Text type="secondary">{t.bcPreviewFirst}</Typography.Text>}
      </Space>
    </>
  );
}

/** 发送时间 (now, at an instant, or a cron until a day), the task deadline, automatic reminders and allow_select. */
function ScheduleFields({ kept }: { kept: StoredDates }) {
  const { t } = useLang();
  const keptText = (iso?: string) => (iso ? `${t.bcCurrent}${new Date(iso).toLocaleString()}` : undefined);
  return (
    <>
      <Form.Item name={["schedule", "kind"]} label={t.bcSchedule}>
        <Radio.Group data-testid="bc-schedule-kind">
          <Radio.Button value="now">{t.bcNow}</Radio.Button>
          <Radio.Button value="at">{t.bcAt}</Radio.Button>
          <Radio.Button value="recurring">{t.bcRecurring}</Radio.Button>
        </Radio.Group>
      </Form.Item>
      <Form.Item noStyle shouldUpdate={(a, b) => a.schedule?.kind !== b.schedule?.kind || a.audience?.chatType !== b.audience?.chatType}>
        {(form) => {
          const kind = form.getFieldValue(["schedule", "kind"]);
          return (
            <>
              {kind === "at" && (
                <Form.Item name={["schedule", "at"]} label={t.bcAtTime} extra={keptText(kept.at)}>
                  <DatePicker showTime data-testid="bc-at" />
                </Form.Item>
              )}
              {kind === "recurring" && (
                <>
                  <Form.Item name={["schedule", "cron"]} label={t.bcCron} extra={t.bcCronHint}>
                    <Input data-testid="bc-cron" placeholder="0 10 ? * MON *" />
                  </Form.Item>
                  <Form.Item name={["schedule", "until"]} label={t.bcUntil} extra={keptText(kept.until)}>
                    <DatePicker showTime />
                  </Form.Item>
                </>
              )}
              {kind !== "recurring" && (
                <Form.Item name="deadline" label={t.bcDeadline} extra={keptText(kept.deadline) ?? t.bcDeadlineHint}>
                  <DatePicker showTime />
                </Form.Item>
              )}
              <Form.Item name={["reminders", "auto"]} label={t.bcReminders} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name={["reminders", "hoursBeforeDeadline"]} label={t.bcReminderHours} extra={t.bcReminderHint}>
                <Select mode="tags" open={false} tokenSeparators={[",", " "]} style={{ width: 240 }} />
              </Form.Item>
              {form.getFieldValue(["audience", "chatType"]) !== "group" && (
                <Form.Item name="allowSelect" label={t.bcAllowSelect} valuePropName="checked">
                  <Switch />
                </Form.Item>
              )}
            </>
          );
        }}
      </Form.Item>
    </>
  );
}
