/**
 * Chinese words for the API's problems: the problem types of docs/problems.md and the services'
 * own, each as one sentence an operator can act on, and the schema rules of field errors by their
 * `code`. An unknown type or a domain rule's issue keeps the API's own `detail` / `message`.
 */
import type { Problem } from "./problem";

type Issue = NonNullable<Problem["errors"]>[number];
type Ext = Record<string, unknown>;

const num = (v: unknown) => (typeof v === "number" ? v : undefined);

/** Problem type slug → its Chinese sentence (some read the problem's extensions). */
const PROBLEMS: Record<string, (p: Problem & Ext) => string> = {
  "validation-failed": () => "提交的内容不符合要求，请按各字段的提示修改。",
  "invalid-json": () => "请求内容不是合法的 JSON。",
  "invalid-cursor": () => "分页位置已失效，请回到第一页重新翻页。",
  unauthorized: () => "登录已失效或令牌无效，请重新登录。",
  forbidden: () => "当前账号没有执行此操作的权限。",
  "not-found": () => "要找的记录不存在，可能已被删除。",
  "route-not-found": () => "接口不存在，请确认控制台与服务版本一致。",
  "method-not-allowed": () => "该接口不支持此操作。",
  conflict: () => "记录的状态已变化（可能刚被他人修改），请刷新后重试。",
  "payload-too-large": () => "提交的内容过大。",
  "unsupported-media-type": () => "提交的内容格式不被接受。",
  internal: (p) => `服务内部出错，请稍后重试${p.requestId ? `（请求号 ${p.requestId}，可据此查日志）` : ""}。`,
  "idempotency-key-reused": () => "同一个幂等键已用于另一份不同的请求，请刷新页面后重新提交。",
  "wecom-rejected": (p) => `企业微信拒绝了这次请求${num(p.errcode) !== undefined ? `（错误码 ${p.errcode}）` : ""}，未做任何修改。`,
  "wecom-unavailable": () => "企业微信暂时无法访问，请稍后重试。",
  "unknown-tag-group": () => "标签组不存在，请先从企业微信同步标签。",
  "corp-tag-limit": () => "企业标签数量已达企业微信上限，请先删除不用的标签。",
  "no-eligible-staff": () => "没有可以接待的员工（都已达今日上限或已停用），请调整接待员工。",
  "daily-limit": () => "该排期会超出每日上限（员工每天最多发 3 条朋友圈，或客户每天可见条数），已拒绝；请调整时间或范围。",
  "post-started": () => "这条朋友圈已开始发送，不能再修改。",
  "campaign-started": () => "群发已开始，不能再修改。",
  "campaign-finished": () => "群发已结束。",
  "nothing-to-remind": () => "没有需要提醒的员工（尚未开始，或都已发送）。",
  "remind-budget-exhausted": (p) => `企业微信每条消息 24 小时内最多提醒 3 次，已用完${typeof p.nextAt === "string" ? `；${new Date(p.nextAt).toLocaleString("zh-CN")} 后可再提醒` : ""}。`,
  "transfer-nothing-to-send": (p) => `没有可以转接的客户${num(p.excludedCount) !== undefined ? `（${p.excludedCount} 位被排除，原因见下方列表）` : ""}，未向企业微信发出任何请求。`,
  "code-archived": () => "该群活码已停用，不能再修改。",
  "group-not-in-pool": () => "该群不在此活码的群池中。",
};

/** The slug of a problem type URI (`https://siyu.dev/problems/conflict` → `conflict`). */
export const slugOf = (type: string) => type.slice(type.lastIndexOf("/") + 1);

/** The Chinese sentence for a problem of a known type, else undefined. */
export function problemZh(problem: Problem): string | undefined {
  return PROBLEMS[slugOf(problem.type)]?.(problem as Problem & Ext);
}

const UNITS: Record<string, string> = { string: "个字符", array: "项", set: "项", file: "字节" };

/** The Chinese words for a field error of a schema rule, else undefined (a domain rule's message stays). */
export function issueZh(issue: Issue): string | undefined {
  const unit = UNITS[issue.origin ?? ""] ?? "";
  switch (issue.code) {
    case "invalid_type":
      return "必填，或类型不对";
    case "too_small":
      if (issue.origin === "string" && issue.minimum === 1) return "不能为空";
      if (issue.origin === "array" && issue.minimum === 1) return "至少选择 1 项";
      return issue.minimum === undefined ? "太小" : `不能少于 ${issue.minimum}${unit}`;
    case "too_big":
      return issue.maximum === undefined ? "太大" : `不能超过 ${issue.maximum}${unit}`;
    case "invalid_format":
      if (issue.format === "url") return "不是有效的网址";
      if (issue.format === "datetime") return "不是有效的时间";
      // a pattern the schema's author described (e.g. "HH:MM, 00:00–23:59") says what is expected; zod's own does not
      if (issue.format === "regex" && issue.message && !/^Invalid/i.test(issue.message)) return `格式不对（${issue.message}）`;
      return "格式不对";
    case "invalid_value":
      return "不是允许的取值";
    case "unrecognized_keys":
      return "含有不认识的字段";
    case "not_multiple_of":
      return "数值不符合步长要求";
    case "invalid_union":
      return "内容不符合任何一种允许的格式";
    default:
      return undefined;
  }
}
