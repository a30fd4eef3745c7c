import { App as AntApp, Button, Form, InputNumber, Typography } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import type { MomentSettings } from "../../api/moments";
import { fieldErrors, ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import type { useAsync } from "../../useAsync";
import { shortTime } from "./corpTime";
import { fill } from "./labels";

/** 设置: how many moments a customer may see a day (the corp's setting planning counts against). */
export function SettingsPanel({ settings }: { settings: ReturnType<typeof useAsync<MomentSettings>> }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ customerPostsPerDay: number | null }>();
  const [busy, setBusy] = useState(false);
  const save = async (v: { customerPostsPerDay: number | null }) => {
    setBusy(true);
    try {
      unwrap(await api.PUT("/v1/moments/settings", { body: { customerPostsPerDay: v.customerPostsPerDay ?? 0 } }));
      message.success(t.settingsSaved);
      settings.reload();
    } catch (err) {
      if (err instanceof ProblemError && err.problem.errors?.length) form.setFields([{ name: "customerPostsPerDay", errors: [...fieldErrors(err.problem).values()].flat() }]);
      else message.error(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Loadable {...settings}>
      {(s) => (
        <Form form={form} layout="vertical" initialValues={{ customerPostsPerDay: s.customerPostsPerDay }} onFinish={save} style={{ maxWidth: 520 }} data-testid="moment-settings">
          <Form.Item name="customerPostsPerDay" label={t.customerPostsPerDay} extra={t.customerPostsPerDayHint}>
            <InputNumber min={1} max={20} data-testid="moment-customer-posts" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="moment-settings-save">
            {t.momentSave}
          </Button>
          {s.updatedAt && (
            <Typography.Text type="secondary" style={{ marginLeft: 12 }}>
              {fill(t.momentSettingsUpdated, { at: shortTime(s.updatedAt) })}
            </Typography.Text>
          )}
        </Form>
      )}
    </Loadable>
  );
}
