/**
 * A code's routing status and its alert: after anything that may change whether the code can route
 * (a group filled or was dismissed, a sync, a WeCom refusal), the domain says `routing` or `blocked`
 * with why; an episode's one app message goes to the code's owner, claimed with a marker first so
 * concurrent triggers never send it twice.
 */
import { key, putIfAbsent } from "@siyu/store";
import { alerted, alertRecipient, type CodeRouting, decideRouting } from "../domain/alerts.ts";
import { codePk, getCode, groupsOf, putCode } from "../store/codes.ts";
import type { Deps } from "./deps.ts";

const ROUTING: CodeRouting = { state: "routing" };

export async function updateRouting(deps: Deps, codeId: string, wecomRefusal?: { errcode: number; at: string }): Promise<CodeRouting | undefined> {
  const { table } = deps.config;
  for (let attempt = 0; attempt < 3; attempt++) {
    const code = await getCode(table, codeId);
    if (!code || code.status === "archived") return undefined;
    const groups = await groupsOf(table, codeId);
    const previous = (code.routing as CodeRouting | undefined) ?? ROUTING;
    const now = deps.now();
    const d = decideRouting({ codeId, groups, autoCreate: code.definition.autoCreate, ...(wecomRefusal ? { wecomRefusal } : {}) }, previous, code.definition.name, now);
    let status = d.status;
    if (d.alert) {
      const to = alertRecipient(code.definition, groups);
      // one message per episode, whoever gets here first
      if (to && (await putIfAbsent(table, { pk: codePk(codeId), sk: key("alert", d.alert.episodeId), at: now.toISOString(), to, reason: d.alert.reason }))) {
        const { client, agentId } = await deps.app();
        await client.sendAppMessage({ touser: to, agentid: agentId, msgtype: "text", text: { content: d.alert.text } });
        deps.log.warn("live code cannot route; owner alerted", { codeId, reason: d.alert.reason, to });
      }
      status = alerted(status, now);
    }
    if (JSON.stringify(status) === JSON.stringify(previous)) return status;
    if (await putCode(table, { ...code, routing: status, version: code.version + 1, updatedAt: now.toISOString() }, code.version)) return status;
  }
  return undefined;
}
