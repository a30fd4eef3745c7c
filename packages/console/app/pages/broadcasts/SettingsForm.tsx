import { Alert, App as AntApp, Button, Card, Col, Form, Input, InputNumber, Radio, Row, Select, Space, Typography } from "antd";
import { useState } from "react";
import type { AudienceSettings, BroadcastSettings } from "../../api/broadcasts";
import { api } from "../../api/client";
import { clearFormErrors } from "../../api/formErrors";
import { describeProblem, ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { applyProblem } from "./formBody";

/** 设置: the corp's receive rule per audience kind (as set in 群发助手 → 设置群发规则), stricter caps and quiet hours. */
export function SettingsForm() {
  const settings = useAsync(async () => unwrap(await api.GET("/v1/broadcasts/settings")), []);
  return (
    <Loadable {...settings}>
      {(s) => <SettingsEditor initial={s} onSaved={settings.reload} />}
    </Loadable>
  );
}

function SettingsEditor({ initial, onSaved }: { initial: BroadcastSettings; onSaved(): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<BroadcastSettings>();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string>();

  const save = async () => {
    const v = form.getFieldsValue(true) as BroadcastSettings;
    setBusy(true);
    setFormError(undefined);
    clearFormErrors(form);
    try {
      unwrap(await api.PUT("/v1/broadcasts/settings", { body: { customers: v.customers, groups: v.groups } }));
      message.success(t.bcSettingsSaved);
      onSaved();
    } catch (err) {
      if (err instanceof ProblemError) {
        const rest = applyProblem(form, err.problem);
        if (rest.length || !err.problem.errors?.length) setFormError([describeProblem(err.problem), ...rest].join("; "));
      } else setFormError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} />}
      <Typography.Paragraph type="secondary">{t.bcSettingsHint}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={initial} data-testid="bc-settings">
        <Row gutter={16}>
          {(["customers", "groups"] as const).map((kind) => (
            <Col span={12} key={kind}>
              <AudienceRules kind={kind} />
            </Col>
          ))}
        </Row>
      </Form>
      {initial.updatedAt && <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>{`${t.bcUpdatedAt}${new Date(initial.updatedAt).toLocaleString()}`}</Typography.Paragraph>}
      <Button type="primary" loading={busy} onClick={save} data-testid="bc-settings-save">
        {t.bcSaveSettings}
      </Button>
    </>
  );
}

/** One audience kind's rules: WeCom's setting, operator caps (kind + limit), quiet hours (HH:MM ranges). */
function AudienceRules({ kind }: { kind: "customers" | "groups" }) {
  const { t } = useLang();
  const rule: Record<AudienceSettings["wecom"], string> = { month: t.bcRuleMonth, week: t.bcRuleWeek, day: t.bcRuleDay };
  const per = [
    { value: "day", label: t.bcPerDay },
    { value: "week", label: t.bcPerWeek },
    { value: "month", label: t.bcPerMonth },
  ];
  return (
    <Card size="small" title={kind === "customers" ? t.bcChatSingle : t.bcChatGroup}>
      <Form.Item name={[kind, "wecom"]} label={t.bcWecomRule}>
        <Radio.Group data-testid={`bc-rule-${kind}`} options={(["month", "week", "day"] as const).map((value) => ({ value, label: rule[value] }))} />
      </Form.Item>
      <Form.List name={[kind, "caps"]}>
        {(rows, { add, remove }) => (
          <Form.Item label={t.bcCaps} extra={t.bcCapsHint}>
            <Space orientation="vertical">
              {rows.map((row) => (
                <Space key={row.key}>
                  <Form.Item name={[row.name, "kind"]} noStyle>
                    <Select style={{ width: 100 }} options={per} />
                  </Form.Item>
                  <Form.Item name={[row.name, "limit"]} noStyle>
                    <InputNumber min={0} addonAfter={t.bcMessages} />
                  </Form.Item>
                  <Button type="link" danger onClick={() => remove(row.name)}>
                    {t.bcRemove}
                  </Button>
                </Space>
              ))}
              <Button onClick={() => add({ kind: "week", limit: 2 })}>{t.bcAddCap}</Button>
            </Space>
          </Form.Item>
        )}
      </Form.List>
      <Form.List name={[kind, "quietHours"]}>
        {(rows, { add, remove }) => (
          <Form.Item label={t.bcQuietHours} extra={t.bcQuietHint} data-testid={`bc-quiet-${kind}`}>
            <Space orientation="vertical">
              {rows.map((row) => (
                <Space key={row.key}>
                  <Form.Item name={[row.name, "from"]} noStyle>
                    <Input style={{ width: 90 }} placeholder="21:00" data-testid={`bc-quiet-from-${kind}`} />
                  </Form.Item>
                  ~
                  <Form.Item name={[row.name, "to"]} noStyle>
                    <Input style={{ width: 90 }} placeholder="08:00" />
                  </Form.Item>
                  <Button type="link" danger onClick={() => remove(row.name)}>
                    {t.bcRemove}
                  </Button>
                </Space>
              ))}
              <Button data-testid={`bc-add-quiet-${kind}`} onClick={() => add({ from: "21:00", to: "08:00" })}>
                {t.bcAddQuiet}
              </Button>
            </Space>
          </Form.Item>
        )}
      </Form.List>
    </Card>
  );
}
