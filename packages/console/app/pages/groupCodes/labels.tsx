import { Tag, Tooltip } from "antd";
import type { GroupCodeMode, Routing, WelcomeTemplateView } from "../../api/groupCodes";
import { useLang, type Words } from "../../i18n";

/** `{name}` placeholders of a word filled in. */
export const fmt = (word: string, values: Record<string, string | number>) => word.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ""));

export const modeLabel = (t: Words, m: GroupCodeMode) => (m === "landing" ? t.gcModeLanding : t.gcModeNative);

/** The word for a key of a family (`gcReason.pool-full`), or the raw value when there is none. */
const wordOf = (t: Words, family: string, value: string) => (t as Record<string, string>)[`${family}.${value}`] ?? value;

/** 分流中, or 无法入群 with the reason (and since when, on hover). */
export function RoutingTag({ routing }: { routing: Routing }) {
  const { t } = useLang();
  if (routing.state === "routing") return <Tag color="green">{t.gcRoutingOk}</Tag>;
  return (
    <Tooltip title={new Date(routing.since).toLocaleString()}>
      <Tag color="red" data-testid="routing-blocked">
        {t.gcBlocked}：{wordOf(t, "gcReason", routing.reason)}
      </Tag>
    </Tooltip>
  );
}

/** The welcome template's state in WeCom, with the refusal when WeCom refused it. */
export function TemplateState({ template }: { template: WelcomeTemplateView | null }) {
  const { t } = useLang();
  if (!template) return <Tag>{t.gcTemplateNone}</Tag>;
  const color = template.state === "created" ? "green" : template.state === "refused" ? "red" : "blue";
  return (
    <span data-testid="welcome-template">
      <Tag color={color}>{wordOf(t, "gcTemplate", template.state)}</Tag>
      {template.templateId && <code>{template.templateId}</code>}
      {template.refused && <div>{fmt(t.gcRefused, { errcode: template.refused.errcode, message: template.refused.message })}</div>}
    </span>
  );
}
