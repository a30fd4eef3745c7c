/**
 * A live code's group welcome (DOMAIN §4, seed 002: "群活码切换至新群时，是需要重新配置群欢迎语").
 *
 * What WeCom allows (official document 92366, 入群欢迎语素材管理): welcomes are **templates** in a corp
 * library (≤ 100, 41055; text ≤ 3000 bytes plus at most one attachment); `add` / `edit` / `del` /
 * `get` exist, but **no API binds a template to a group** — the group's owner picks it in the client
 * (群设置 → 入群欢迎语); `add`'s `notify` only tells every member that a template exists. An edit
 * changes the template everywhere it is used.
 *
 * So Siyu's live code:
 * - owns **one template** (created once through a claim, edited when the content changes, deleted
 *   when the welcome is removed or the code archived): changing the text is one edit for every group,
 *   never a re-configuration per group;
 * - tells each **routed** group's owner — once per (group, template), in one app message per owner
 *   for all their groups — exactly which group needs which welcome (`add` is sent with `notify: 0`,
 *   since a corp-wide notice names no group and reaches members who own none);
 * - shows per group whether its owner was told (`notifiedAt`), so the operator can chase the rest.
 *
 * Modelling decisions:
 * - "routed" means the code sent scans there: listed in the native join way, or given a landing join
 *   QR. Groups further down the pool are told when they come up, not weeks before;
 * - a group whose owner is not known yet (auto-created, not yet read) waits for its owner;
 * - a refusal (41055 library full, an expired media id, …) is recorded with the content it refused
 *   and shown; the same content is not sent again (the code's FIFO sync must not stall on it), a
 *   changed one is;
 * - a claim whose answer never came (a lost `add`) is retried after `WELCOME_CLAIM_STALE_MS`; WeCom
 *   has no list of templates, so the worst case is one orphan template in the library;
 * - an app message text is ≤ 2048 bytes: owners with many groups get several messages of at most
 *   `GROUPS_PER_NOTICE` groups.
 */
import { deterministicId } from "@siyu/kernel";
import type { GroupWelcomeTemplate } from "@siyu/wecom";
import { type GroupWelcome, toWecomGroupWelcome } from "./code.ts";

/** The code's template, as stored (its outbox: claimed before `add`, which WeCom does not dedupe). */
export interface WelcomeTemplateRecord {
  /** `refused`: WeCom refused the first `add` (no template exists). */
  state: "claimed" | "created" | "refused";
  templateId?: string;
  /** The content last written, as a hash of its WeCom body: an edit is sent only when it differs. */
  contentHash?: string;
  claimedAt?: string;
  /** WeCom refused this content (e.g. 41055 library full, a dead media id): not retried until it changes. */
  refused?: { contentHash: string; errcode: number; message: string; at: string };
}

export const WELCOME_CLAIM_STALE_MS = 5 * 60_000;
export const GROUPS_PER_NOTICE = 10;

export type WelcomeStep =
  | { kind: "add"; body: GroupWelcomeTemplate; contentHash: string }
  | { kind: "edit"; templateId: string; body: GroupWelcomeTemplate; contentHash: string }
  | { kind: "delete"; templateId: string }
  /** Another attempt holds a fresh claim: try again later. */
  | { kind: "wait" }
  | { kind: "none" };

const hashOf = (body: GroupWelcomeTemplate) => deterministicId("group-welcome", JSON.stringify(body));

/**
 * What to do with the code's template now, from the wanted welcome (none when the code has none or
 * is archived) and the stored record.
 *
 * planWelcomeTemplate({ text: "欢迎" }, undefined, now) // → { kind: "add", body: { text: { content: "欢迎" } }, … }
 */
export function planWelcomeTemplate(wanted: GroupWelcome | undefined, stored: WelcomeTemplateRecord | undefined, now: Date): WelcomeStep {
  if (!wanted) return stored?.templateId ? { kind: "delete", templateId: stored.templateId } : { kind: "none" };
  const body = toWecomGroupWelcome(wanted);
  const contentHash = hashOf(body);
  if (stored?.refused?.contentHash === contentHash) return { kind: "none" };
  if (stored?.state === "created" && stored.templateId) {
    return stored.contentHash === contentHash ? { kind: "none" } : { kind: "edit", templateId: stored.templateId, body, contentHash };
  }
  if (stored?.state === "claimed" && stored.claimedAt && now.getTime() - Date.parse(stored.claimedAt) < WELCOME_CLAIM_STALE_MS) return { kind: "wait" };
  return { kind: "add", body, contentHash };
}

/** A group the code routes to, with what its owner was told. */
export interface RoutedGroup {
  chatId: string;
  name?: string;
  ownerUserId?: string;
  /** The template id the owner was told to pick for this group. */
  welcomeNotice?: string;
}

export interface WelcomeNotice {
  to: string;
  chatIds: string[];
  text: string;
}

/** How an owner recognises the template in the client's picker: its text's start, or its attachment. */
export function welcomeLabel(w: GroupWelcome): string {
  if (w.text !== undefined) {
    const chars = [...w.text.replace(/\s+/g, " ").trim()];
    return `「${chars.slice(0, 24).join("")}${chars.length > 24 ? "…" : ""}」`;
  }
  const kinds: Record<string, string> = { image: "图片", link: "链接", miniprogram: "小程序", file: "文件", video: "视频" };
  return `仅含${kinds[w.attachment!.type] ?? "附件"}的那条`;
}

/**
 * The app messages that tell owners which of their groups need the code's welcome: every routed group
 * with a known owner not yet told about this template, grouped by owner (pool order kept), at most
 * `GROUPS_PER_NOTICE` groups a message.
 */
export function planWelcomeNotices(routed: readonly RoutedGroup[], templateId: string, codeName: string, welcome: GroupWelcome): WelcomeNotice[] {
  const byOwner = new Map<string, RoutedGroup[]>();
  for (const g of routed) {
    if (!g.ownerUserId || g.welcomeNotice === templateId) continue;
    byOwner.set(g.ownerUserId, [...(byOwner.get(g.ownerUserId) ?? []), g]);
  }
  const out: WelcomeNotice[] = [];
  for (const [to, groups] of byOwner) {
    for (let i = 0; i < groups.length; i += GROUPS_PER_NOTICE) {
      const chunk = groups.slice(i, i + GROUPS_PER_NOTICE);
      out.push({ to, chatIds: chunk.map((g) => g.chatId), text: noticeText(codeName, chunk, welcome) });
    }
  }
  return out;
}

function noticeText(codeName: string, groups: readonly RoutedGroup[], welcome: GroupWelcome): string {
  const names = groups.map((g) => `· ${g.name ? [...g.name].slice(0, 30).join("") : g.chatId}`);
  return [
    `群活码「${[...codeName].slice(0, 40).join("")}」正在把客户引导到你的以下客户群，请为它们设置入群欢迎语：`,
    ...names,
    `操作：在企业微信打开群聊 → 群设置 → 入群欢迎语，选择${welcomeLabel(welcome)}欢迎语。`,
    "以后欢迎语内容在 Siyu 中修改，已设置的群自动生效，无需重新设置。",
  ].join("\n");
}
