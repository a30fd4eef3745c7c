import { Button, Card, Form, Input, Select, Space } from "antd";
import { useLang, type Words } from "../../i18n";
import type { AttachmentType } from "./formBody";

/** The attachment types WeCom's add_msg_template takes (at most 9, §7), with the fields each needs. */
const FIELDS: Record<AttachmentType, { key: string; label: (t: Words) => string; required?: boolean }[]> = {
  image: [
    { key: "picUrl", label: (t) => t.bcPicUrl },
    { key: "mediaId", label: (t) => t.bcMediaId },
  ],
  link: [
    { key: "title", label: (t) => t.bcLinkTitle, required: true },
    { key: "url", label: (t) => t.bcLinkUrl, required: true },
    { key: "picUrl", label: (t) => t.bcPicUrl },
    { key: "desc", label: (t) => t.bcLinkDesc },
  ],
  miniprogram: [
    { key: "title", label: (t) => t.bcLinkTitle, required: true },
    { key: "appId", label: (t) => t.bcAppId, required: true },
    { key: "page", label: (t) => t.bcPage, required: true },
    { key: "picMediaId", label: (t) => t.bcPicMediaId, required: true },
  ],
  video: [{ key: "mediaId", label: (t) => t.bcMediaId, required: true }],
  file: [{ key: "mediaId", label: (t) => t.bcMediaId, required: true }],
};

const typeLabel = (t: Words, k: AttachmentType) => ({ image: t.bcImage, link: t.bcLink, miniprogram: t.bcMiniprogram, video: t.bcVideo, file: t.bcFile })[k];

/** 附件: a list of attachments, each a type and that type's fields, named as the API's body paths (`content.attachments.0.link.title`). */
export function AttachmentsField() {
  const { t } = useLang();
  return (
    <Form.List name={["content", "attachments"]}>
      {(rows, { add, remove }, { errors }) => (
        <Form.Item label={t.bcAttachments} help={errors.length ? errors : undefined}>
          <Space orientation="vertical" style={{ width: "100%" }}>
            {rows.map((row) => (
              <Card key={row.key} size="small" data-testid="bc-attachment" extra={<Button size="small" type="link" danger onClick={() => remove(row.name)}>{t.bcRemove}</Button>}>
                <Form.Item name={[row.name, "type"]} label={t.bcAttachmentType}>
                  <Select style={{ width: 160 }} options={(Object.keys(FIELDS) as AttachmentType[]).map((k) => ({ value: k, label: typeLabel(t, k) }))} />
                </Form.Item>
                <Form.Item noStyle shouldUpdate>
                  {(form) => {
                    const type = form.getFieldValue(["content", "attachments", row.name, "type"]) as AttachmentType | undefined;
                    return (FIELDS[type ?? "image"] ?? []).map((f) => (
                      <Form.Item key={`${type}.${f.key}`} name={[row.name, type ?? "image", f.key]} label={f.label(t)} required={f.required}>
                        <Input data-testid={`bc-attachment-${f.key}`} />
                      </Form.Item>
                    ));
                  }}
                </Form.Item>
              </Card>
            ))}
            <Button data-testid="bc-add-attachment" disabled={rows.length >= 9} onClick={() => add({ type: "link" })}>
              {t.bcAddAttachment}
            </Button>
          </Space>
        </Form.Item>
      )}
    </Form.List>
  );
}
