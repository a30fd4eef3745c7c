import { Alert, App as AntApp, Button, Col, Divider, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Switch } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import type { MomentPost, MomentPreview, RefusedRun } from "../../api/moments";
import { describeProblem, issueText, ProblemError, unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { useAsync } from "../../useAsync";
import { Attachments, Schedule } from "./FormSections";
import { type FormField, fieldOfPath, fromPost, type MomentFormValues, NEW_POST, toBody } from "./formModel";
import { PhonePreview } from "./PhonePreview";
import { PlanView, RefusedAlert } from "./PlanView";

const ALL_FIELDS: FormField[] = ["name", "text", "attach", "images", "video", "linkTitle", "linkUrl", "linkCover", "userIds", "departmentIds", "tagIds", "scheduleKind", "at", "times", "range", "weekdays", "windowHours", "remindersAuto", "hoursBeforeEnd", "onLimit"];

/**
 * 新建 / 编辑 a post, with the phone preview beside it. 预览计划 asks the API for the plan (every run;
 * moved and refused ones with their reasons; an edit's without its own runs) and only then 确认创建
 * creates it, or 保存 sends the edit as a whole (the API plans it again; 409 once a run was sent).
 * Every API error goes on its field.
 */
export function PostForm({ post, customerPostsPerDay, onClose }: { post?: MomentPost; customerPostsPerDay: number | undefined; onClose(changed: boolean): void }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<MomentFormValues>();
  const values = Form.useWatch((v: MomentFormValues) => v, { form, preserve: true }) ?? NEW_POST;
  const [plan, setPlan] = useState<{ preview: MomentPreview; key: string } | undefined>();
  const [refused, setRefused] = useState<RefusedRun[] | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const tags = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);
  const tagOptions = (tags.data?.items ?? []).flatMap((g) => g.tags.map((x) => ({ value: x.tagId, label: `${g.groupName} / ${x.name}` })));

  const shown = (err: unknown) => {
    if (!(err instanceof ProblemError)) return setFormError(describe(err));
    const p = err.problem as ProblemError["problem"] & { refused?: RefusedRun[] };
    if (p.refused) return setRefused(p.refused);
    if (p.status === 409) return setFormError(`${t.momentNotEditable}（${p.detail ?? p.title}）`);
    const byField = new Map<FormField, string[]>();
    const rest: string[] = [];
    for (const e of p.errors ?? []) {
      const f = fieldOfPath(e.path);
      if (f) byField.set(f, [...(byField.get(f) ?? []), issueText(e)]);
      else rest.push(`${e.path}: ${issueText(e)}`);
    }
    form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
    if (byField.size === 0 || rest.length > 0) setFormError([describeProblem(p), ...rest].join("; "));
  };

  const run = async (act: () => Promise<void>) => {
    setBusy(true);
    setFormError(undefined);
    setRefused(undefined);
    form.setFields(ALL_FIELDS.map((name) => ({ name, errors: [] })));
    try {
      await act();
    } catch (err) {
      shown(err);
    } finally {
      setBusy(false);
    }
  };

  const checkPlan = () =>
    run(async () => {
      // an edit's plan leaves the post's own runs out, as the edit does
      const preview = unwrap(await api.POST("/v1/moments/preview", { params: { query: post ? { postId: post.postId } : {} }, body: toBody(form.getFieldsValue(true), post) }));
      setPlan({ preview, key: crypto.randomUUID() });
    });
  const create = () =>
    run(async () => {
      unwrap(await api.POST("/v1/moments", { body: toBody(form.getFieldsValue(true)), headers: { "idempotency-key": plan!.key } }));
      message.success(t.momentCreated);
      onClose(true);
    });
  const save = () =>
    run(async () => {
      unwrap(await api.PATCH("/v1/moments/{postId}", { params: { path: { postId: post!.postId } }, body: toBody(form.getFieldsValue(true), post) }));
      message.success(t.momentSaved);
      onClose(true);
    });

  const footer = (
    <Space>
      <Button loading={busy && !plan} onClick={checkPlan} data-testid="moment-check">
        {t.momentPlanCheck}
      </Button>
      <Button type="primary" loading={busy && !!plan} disabled={!plan || plan.preview.plan.refused.length > 0} onClick={post ? save : create} data-testid={post ? "moment-save" : "moment-create-submit"}>
        {post ? t.momentSave : t.momentConfirmCreate}
      </Button>
    </Space>
  );

  return (
    <Modal open width={1100} style={{ top: 24 }} styles={{ body: { maxHeight: plan ? "calc(100vh - 350px)" : "calc(100vh - 170px)", overflowY: "auto", overflowX: "hidden" } }} title={post ? t.momentEdit : t.momentNew} onCancel={() => onClose(false)} footer={
        <>
          {plan && (
            <div style={{ textAlign: "left", maxHeight: 170, overflowY: "auto", marginBottom: 12 }}>
              <PlanView plan={plan.preview.plan} customerPostsPerDay={customerPostsPerDay} />
            </div>
          )}
          <Space>
            <Button onClick={() => onClose(false)}>{t.cancel}</Button>
            {footer}
          </Space>
        </>
      } data-testid="moment-form">
      {formError && <Alert type="error" showIcon title={t.requestFailed} description={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      {refused && <RefusedAlert refused={refused} customerPostsPerDay={customerPostsPerDay} />}
      <Row gutter={24}>
        <Col span={14}>
          <Form form={form} layout="vertical" initialValues={post ? fromPost(post) : NEW_POST} onValuesChange={() => setPlan(undefined)}>
            <Form.Item name="name" label={t.momentName}>
              <Input data-testid="moment-name" maxLength={60} />
            </Form.Item>
            <Form.Item name="text" label={t.momentText} extra={t.momentTextHint}>
              <Input.TextArea data-testid="moment-text" rows={4} showCount />
            </Form.Item>
            <Attachments values={values} form={form} />
            <Divider titlePlacement="start">{t.momentVisibility}</Divider>
            <Form.Item name="userIds" label={t.senders} extra={t.sendersHint}>
              <Select mode="tags" open={false} tokenSeparators={[",", " "]} data-testid="moment-senders" />
            </Form.Item>
            <Row gutter={12}>
              <Col span={12}>
                <Form.Item name="departmentIds" label={t.departments} extra={t.departmentsHint}>
                  <Select mode="tags" open={false} tokenSeparators={[",", " "]} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="tagIds" label={t.customerTags} extra={t.customerTagsHint}>
                  <Select mode="tags" options={tagOptions} optionFilterProp="label" data-testid="moment-tags" />
                </Form.Item>
              </Col>
            </Row>
            <Divider titlePlacement="start">{t.momentSchedule}</Divider>
            <Schedule post={post} values={values} />
            <Row gutter={12}>
              <Col span={8}>
                <Form.Item name="windowHours" label={t.windowHours} extra={t.windowHoursHint}>
                  <InputNumber min={1} max={72} style={{ width: "100%" }} data-testid="moment-window" />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="remindersAuto" label={t.reminders} valuePropName="checked" extra={t.remindersAuto}>
                  <Switch />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="hoursBeforeEnd" label={t.hoursBeforeEnd}>
                  <Select mode="tags" open={false} tokenSeparators={[",", " "]} disabled={!values.remindersAuto} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="onLimit" label={t.onLimit}>
              <Radio.Group options={[{ value: "refuse", label: t.onLimitRefuse }, { value: "move", label: t.onLimitMove }]} />
            </Form.Item>
          </Form>
        </Col>
        <Col span={10}>
          <div style={{ position: "sticky", top: 0 }}>
            <Divider titlePlacement="start">{t.phonePreview}</Divider>
            <PhonePreview
              content={{
                ...(values.userIds?.[0] ? { sender: values.userIds[0] } : {}),
                ...(values.text ? { text: values.text } : {}),
                images: values.attach === "images" ? (values.images ?? []) : [],
                ...(values.attach === "video" && values.video?.[0] ? { video: values.video[0] } : {}),
                ...(values.attach === "link" ? { link: { ...(values.linkTitle ? { title: values.linkTitle } : {}), ...(values.linkUrl ? { url: values.linkUrl } : {}), ...(values.linkCover?.[0] ? { cover: values.linkCover[0] } : {}) } } : {}),
              }}
            />
          </div>
        </Col>
      </Row>
    </Modal>
  );
}
