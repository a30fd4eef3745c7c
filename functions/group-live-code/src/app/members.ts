/**
 * contact-intake's group events → the pool's state: member counts follow `group.member_changed` while
 * its versions chain; a gap (a lost or reordered event) or a change without versions is settled by
 * `groupchat/get`. When a group's room changes (it filled, or a seat came free, or it was dismissed),
 * its code's join way is synced.
 */
import { type DomainEvent, deterministicId } from "@siyu/kernel";
import { putFacts } from "../store/facts.ts";
import { applyMemberChange, reconcileMembers } from "../domain/members.ts";
import { hasRoom } from "../domain/pool.ts";
import { expireHolds, reconciledTaken, seatsOnJoin, seatsOnLeave } from "../domain/seats.ts";
import { adjustSeat } from "../store/seats.ts";
import { counterOf, ledgerOf } from "./landing.ts";
import { codeOfChat, getCode, getGroup, type GroupItem, putGroups } from "../store/codes.ts";
import type { Deps } from "./deps.ts";
import { updateRouting } from "./alerts.ts";
import { requestSync } from "./sync-requests.ts";

export const GROUP_EVENTS = ["group.member_changed", "group.dismissed"] as const;
type GroupEventType = (typeof GROUP_EVENTS)[number];
export type GroupEvent = { [K in GroupEventType]: DomainEvent<K> }[GroupEventType];

export async function applyGroupEvent(deps: Deps, e: GroupEvent): Promise<"ignored" | "applied" | "reconciled" | "dismissed"> {
  const { table } = deps.config;
  const codeId = await codeOfChat(table, e.data.chatId);
  if (!codeId) return "ignored";
  const [code, group] = await Promise.all([getCode(table, codeId), getGroup(table, codeId, e.data.chatId)]);
  if (!code || !group || code.status === "archived") return "ignored";
  const now = deps.now().toISOString();
  if (e.type === "group.dismissed") {
    await putGroups(table, [{ ...group, dismissed: true, updatedAt: now }]);
    if (code.definition.mode === "native") await requestSync(deps, codeId, "dismissed", e.id);
    else await updateRouting(deps, codeId);
    return "dismissed";
  }
  const d = e.data as DomainEvent<"group.member_changed">["data"] & { lastMemberVersion?: string; joinScene?: number; quitScene?: number };
  const applied = applyMemberChange(group, {
    chatId: d.chatId,
    change: d.change,
    changedAt: d.changedAt,
    ...(d.memberChangeCount !== undefined ? { memberChangeCount: d.memberChangeCount } : {}),
    ...(d.memberVersion !== undefined ? { memberVersion: d.memberVersion } : {}),
    ...(d.lastMemberVersion !== undefined ? { lastMemberVersion: d.lastMemberVersion } : {}),
    ...(d.joinScene !== undefined ? { joinScene: d.joinScene } : {}),
    ...(d.quitScene !== undefined ? { quitScene: d.quitScene } : {}),
  });
  if (applied.outcome === "ignored" || applied.outcome === "duplicate") return "ignored";
  // the event names who joined or left: membership and the stats facts follow
  const ids = (d as { memberIds?: string[] }).memberIds ?? [];
  const known = new Set(group.memberIds ?? []);
  const memberIds = d.change === "add_member" ? [...known, ...ids.filter((id) => !known.has(id))] : [...known].filter((id) => !ids.includes(id));
  let next: GroupItem = { ...group, ...applied.group, ...(ids.length > 0 ? { memberIds } : {}), updatedAt: now };
  let outcome: "applied" | "reconciled" = "applied";
  let facts: Parameters<typeof putFacts>[2] = ids.map((memberId) =>
    d.change === "add_member"
      ? { kind: "join" as const, at: d.changedAt, chatId: d.chatId, memberId, viaCode: d.joinScene === 3, id: deterministicId("join", d.chatId, memberId, d.changedAt) }
      : { kind: "leave" as const, at: d.changedAt, chatId: d.chatId, memberId, id: deterministicId("leave", d.chatId, memberId, d.changedAt) },
  );
  if (applied.reconcile) {
    // WeCom's list is the truth: count, version, who joined and left
    const read = (await (await deps.wecom()).getGroupChat(d.chatId)).group_chat;
    const r = reconcileMembers(group, new Set(group.memberIds ?? []), { chat_id: read.chat_id, member_list: read.member_list ?? [], ...(read.owner ? { owner: read.owner } : {}), ...(read.member_version ? { member_version: read.member_version } : {}) });
    next = { ...group, ...r.group, ...(read.name ? { name: read.name } : {}), memberIds: (read.member_list ?? []).map((m) => m.userid), updatedAt: now };
    outcome = "reconciled";
    // WeCom's list attributes every join (its state names the code) and shows who left
    facts = [
      ...r.joined.map((j) => ({ kind: "join" as const, at: j.joinedAt ?? d.changedAt, chatId: d.chatId, memberId: j.memberId, viaCode: j.codeId === codeId, id: deterministicId("join", d.chatId, j.memberId, j.joinedAt ?? d.changedAt) })),
      ...r.left.map((memberId) => ({ kind: "leave" as const, at: d.changedAt, chatId: d.chatId, memberId, id: deterministicId("leave", d.chatId, memberId, d.changedAt) })),
    ];
  }
  await putFacts(table, codeId, facts);
  await putGroups(table, [next]);
  if (code.definition.mode === "landing") {
    // the seat counter follows: QR joins use up visitors' holds, invites take seats, leaves free them,
    // a reconciliation sets the true members (plus live holds)
    const at = deps.now();
    await adjustSeat(table, codeId, d.chatId, (s) => {
      const l = ledgerOf(s);
      if (outcome === "reconciled") return { taken: reconciledTaken(next.members, l, at), members: next.members, holds: expireHolds(l, at).ledger.holds };
      const joined = applied.joined > 0 ? seatsOnJoin(l, applied.joined, applied.byQr) : l;
      return counterOf(applied.left > 0 ? seatsOnLeave(joined, applied.left) : joined);
    });
  } else if (hasRoom(group) !== hasRoom(next)) await requestSync(deps, codeId, "members", e.id);
  // an auto-created group's owner is known now: they can be told about the welcome
  if (!group.ownerUserId && next.ownerUserId && code.definition.welcome) await requestSync(deps, codeId, "routed", `${e.id}.owner`);
  // landing codes have no sync: their routing status follows the pool here
  if (code.definition.mode === "landing" && hasRoom(group) !== hasRoom(next)) await updateRouting(deps, codeId);
  return outcome;
}
