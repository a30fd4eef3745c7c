import type React from "react";
import { Alert, App as AntApp, Button, Form, Input, Modal, Popconfirm, Radio, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import { fieldErrors, ProblemError, unwrap } from "../api/problem";
import type { Channel, Page } from "../api/views";
import { useLang } from "../i18n";
import { describe, Loadable } from "../States";
import { useAsync } from "../useAsync";
import { CursorPager } from "../CursorPager";

type Status = "active" | "archived" | undefined;
const PAGE = 20;

/** 渠道活码: the list (cursor pages, by status), create (each validation error on its field), archive. */
export default function Channels() {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState<Status>("active");
  // cursors of the pages before this one, so "previous" works on an opaque cursor
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(async () => unwrap(await api.GET("/v1/channels", { params: { query: { limit: PAGE, status, cursor } } })) as unknown as Page<Channel>, [status, cursor]);
  const [creating, setCreating] = useState(false);

  const archive = async (c: Channel) => {
    try {
      unwrap(await api.POST("/v1/channels/{channelId}/archive", { params: { path: { channelId: c.channelId } } }));
      message.success(t.archivedOk);
      list.reload();
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <>
      <Typography.Title level={3}>{t.channels}</Typography.Title>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" data-testid="channel-create" onClick={() => setCreating(true)}>
          {t.create}
        </Button>
        <Radio.Group
          value={status ?? "all"}
          onChange={(e) => {
            setStatus(e.target.value === "all" ? undefined : (e.target.value as Status));
            setCursors([undefined]);
          }}
        >
          <Radio.Button value="active">{t.active}</Radio.Button>
          <Radio.Button value="archived">{t.archived}</Radio.Button>
          <Radio.Button value="all">{t.all}</Radio.Button>
        </Radio.Group>
      </Space>
      <Loadable {...list} isEmpty={(d) => d.items.length === 0 && cursors.length === 1} emptyText={t.noChannels}>
        {(d) => (
          <>
            <Table<Channel>
              data-testid="channel-table"
              rowKey="channelId"
              dataSource={d.items}
              loading={list.loading}
              pagination={false}
              columns={[
                { title: t.name, dataIndex: "name" },
                { title: t.staff, render: (_, c) => c.staff.map((s) => <Tag key={s.userId}>{s.userId}{s.dailyCap ? ` ≤${s.dailyCap}` : ""}</Tag>) },
                { title: t.status, render: (_, c) => <Tag color={c.status === "active" ? "green" : "default"}>{c.status === "active" ? t.active : t.archived}</Tag> },
                { title: t.createdAt, render: (_, c) => new Date(c.createdAt).toLocaleString() },
                {
                  title: t.actions,
                  render: (_, c) => (
                    <Space>
                      <a href={c.qrCode} target="_blank" rel="noreferrer" download>
                        {t.qr}
                      </a>
                      {c.status === "active" && (
                        <Popconfirm title={t.archiveConfirm} onConfirm={() => archive(c)}>
                          <Button size="small" danger>
                            {t.archive}
                          </Button>
                        </Popconfirm>
                      )}
                    </Space>
                  ),
                },
              ]}
            />
            <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={d.nextCursor} style={{ marginTop: 16 }} />
          </>
        )}
      </Loadable>
      {creating && (
        <CreateChannel
          onClose={(created) => {
            setCreating(false);
            if (created) {
              message.success(t.created);
              setCursors([undefined]);
              list.reload();
            }
          }}
        />
      )}
    </>
  );
}

interface ChannelForm {
  name?: string;
  staff?: string[];
  rotation?: "wecom-random" | "round-robin" | "weighted";
}

/**
 * The create form. The API validates (one set of rules, in the domain): every error of its problem
 * goes on the field its `path` names (`body.staff.0.userId` → 员工), the rest above the form.
 */
function CreateChannel({ onClose }: { onClose(created: boolean): void }) {
  const { t } = useLang();
  const [form] = Form.useForm<ChannelForm>();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const fields = ["name", "staff", "rotation"] as const;

  const submit = async () => {
    const v = form.getFieldsValue();
    setBusy(true);
    setFormError(undefined);
    form.setFields(fields.map((name) => ({ name, errors: [] })));
    try {
      unwrap(
        await api.POST("/v1/channels", {
          body: { name: v.name ?? "", staff: (v.staff ?? []).map((userId) => ({ userId })), ...(v.rotation ? { rotation: v.rotation } : {}) },
        }),
      );
      onClose(true);
    } catch (err) {
      if (err instanceof ProblemError) {
        const byField = fieldErrors(err.problem);
        form.setFields(fields.filter((f) => byField.has(f)).map((name) => ({ name, errors: byField.get(name)! })));
        const rest = [...byField].filter(([f]) => !(fields as readonly string[]).includes(f));
        if (byField.size === 0 || rest.length) setFormError([err.problem.detail ?? err.problem.title, ...rest.flatMap(([f, m]) => m.map((x) => `${f}: ${x}`))].join("; "));
      } else {
        setFormError(describe(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t.create} okText={t.submit} cancelText={t.cancel} confirmLoading={busy} onOk={submit} onCancel={() => onClose(false)} okButtonProps={{ "data-testid": "channel-submit" } as React.ComponentProps<typeof Button>}>
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" initialValues={{ rotation: "wecom-random" }}>
        <Form.Item name="name" label={t.name}>
          <Input data-testid="channel-name" maxLength={80} />
        </Form.Item>
        <Form.Item name="staff" label={t.staff} extra={t.staffHint}>
          <Select mode="tags" data-testid="channel-staff" open={false} tokenSeparators={[",", " "]} />
        </Form.Item>
        <Form.Item name="rotation" label={t.rotation}>
          <Select options={["wecom-random", "round-robin", "weighted"].map((value) => ({ value, label: value }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
