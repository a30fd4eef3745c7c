import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Form, Input, InputNumber, Modal, Select, Space } from "antd";
import type React from "react";
import { useState } from "react";
import { api } from "../../api/client";
import { clearFormErrors, problemOnForm } from "../../api/formErrors";
import { ProblemError, unwrap } from "../../api/problem";
import type { Channel } from "../../api/views";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { useAsync } from "../../useAsync";

type Rotation = "wecom-random" | "round-robin" | "weighted";

interface ChannelFormValues {
  name?: string;
  staff?: { userId?: string; dailyCap?: number | null; weight?: number | null }[];
  rotation?: Rotation;
  tagIds?: string[];
  welcomeText?: string;
}

const FIELDS = ["name", "staff", "rotation", "tagIds", "welcome"] as const;

/** The form's values as the API's body (create: every field; edit: the same fields, replacing the stored ones). */
function bodyOf(v: ChannelFormValues, editing: Channel | undefined) {
  const staff = (v.staff ?? []).map((m) => ({
    userId: (m.userId ?? "").trim(),
    ...(m.dailyCap != null ? { dailyCap: m.dailyCap } : {}),
    ...(m.weight != null ? { weight: m.weight } : {}),
  }));
  const text = v.welcomeText?.trim();
  const welcome = text ? { text, attachments: editing?.welcome?.attachments ?? [] } : editing?.welcome?.attachments?.length ? { attachments: editing.welcome.attachments } : undefined;
  return {
    name: v.name ?? "",
    staff,
    rotation: v.rotation ?? "wecom-random",
    tagIds: v.tagIds ?? [],
    ...(welcome ? { welcome } : editing?.welcome ? { welcome: null } : {}),
  };
}

/**
 * 新建 / 编辑渠道活码: name, the staff with each member's daily add cap (and weight under weighted
 * rotation), rotation, the tags every add gets, the welcome text. The API validates (one set of
 * rules, in the domain); each error of its problem goes on the field it names — `body.staff.1.dailyCap`
 * on that member's cap — the rest above the form.
 */
export function ChannelForm({ editing, onClose }: { editing?: Channel; onClose(saved: boolean): void }) {
  const { t } = useLang();
  const [form] = Form.useForm<ChannelFormValues>();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const rotation = Form.useWatch("rotation", form);
  const tags = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);

  const submit = async () => {
    setBusy(true);
    setFormError(undefined);
    clearFormErrors(form);
    try {
      const body = bodyOf(form.getFieldsValue(), editing);
      if (editing) unwrap(await api.PATCH("/v1/channels/{channelId}", { params: { path: { channelId: editing.channelId } }, body }));
      // `welcome: null` (clear it) is built only when editing, which TypeScript cannot see through bodyOf: the create body omits it
      else unwrap(await api.POST("/v1/channels", { body: body as never }));
      onClose(true);
    } catch (err) {
      if (err instanceof ProblemError) setFormError(problemOnForm(form, err.problem, FIELDS, { welcome: "welcomeText" }));
      else setFormError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const initial: ChannelFormValues = editing
    ? { name: editing.name, staff: editing.staff, rotation: (editing.rotation as Rotation) ?? "wecom-random", tagIds: editing.tagIds ?? [], welcomeText: editing.welcome?.text ?? "" }
    : { rotation: "wecom-random", staff: [{}] };

  return (
    <Modal
      open
      width={640}
      title={editing ? t.editChannel : t.create}
      okText={t.submit}
      cancelText={t.cancel}
      confirmLoading={busy}
      onOk={submit}
      onCancel={() => onClose(false)}
      okButtonProps={{ "data-testid": "channel-submit" } as React.ComponentProps<typeof Button>}
    >
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" initialValues={initial}>
        <Form.Item name="name" label={t.name}>
          <Input data-testid="channel-name" maxLength={80} />
        </Form.Item>
        <Form.Item name="rotation" label={t.rotation}>
          <Select
            options={[
              { value: "wecom-random", label: t.rotationRandom },
              { value: "round-robin", label: t.rotationRoundRobin },
              { value: "weighted", label: t.rotationWeighted },
            ]}
          />
        </Form.Item>
        <Form.Item name="staff" label={t.staff} extra={t.capHint} data-testid="channel-staff">
          <Form.List name="staff">
            {(rows, { add, remove }) => (
              <>
                {rows.map((row, i) => (
                  <Space key={row.key} align="start" style={{ display: "flex" }}>
                    <Form.Item name={[row.name, "userId"]} style={{ marginBottom: 8 }}>
                      <Input placeholder={t.staffUserId} data-testid={`staff-${i}-userId`} style={{ width: 200 }} />
                    </Form.Item>
                    <Form.Item name={[row.name, "dailyCap"]} style={{ marginBottom: 8 }}>
                      <InputNumber placeholder={t.dailyCap} data-testid={`staff-${i}-dailyCap`} style={{ width: 150 }} />
                    </Form.Item>
                    {rotation === "weighted" && (
                      <Form.Item name={[row.name, "weight"]} style={{ marginBottom: 8 }}>
                        <InputNumber placeholder={t.weight} style={{ width: 100 }} />
                      </Form.Item>
                    )}
                    <Button type="text" icon={<MinusCircleOutlined />} aria-label={t.remove} onClick={() => remove(row.name)} />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({})} data-testid="staff-add">
                  {t.addStaff}
                </Button>
              </>
            )}
          </Form.List>
        </Form.Item>
        <Form.Item name="tagIds" label={t.autoTags}>
          <Select
            mode="multiple"
            loading={tags.loading}
            optionFilterProp="label"
            options={(tags.data?.items ?? []).map((g) => ({ label: g.groupName, options: g.tags.map((x) => ({ value: x.tagId, label: x.name })) }))}
          />
        </Form.Item>
        <Form.Item name="welcomeText" label={t.welcomeText} extra={editing?.welcome?.attachments?.length ? t.welcomeKeepsAttachments : undefined}>
          <Input.TextArea rows={3} data-testid="channel-welcome" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
