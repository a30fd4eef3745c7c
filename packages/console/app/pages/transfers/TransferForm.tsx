import { Alert, type Button, Form, Input, Modal, Radio, Select, Table } from "antd";
import type React from "react";
import { useMemo, useState } from "react";
import { api } from "../../api/client";
import { clearFormErrors, problemOnForm } from "../../api/formErrors";
import { ProblemError, unwrap } from "../../api/problem";
import type { TransferExcluded } from "../../api/views";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { useAsync } from "../../useAsync";
import { reasonText } from "./words";

interface Values {
  kind?: "on-job" | "resigned";
  fromUserId?: string;
  toUserId?: string;
  externalUserIds?: string[];
  message?: string;
}

const FIELDS = ["fromUserId", "toUserId", "externalUserIds", "message", "resigned"] as const;

/**
 * 新建继承: giver, taker, on-job or resigned, which customers (the giver's active ones, or all), the
 * message. The request carries one Idempotency-Key per opened form, so a double submit makes one
 * transfer. Field errors go on their fields; "nobody can be transferred" lists each exclusion's reason.
 */
export function TransferForm({ onClose }: { onClose(created: string | undefined): void }) {
  const { t } = useLang();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const [excluded, setExcluded] = useState<TransferExcluded[]>([]);
  const key = useMemo(() => crypto.randomUUID(), []);
  const from = Form.useWatch("fromUserId", form)?.trim();
  const kind = Form.useWatch("kind", form);
  const customers = useAsync(
    async () => (from ? unwrap(await api.GET("/v1/customers", { params: { query: { userId: from, status: "active", limit: 100 } } })) : undefined),
    [from],
  );

  const submit = async () => {
    const v = form.getFieldsValue();
    setBusy(true);
    setFormError(undefined);
    setExcluded([]);
    clearFormErrors(form);
    try {
      const body = {
        fromUserId: v.fromUserId?.trim() ?? "",
        toUserId: v.toUserId?.trim() ?? "",
        resigned: v.kind === "resigned",
        ...(v.externalUserIds?.length ? { externalUserIds: v.externalUserIds } : {}),
        ...(v.message?.trim() ? { message: v.message.trim() } : {}),
      };
      const created = unwrap(await api.POST("/v1/transfers", { body, headers: { "idempotency-key": key } }));
      onClose(created.transferId);
    } catch (err) {
      if (err instanceof ProblemError) {
        setFormError(problemOnForm(form, err.problem, FIELDS, { resigned: "kind" }));
        const list = (err.problem as { excluded?: TransferExcluded[] }).excluded;
        if (Array.isArray(list)) setExcluded(list);
      } else setFormError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open width={640} title={t.newTransfer} okText={t.submit} cancelText={t.cancel} confirmLoading={busy} onOk={submit} onCancel={() => onClose(undefined)} okButtonProps={{ "data-testid": "transfer-submit" } as React.ComponentProps<typeof Button>}>
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      {excluded.length > 0 && (
        <Table<TransferExcluded>
          data-testid="transfer-excluded"
          size="small"
          rowKey="externalUserId"
          pagination={false}
          style={{ marginBottom: 16 }}
          title={() => t.excludedList}
          dataSource={excluded}
          columns={[
            { title: t.customer, dataIndex: "externalUserId" },
            { title: t.reason, render: (_, e) => reasonText(t, e.reason) },
            { title: t.eligibleAt, render: (_, e) => (e.eligibleAt ? new Date(e.eligibleAt).toLocaleString() : "—") },
          ]}
        />
      )}
      <Form form={form} layout="vertical" initialValues={{ kind: "on-job" }}>
        <Form.Item name="kind" label={t.transferKind}>
          <Radio.Group options={[{ value: "on-job", label: t.onJob }, { value: "resigned", label: t.resignedKind }]} optionType="button" />
        </Form.Item>
        <Form.Item name="fromUserId" label={t.fromUser}>
          <Input data-testid="transfer-from" placeholder={t.staffUserId} />
        </Form.Item>
        <Form.Item name="toUserId" label={t.toUser}>
          <Input data-testid="transfer-to" placeholder={t.staffUserId} />
        </Form.Item>
        <Form.Item name="externalUserIds" label={t.transferCustomers} extra={t.transferCustomersHint}>
          <Select
            mode="multiple"
            data-testid="transfer-customers"
            loading={customers.loading}
            optionFilterProp="label"
            options={(customers.data?.items ?? []).map((c) => ({ value: c.externalUserId, label: c.name ?? c.externalUserId }))}
          />
        </Form.Item>
        <Form.Item name="message" label={t.transferMessage} extra={t.transferMessageHint}>
          <Input.TextArea rows={2} disabled={kind === "resigned"} data-testid="transfer-message" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
