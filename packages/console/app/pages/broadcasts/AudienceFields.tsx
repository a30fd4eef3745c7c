import { Button, DatePicker, Form, Radio, Select, Space } from "antd";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { useAsync } from "../../useAsync";
import type { StoredDates } from "./formBody";

/** Ids typed in (staff userIds, external user ids, chat ids): Enter, comma or space ends one. */
function IdsInput(props: { "data-testid"?: string; value?: string[]; onChange?(v: string[]): void }) {
  return <Select mode="tags" open={false} tokenSeparators={[",", " "]} {...props} />;
}

/**
 * 发送对象: customers (staff, tag groups — any tag of a group, every group —, exclusion tags, channels,
 * add dates, explicit customers) or groups (owners, chats), as the API's audience filter has them.
 */
export function AudienceFields({ kept }: { kept: StoredDates }) {
  const { t } = useLang();
  const tags = useAsync(async () => unwrap(await api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);
  const channels = useAsync(async () => unwrap(await api.GET("/v1/channels", { params: { query: { limit: 100 } } })), []);
  const tagOptions = (tags.data?.items ?? []).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.tagId, label: x.name })) }));
  const tagSelect = (testId: string) => <Select mode="multiple" allowClear data-testid={testId} loading={tags.loading} options={tagOptions} showSearch={{ optionFilterProp: "label" }} />;
  const keptRange = kept.addedFrom || kept.addedTo ? `${t.bcCurrent}${kept.addedFrom ?? "…"} ~ ${kept.addedTo ?? "…"}` : undefined;

  return (
    <>
      <Form.Item name={["audience", "chatType"]} label={t.bcChatType}>
        <Radio.Group data-testid="bc-chat-type">
          <Radio.Button value="single">{t.bcChatSingle}</Radio.Button>
          <Radio.Button value="group">{t.bcChatGroup}</Radio.Button>
        </Radio.Group>
      </Form.Item>
      <Form.Item noStyle shouldUpdate={(a, b) => a.audience?.chatType !== b.audience?.chatType}>
        {(form) =>
          form.getFieldValue(["audience", "chatType"]) === "group" ? (
            <>
              <Form.Item name={["audience", "owners"]} label={t.bcOwners} extra={t.staffHint}>
                <IdsInput data-testid="bc-owners" />
              </Form.Item>
              <Form.Item name={["audience", "chatIds"]} label={t.bcChatIds}>
                <IdsInput data-testid="bc-chat-ids" />
              </Form.Item>
            </>
          ) : (
            <>
              <Form.Item name={["audience", "staff"]} label={t.bcStaffFilter} extra={t.staffHint}>
                <IdsInput data-testid="bc-staff" />
              </Form.Item>
              <Form.List name={["audience", "tags", "allOf"]}>
                {(rows, { add, remove }) => (
                  <Form.Item label={t.bcTagGroups} extra={t.bcTagGroupsHint}>
                    <Space orientation="vertical" style={{ width: "100%" }}>
                      {rows.map((row) => (
                        <Space.Compact key={row.key} style={{ width: "100%" }}>
                          <Form.Item name={row.name} noStyle>
                            {tagSelect(`bc-tag-group-${row.name}`)}
                          </Form.Item>
                          <Button onClick={() => remove(row.name)}>{t.bcRemove}</Button>
                        </Space.Compact>
                      ))}
                      <Button data-testid="bc-add-tag-group" onClick={() => add([])}>
                        {t.bcAddTagGroup}
                      </Button>
                    </Space>
                  </Form.Item>
                )}
              </Form.List>
              <Form.Item name={["audience", "tags", "noneOf"]} label={t.bcNoneOf}>
                {tagSelect("bc-none-of")}
              </Form.Item>
              <Form.Item name={["audience", "channels"]} label={t.channel}>
                <Select mode="multiple" allowClear data-testid="bc-channels" loading={channels.loading} options={(channels.data?.items ?? []).map((c) => ({ value: c.channelId, label: c.name }))} />
              </Form.Item>
              <Form.Item name={["audience", "added"]} label={t.addedDate} extra={keptRange}>
                <DatePicker.RangePicker allowEmpty={[true, true]} />
              </Form.Item>
              <Form.Item name={["audience", "externalUserIds"]} label={t.bcExternalUserIds}>
                <IdsInput data-testid="bc-external-ids" />
              </Form.Item>
            </>
          )
        }
      </Form.Item>
    </>
  );
}
