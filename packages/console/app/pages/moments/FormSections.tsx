/** The 新建/编辑 form's sections whose fields depend on a choice: the attachment kind, the schedule kind. */
import { PlusOutlined } from "@ant-design/icons";
import { Checkbox, Col, DatePicker, Form, Input, Radio, Row, Select, Upload } from "antd";
import type { MomentPost } from "../../api/moments";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { shortTime } from "./corpTime";
import type { FormField, MomentFormValues } from "./formModel";
import { fill } from "./labels";
import { ACCEPT, type MediaFile, mediaRequest, type Uploaded } from "./media";
import { usePickerLocale } from "./pickerLocale";

const fileList = (e: { fileList: MediaFile[] }) => e.fileList;

/** One kind of attachment: ≤ 9 images, or 1 video, or 1 link (title, URL, cover image), uploaded as picked. */
export function Attachments({ values, form }: { values: MomentFormValues; form: ReturnType<typeof Form.useForm<MomentFormValues>>[0] }) {
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
export function Schedule({ post, values }: { post: MomentPost | undefined; values: MomentFormValues }) {
  const { t } = useLang();
  const locales = usePickerLocale();
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
          <DatePicker {...locales.picker} showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" placeholder={was?.kind === "at" ? fill(t.keepCurrent, { value: shortTime(was.at) }) : undefined} style={{ width: 260 }} data-testid="moment-at" />
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
                <DatePicker.RangePicker {...locales.picker} placeholder={was?.kind === "daily" ? [fill(t.keepCurrent, { value: was.from }), fill(t.keepCurrent, { value: was.until })] : undefined} data-testid="moment-range" />
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
