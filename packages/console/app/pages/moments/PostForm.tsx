import { PlusOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Checkbox, Col, DatePicker, Divider, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Switch, Upload } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import type { MomentPost, MomentPreview, RefusedRun } from "../../api/moments";
import { ProblemError, unwrap } from "../../api/problem";
import type { TagPage } from "../../api/views";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { useAsync } from "../../useAsync";
import { shortTime } from "./corpTime";
import { type FormField, fieldOfPath, fromPost, type MomentFormValues, NEW_POST, toBody } from "./formModel";
import { fill } from "./labels";
import { ACCEPT, type MediaFile, mediaRequest, type Uploaded } from "./media";
import { PhonePreview } from "./PhonePreview";
import { PlanView, RefusedAlert } from "./PlanView";

const ALL_FIELDS: FormField[] = ["name", "text", "attach", "images", "video", "linkTitle", "linkUrl", "linkCover", "userIds", "departmentIds", "tagIds", "scheduleKind", "at", "times", "range", "weekdays", "windowHours", "remindersAuto", "hoursBeforeEnd", "onLimit"];
const fileList = (e: { fileList: MediaFile[] }) => e.fileList;

/**
 * 新建 / 编辑 a post, with the phone preview beside it. A new post: 预览计划 asks the API for the plan
 * (every run; moved and refused ones with their reasons) and only then 确认创建 creates it. An edit is
 * sent as a whole (the API plans it again; 409 once a run was sent). Every API error goes on its field.
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
  const tags = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: 100 } } })) as unknown as TagPage, []);
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
      if (f) byField.set(f, [...(byField.get(f) ?? []), e.message]);
      else rest.push(`${e.path}: ${e.message}`);
    }
    form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
    if (byField.size === 0 || rest.length > 0) setFormError([p.detail ?? p.title, ...rest].join("; "));
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
      const preview = unwrap(await api.POST("/v1/moments/preview", { body: toBody(form.getFieldsValue(true)) })) as unknown as MomentPreview;
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

  const footer = post ? (
    <Button type="primary" loading={busy} onClick={save} data-testid="moment-save">
      {t.momentSave}
    </Button>
  ) : (
    <Space>
      <Button loading={busy && !plan} onClick={checkPlan} data-testid="moment-check">
        {t.momentPlanCheck}
      </Button>
      <Button type="primary" loading={busy && !!plan} disabled={!plan || plan.preview.plan.refused.length > 0} onClick={create} data-testid="moment-create-submit">
        {t.momentConfirmCreate}
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

/** One kind of attachment: ≤ 9 images, or 1 video, or 1 link (title, URL, cover image), uploaded as picked. */
function Attachments({ values, form }: { values: MomentFormValues; form: ReturnType<typeof Form.useForm<MomentFormValues>>[0] }) {
  const { t } = useLang();
  const failed = (name: FormField) => (info: { file: MediaFile }) => {
    if (info.file.status === "error") form.setFields([{ name, errors: [`${t.momentUploadFailed}: ${describe(info.file.error)}`] }]);
  };
  const trigger = (
    <div>
      <PlusOutlined />
      <div style={{ marginTop: 4 }}>{t.momentUpload}</div>
    </div>
  );
  return (
    <>
      <Form.Item name="attach" label={t.momentAttachment}>
        <Radio.Group
          data-testid="moment-attach"
          options={[
            { value: "none", label: t.attachNone },
            { value: "images", label: t.attachImages },
            { value: "video", label: t.attachVideo },
            { value: "link", label: t.attachLink },
          ]}
        />
      </Form.Item>
      {values.attach === "images" && (
        <Form.Item name="images" label={t.momentImages} valuePropName="fileList" getValueFromEvent={fileList}>
          <Upload<Uploaded> listType="picture-card" accept={ACCEPT.image} multiple maxCount={9} customRequest={mediaRequest("image")} onChange={failed("images")} data-testid="moment-images">
            {(values.images?.length ?? 0) < 9 && trigger}
          </Upload>
        </Form.Item>
      )}
      {values.attach === "video" && (
        <Form.Item name="video" label={t.momentVideo} valuePropName="fileList" getValueFromEvent={fileList}>
          <Upload<Uploaded> listType="picture-card" accept={ACCEPT.video} maxCount={1} customRequest={mediaRequest("video")} onChange={failed("video")} data-testid="moment-video">
            {(values.video?.length ?? 0) < 1 && trigger}
          </Upload>
        </Form.Item>
      )}
      {values.attach === "link" && (
        <Row gutter={12}>
          <Col span={16}>
            <Form.Item name="linkTitle" label={t.linkTitle}>
              <Input data-testid="moment-link-title" />
            </Form.Item>
            <Form.Item name="linkUrl" label={t.linkUrl}>
              <Input data-testid="moment-link-url" placeholder="https://" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="linkCover" label={t.linkCover} valuePropName="fileList" getValueFromEvent={fileList}>
              <Upload<Uploaded> listType="picture-card" accept={ACCEPT.image} maxCount={1} customRequest={mediaRequest("image")} onChange={failed("linkCover")} data-testid="moment-link-cover">
                {(values.linkCover?.length ?? 0) < 1 && trigger}
              </Upload>
            </Form.Item>
          </Col>
        </Row>
      )}
    </>
  );
}

/** now / at a corp time / daily at up to 3 corp-time clock times between two days, on some weekdays. */
function Schedule({ post, values }: { post: MomentPost | undefined; values: MomentFormValues }) {
  const { t } = useLang();
  const was = post?.schedule;
  const weekdays = [t.weekday1, t.weekday2, t.weekday3, t.weekday4, t.weekday5, t.weekday6, t.weekday7].map((label, i) => ({ value: i + 1, label }));
  return (
    <>
      <Form.Item name="scheduleKind" label={t.momentSchedule}>
        <Radio.Group
          data-testid="moment-schedule"
          optionType="button"
          options={[
            { value: "now", label: t.scheduleNow },
            { value: "at", label: t.scheduleAt },
            { value: "daily", label: t.scheduleDaily },
          ]}
        />
      </Form.Item>
      {values.scheduleKind === "at" && (
        <Form.Item name="at" label={t.scheduleAtTime}>
          <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" placeholder={was?.kind === "at" ? fill(t.keepCurrent, { value: shortTime(was.at) }) : undefined} style={{ width: 260 }} data-testid="moment-at" />
        </Form.Item>
      )}
      {values.scheduleKind === "daily" && (
        <>
          <Row gutter={12}>
            <Col span={10}>
              <Form.Item name="times" label={t.scheduleTimes} extra={t.scheduleTimesHint}>
                <Select mode="tags" tokenSeparators={[",", " "]} options={["08:00", "12:00", "18:00", "21:30"].map((value) => ({ value }))} data-testid="moment-times" />
              </Form.Item>
            </Col>
            <Col span={14}>
              <Form.Item name="range" label={t.scheduleRange}>
                <DatePicker.RangePicker placeholder={was?.kind === "daily" ? [fill(t.keepCurrent, { value: was.from }), fill(t.keepCurrent, { value: was.until })] : undefined} data-testid="moment-range" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="weekdays" label={t.scheduleWeekdays}>
            <Checkbox.Group options={weekdays} />
          </Form.Item>
        </>
      )}
    </>
  );
}
