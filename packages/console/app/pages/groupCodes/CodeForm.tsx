import { Alert, Button, Divider, Form, Input, InputNumber, Modal, Select, Space, Switch, Tag, Typography } from "antd";
import type React from "react";
import { useState } from "react";
import { api } from "../../api/client";
import { clearFormErrors } from "../../api/formErrors";
import type { GroupCode, GroupCodeDetail } from "../../api/groupCodes";
import { ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { AttachmentFields } from "./AttachmentFields";
import { type CodeFormValues, createBody, emptyValues, patchBody, placeErrors, valuesOf } from "./formBody";

/** 新建 / 编辑 群活码: loads the code to edit (its pool), then the form. */
export function CodeFormModal({ codeId, onClose }: { codeId?: string; onClose(saved: GroupCode | undefined): void }) {
  const { t } = useLang();
  const detail = useAsync(async () => (codeId ? unwrap(await api.GET("/v1/group-codes/{codeId}", { params: { path: { codeId } } })) : undefined), [codeId]);
  if (!codeId) return <CodeForm onClose={onClose} />;
  return detail.data ? (
    <CodeForm code={detail.data} onClose={onClose} />
  ) : (
    <Modal open title={t.gcEdit} footer={null} onCancel={() => onClose(undefined)}>
      <Loadable {...detail} data={undefined}>
        {() => null}
      </Loadable>
    </Modal>
  );
}

/**
 * The form: name, mode (create only), the pool by chat id, capacity, alert recipient, the group welcome
 * (text + one attachment) and auto-create. Every field error of the API's answer goes on its field.
 */
function CodeForm({ code, onClose }: { code?: GroupCodeDetail; onClose(saved: GroupCode | undefined): void }) {
  const { t } = useLang();
  // untyped: the API's error paths name fields by arrays (`groups.2.chatId`) the typed instance cannot
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const mode = Form.useWatch("mode", form);
  const autoCreate = Form.useWatch(["autoCreate", "enabled"], form);

  const submit = async () => {
    const v = form.getFieldsValue(true) as CodeFormValues;
    setBusy(true);
    setFormError(undefined);
    clearFormErrors(form);
    const registered = form.getFieldsError().map((f) => f.name as (string | number)[]);
    let addedRows: number[] = [];
    try {
      let saved: GroupCode;
      if (code) {
        const patch = patchBody(v, code);
        addedRows = patch.addedRows;
        if (Object.keys(patch.body).length === 0) return onClose(undefined);
        saved = unwrap(await api.PATCH("/v1/group-codes/{codeId}", { params: { path: { codeId: code.codeId } }, body: patch.body }));
      } else {
        saved = unwrap(await api.POST("/v1/group-codes", { body: createBody(v), headers: { "idempotency-key": crypto.randomUUID() } }));
      }
      onClose(saved);
    } catch (err) {
      if (err instanceof ProblemError) {
        const { fields, rest } = placeErrors(err.problem, registered, addedRows);
        form.setFields([...fields.values()]);
        if (rest.length) setFormError(rest.join("; "));
      } else {
        setFormError(describe(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      width={820}
      title={code ? t.gcEdit : t.gcCreate}
      okText={t.submit}
      cancelText={t.cancel}
      confirmLoading={busy}
      onOk={submit}
      onCancel={() => onClose(undefined)}
      okButtonProps={{ "data-testid": "code-submit" } as React.ComponentProps<typeof Button>}
    >
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" initialValues={code ? valuesOf(code) : emptyValues} data-testid="code-form">
        <Space align="start" wrap>
          <Form.Item name="name" label={t.name} style={{ width: 320 }}>
            <Input data-testid="code-name" maxLength={100} />
          </Form.Item>
          <Form.Item name="mode" label={t.gcMode} tooltip={t.gcModeHint}>
            <Select
              data-testid="code-mode"
              disabled={code !== undefined}
              style={{ width: 200 }}
              options={[
                { value: "native", label: t.gcModeNative },
                { value: "landing", label: t.gcModeLanding },
              ]}
            />
          </Form.Item>
          <Form.Item name="capacity" label={t.gcCapacity} tooltip={t.gcCapacityHint}>
            <InputNumber data-testid="code-capacity" style={{ width: 140 }} />
          </Form.Item>
        </Space>
        <Form.Item name="ownerUserId" label={t.gcAlertOwner} extra={t.gcAlertOwnerHint}>
          <Input style={{ width: 320 }} />
        </Form.Item>
        <Divider titlePlacement="start">{t.gcPool}</Divider>
        <Typography.Paragraph type="secondary">{t.gcPoolHint}</Typography.Paragraph>
        <PoolRows />
        <Divider titlePlacement="start">{t.gcWelcome}</Divider>
        <Form.Item name={["welcome", "text"]} label={t.gcWelcomeText}>
          <Input.TextArea data-testid="code-welcome" rows={3} showCount />
        </Form.Item>
        <AttachmentFields />
        <Divider titlePlacement="start">{t.gcAutoCreate}</Divider>
        <Space align="start" wrap>
          <Form.Item name={["autoCreate", "enabled"]} label={t.gcAutoCreate} valuePropName="checked" extra={t.gcAutoCreateHint}>
            <Switch disabled={mode === "landing" && !autoCreate} />
          </Form.Item>
          {autoCreate && (
            <>
              <Form.Item name={["autoCreate", "roomBaseName"]} label={t.gcRoomBaseName}>
                <Input style={{ width: 220 }} />
              </Form.Item>
              <Form.Item name={["autoCreate", "roomBaseId"]} label={t.gcRoomBaseId}>
                <InputNumber style={{ width: 120 }} />
              </Form.Item>
            </>
          )}
        </Space>
      </Form>
    </Modal>
  );
}

/** The pool: one row per group (chat id, owner, optional capacity); rows already in the pool are kept or removed, not edited. */
function PoolRows() {
  const { t } = useLang();
  return (
    <Form.List name="groups">
      {(rows, { add, remove }) => (
        <div data-testid="code-pool">
          {rows.map(({ key, name }) => (
            <PoolRow key={key} name={name} onRemove={() => remove(name)} />
          ))}
          <div>
            <Button data-testid="code-add-group" onClick={() => add({})} style={{ marginBottom: 16 }}>
              {t.gcAddGroup}
            </Button>
          </div>
        </div>
      )}
    </Form.List>
  );
}

function PoolRow({ name, onRemove }: { name: number; onRemove(): void }) {
  const { t } = useLang();
  const existing = Form.useWatch(["groups", name, "existing"], { preserve: true }) === true;
  const groupName = Form.useWatch(["groups", name, "name"], { preserve: true }) as string | null | undefined;
  // the column labels once, over the first row
  const first = name === 0;
  return (
    <Space align="start" wrap data-testid="pool-row" style={{ display: "flex", marginBottom: -8 }}>
      <Form.Item name={[name, "chatId"]} label={first && t.gcChatId}>
        <Input data-testid="pool-chat-id" disabled={existing} style={{ width: 240 }} suffix={groupName ? <Tag>{groupName}</Tag> : undefined} />
      </Form.Item>
      <Form.Item name={[name, "ownerUserId"]} label={first && t.gcGroupOwner}>
        <Input data-testid="pool-owner" disabled={existing} style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name={[name, "capacity"]} label={first && t.gcGroupCapacity}>
        <InputNumber disabled={existing} style={{ width: 110 }} />
      </Form.Item>
      <Form.Item label={first && " "}>
        <Button danger onClick={onRemove} data-testid="pool-remove">
          {t.gcRemove}
        </Button>
      </Form.Item>
    </Space>
  );
}
