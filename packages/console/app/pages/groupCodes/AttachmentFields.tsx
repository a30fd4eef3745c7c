import { Form, Input, Select, Space } from "antd";
import { useLang, type Words } from "../../i18n";
import type { AttachType } from "./formBody";

/** Each attachment type's fields, as the API takes them (`body.welcome.attachment.<type>.<field>`). */
const fieldsOf = (t: Words): Record<Exclude<AttachType, "none">, { key: string; label: string }[]> => ({
  image: [
    { key: "picUrl", label: "picUrl" },
    { key: "mediaId", label: "mediaId" },
  ],
  link: [
    { key: "title", label: t.gcTitle },
    { key: "url", label: "URL" },
    { key: "picUrl", label: "picUrl" },
    { key: "desc", label: t.gcDesc },
  ],
  miniprogram: [
    { key: "title", label: t.gcTitle },
    { key: "appId", label: "appId" },
    { key: "page", label: "page" },
    { key: "picMediaId", label: "picMediaId" },
  ],
  video: [{ key: "mediaId", label: "mediaId" }],
  file: [{ key: "mediaId", label: "mediaId" }],
});

/** The welcome's one attachment: a type, then that type's fields (a group welcome template holds at most one). */
export function AttachmentFields() {
  const { t } = useLang();
  const type = (Form.useWatch(["welcome", "attachment", "type"]) ?? "none") as AttachType;
  const types: { value: AttachType; label: string }[] = [
    { value: "none", label: t.gcAttachmentNone },
    { value: "image", label: t.gcAttachImage },
    { value: "link", label: t.gcAttachLink },
    { value: "miniprogram", label: t.gcAttachMiniprogram },
    { value: "video", label: t.gcAttachVideo },
    { value: "file", label: t.gcAttachFile },
  ];
  return (
    <Space align="start" wrap>
      <Form.Item name={["welcome", "attachment", "type"]} label={t.gcAttachment}>
        <Select data-testid="code-attachment-type" style={{ width: 140 }} options={types} />
      </Form.Item>
      {type !== "none" &&
        fieldsOf(t)[type].map((f) => (
          <Form.Item key={`${type}.${f.key}`} name={["welcome", "attachment", type, f.key]} label={f.label}>
            <Input style={{ width: f.key === "url" || f.key === "picUrl" ? 260 : 180 }} />
          </Form.Item>
        ))}
    </Space>
  );
}
