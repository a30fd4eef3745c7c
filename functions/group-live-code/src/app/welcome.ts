/**
 * A code's group welcome (domain/welcome.ts): the one template written to WeCom's library through a
 * claim (`add` is not idempotent), edited when the content changes, deleted when the welcome goes;
 * then every routed group's owner told once which template to pick for which group. Runs inside the
 * code's FIFO sync, so one code's steps never race each other — and never stall it: a refusal is
 * recorded and shown, only transient failures are retried.
 */
import { isTransientWecomError, WecomApiError } from "@siyu/wecom";
import { planWelcomeNotices, planWelcomeTemplate, type RoutedGroup, type WelcomeTemplateRecord } from "../domain/welcome.ts";
import { type CodeRecord, type GroupItem, mutateCode } from "../store/codes.ts";
import { claimNotice, markNotified, noticesOf, releaseNotice, type WelcomeNoticeRow } from "../store/welcome.ts";
import type { Deps } from "./deps.ts";

export type WelcomeOutcome = "added" | "edited" | "deleted" | "refused" | "waiting" | "unchanged";

const refusal = (error: unknown): WecomApiError | undefined => (error instanceof WecomApiError && !isTransientWecomError(error) ? error : undefined);

const withoutWelcome = ({ welcome: _w, ...rest }: CodeRecord): CodeRecord => rest;

/** Bring WeCom's template in line with the code's welcome; returns the code as stored after. */
export async function syncWelcomeTemplate(deps: Deps, code: CodeRecord): Promise<{ code: CodeRecord; outcome: WelcomeOutcome }> {
  const { table } = deps.config;
  const now = deps.now();
  const at = now.toISOString();
  const step = planWelcomeTemplate(code.status === "archived" ? undefined : code.definition.welcome, code.welcome, now);
  if (step.kind === "none") return { code, outcome: "unchanged" };
  if (step.kind === "wait") return { code, outcome: "waiting" };
  if (step.kind === "delete") {
    await delTemplate(deps, step.templateId);
    const saved = await mutateCode(table, code.codeId, (c) => (c.welcome?.templateId === step.templateId ? withoutWelcome(c) : undefined), at);
    return { code: saved ?? withoutWelcome(code), outcome: "deleted" };
  }
  const wecom = await deps.wecom();
  const refused = async (error: WecomApiError, base: WelcomeTemplateRecord): Promise<{ code: CodeRecord; outcome: WelcomeOutcome }> => {
    deps.log.warn("group welcome refused by WeCom", { codeId: code.codeId, errcode: error.errcode });
    const record: WelcomeTemplateRecord = { ...base, refused: { contentHash: step.contentHash, errcode: error.errcode, message: error.message, at } };
    return { code: (await mutateCode(table, code.codeId, (c) => ({ ...c, welcome: record }), at)) ?? code, outcome: "refused" };
  };
  if (step.kind === "edit") {
    try {
      await wecom.editGroupWelcomeTemplate(step.templateId, step.body);
    } catch (error) {
      const r = refusal(error);
      if (!r) throw error;
      return refused(r, { state: "created", templateId: step.templateId, ...(code.welcome?.contentHash ? { contentHash: code.welcome.contentHash } : {}) });
    }
    const saved = await mutateCode(table, code.codeId, (c) => (c.welcome?.templateId === step.templateId ? { ...c, welcome: { state: "created", templateId: step.templateId, contentHash: step.contentHash } } : undefined), at);
    deps.log.info("group welcome template edited", { codeId: code.codeId, templateId: step.templateId });
    return { code: saved ?? code, outcome: "edited" };
  }
  // add: claimed first; a claim whose answer was lost is retried once it is stale (welcome.ts)
  const wanted = code.definition.welcome;
  const claimed = await mutateCode(table, code.codeId, (c) => (planWelcomeTemplate(wanted, c.welcome, now).kind === "add" ? { ...c, welcome: { state: "claimed", claimedAt: at } } : undefined), at);
  if (claimed?.welcome?.state !== "claimed" || claimed.welcome.claimedAt !== at) return { code: claimed ?? code, outcome: "waiting" };
  let templateId: string;
  try {
    templateId = (await wecom.addGroupWelcomeTemplate({ ...step.body, notify: 0 })).template_id;
  } catch (error) {
    const r = refusal(error);
    if (!r) throw error;
    return refused(r, { state: "refused" });
  }
  const created = await mutateCode(table, code.codeId, (c) => ({ ...c, welcome: { state: "created", templateId, contentHash: step.contentHash } }), at);
  deps.log.info("group welcome template created", { codeId: code.codeId, templateId });
  return { code: created ?? claimed, outcome: "added" };
}

/** Delete a template; one WeCom no longer has is already gone. */
export async function delTemplate(deps: Deps, templateId: string): Promise<void> {
  try {
    await (await deps.wecom()).delGroupWelcomeTemplate(templateId);
  } catch (error) {
    const r = refusal(error);
    if (!r) throw error;
    deps.log.warn("group welcome template already gone", { templateId, errcode: r.errcode });
  }
}

/**
 * Tell the owners of the routed groups not told yet (one app message per owner, ≤ 10 groups each):
 * the groups are claimed before the send; a transient failure gives the claims back (the next sync
 * tells again), a refusal keeps them with its errcode (shown per group, not retried). Returns how many
 * groups' owners were told now.
 */
export async function notifyRoutedOwners(deps: Deps, code: CodeRecord, routed: readonly GroupItem[]): Promise<number> {
  const templateId = code.welcome?.state === "created" ? code.welcome.templateId : undefined;
  const welcome = code.definition.welcome;
  if (!templateId || !welcome || code.status === "archived" || routed.length === 0) return 0;
  const { table } = deps.config;
  const told = await noticesOf(table, code.codeId, templateId);
  const groups: RoutedGroup[] = routed.map((g) => ({
    chatId: g.chatId,
    ...(g.name ? { name: g.name } : {}),
    ...(g.ownerUserId ? { ownerUserId: g.ownerUserId } : {}),
    ...(told.has(g.chatId) ? { welcomeNotice: templateId } : {}),
  }));
  let count = 0;
  for (const planned of planWelcomeNotices(groups, templateId, code.definition.name, welcome)) {
    const at = deps.now().toISOString();
    const mine = new Set<string>();
    for (const chatId of planned.chatIds) if (await claimNotice(table, code.codeId, { chatId, templateId, to: planned.to, claimedAt: at })) mine.add(chatId);
    if (mine.size === 0) continue;
    // another sync told some of them meanwhile: the message names only the groups claimed here
    const notice = mine.size === planned.chatIds.length ? planned : planWelcomeNotices(groups.filter((g) => mine.has(g.chatId)), templateId, code.definition.name, welcome)[0]!;
    try {
      const { client, agentId } = await deps.app();
      await client.sendAppMessage({ touser: notice.to, agentid: agentId, msgtype: "text", text: { content: notice.text } });
    } catch (error) {
      const r = refusal(error);
      for (const chatId of mine) {
        if (r) await markNotified(table, code.codeId, templateId, chatId, { failed: { errcode: r.errcode, at } });
        else await releaseNotice(table, code.codeId, templateId, chatId);
      }
      if (!r) throw error;
      deps.log.warn("group owner could not be told to set the welcome", { codeId: code.codeId, to: notice.to, errcode: r.errcode });
      continue;
    }
    const sentAt = deps.now().toISOString();
    for (const chatId of mine) await markNotified(table, code.codeId, templateId, chatId, { notifiedAt: sentAt });
    count += mine.size;
    deps.log.info("group owners told to set the welcome", { codeId: code.codeId, to: notice.to, chatIds: [...mine] });
  }
  return count;
}

/** Per group: what its owner was told about the code's current template. */
export async function welcomeNoticesOf(deps: Deps, code: CodeRecord): Promise<Map<string, WelcomeNoticeRow>> {
  const templateId = code.welcome?.state === "created" ? code.welcome.templateId : undefined;
  return templateId ? noticesOf(deps.config.table, code.codeId, templateId) : new Map();
}
