/**
 * Member counts of a pool's groups, from `change_external_chat` events (contact-intake publishes them
 * as `group.member_changed`) and from `groupchat/get`, and the attribution of each joiner.
 *
 * WeCom facts (wecom-reference §3, §9; wecom-services §C1):
 * - an `update` event carries `UpdateDetail` (`add_member` / `del_member` / …), `MemChangeCnt`,
 *   `JoinScene` (0 invited, 3 QR) or `QuitScene` (0 left, 1 removed), and `LastMemVer` / `CurMemVer`:
 *   the member-list version before and after. Versions are opaque (no order): a change follows the
 *   count Siyu holds only when its `LastMemVer` is the version of that count;
 * - callbacks can be lost or reordered (WeCom retries 3 times, then gives up; §12), so a version that
 *   does not follow means an event is missing: the count is reconciled with `groupchat/get`, whose
 *   `member_version` is the version of its `member_list`;
 * - the add event has no `State`: who came through which code is only known from `groupchat/get
 *   member_list[].state`, `join_scene` (1 direct invite, 2 link, 3 QR — not the event's 0/3) and
 *   `join_time` (Unix seconds). Some fields fill in asynchronously after the event.
 *
 * Modelling decisions:
 * - while unverified, adds are applied and removals are not: a count that is too high only stops
 *   routing early; one that is too low would route past capacity. The reconciliation settles it;
 * - after a gap the version is forgotten (`memberVersion` undefined), so every change until the
 *   reconciliation is unverified too, instead of chaining onto a count known to be wrong;
 * - an event whose `CurMemVer` is the version held was applied already (a redelivery): no change.
 */
import type { GroupState } from "./pool.ts";
import { codeIdOfState } from "./code.ts";
import { GroupNotInPool } from "./errors.ts";

/**
 * A member change as the consumer reads it: `group.member_changed` plus the event fields it should
 * carry (`lastMemberVersion`, `joinScene`, `quitScene`; contact-intake has them from the XML).
 */
export interface MemberChange {
  chatId: string;
  change: "add_member" | "del_member" | "change_owner" | "change_name" | "change_notice" | "other";
  /** `MemChangeCnt`. */
  memberChangeCount?: number;
  /** `LastMemVer`. */
  lastMemberVersion?: string;
  /** `CurMemVer`. */
  memberVersion?: string;
  /** The event's `JoinScene`: 0 invited (direct or link), 3 QR scan. */
  joinScene?: number;
  /** The event's `QuitScene`: 0 left, 1 removed by the owner or an admin. */
  quitScene?: number;
  changedAt: string;
}

export type ChangeOutcome =
  /** Followed the count held: applied and verified. */
  | "applied"
  /** Already applied (its `CurMemVer` is the version held). */
  | "duplicate"
  /** Not about members (owner, name, notice). */
  | "ignored"
  /** Applied as far as safe; the count cannot be trusted until reconciled. */
  | "unverified";

export interface AppliedChange {
  group: GroupState;
  outcome: ChangeOutcome;
  /** Read `groupchat/get` and `reconcileMembers`: `gap` = an event is missing; `unverified` = nothing to check against. */
  reconcile?: "gap" | "unverified";
  /** Members added by this change (to attribute once `groupchat/get` answers) and removed. */
  joined: number;
  left: number;
  /** The joins came by QR (`JoinScene` 3): in landing mode they use up seat holds (seats.ts). */
  byQr: boolean;
}

/**
 * Apply one member change to the group's state.
 *
 * @example
 * applyMemberChange(group, { chatId, change: "add_member", memberChangeCount: 1, lastMemberVersion: "v1", memberVersion: "v2", joinScene: 3, changedAt })
 * // → { group: { …, members: group.members + 1, memberVersion: "v2" }, outcome: "applied", joined: 1, left: 0, byQr: true }
 */
export function applyMemberChange(group: GroupState, e: MemberChange): AppliedChange {
  if (e.chatId !== group.chatId) throw new GroupNotInPool(e.chatId);
  const none = { joined: 0, left: 0, byQr: false };
  if (e.change !== "add_member" && e.change !== "del_member") return { group, outcome: "ignored", ...none };
  if (e.memberVersion !== undefined && e.memberVersion === group.memberVersion) return { group, outcome: "duplicate", ...none };

  const count = e.memberChangeCount;
  const countKnown = count !== undefined && count > 0;
  const follows = group.memberVersion !== undefined && e.lastMemberVersion !== undefined && e.lastMemberVersion === group.memberVersion;
  const isAdd = e.change === "add_member";
  const delta = countKnown ? count : 1;
  // A removal of more members than the group holds cannot follow the count either.
  const countFits = isAdd || delta <= group.members;
  const byQr = isAdd && e.joinScene === 3;

  if (follows && countKnown && countFits) {
    const members = isAdd ? group.members + delta : group.members - delta;
    const next: GroupState = { ...group, members, ...(e.memberVersion !== undefined ? { memberVersion: e.memberVersion } : {}) };
    return { group: next, outcome: "applied", joined: isAdd ? delta : 0, left: isAdd ? 0 : delta, byQr };
  }

  const gap = (group.memberVersion !== undefined && e.lastMemberVersion !== undefined && !follows) || !countKnown || !countFits;
  const { memberVersion: _forgotten, ...rest } = group;
  const next: GroupState = isAdd ? { ...rest, members: group.members + delta } : rest;
  return { group: next, outcome: "unverified", reconcile: gap ? "gap" : "unverified", joined: isAdd ? delta : 0, left: 0, byQr };
}

/** One member as `groupchat/get` lists it (`member_list[]` of `@siyu/wecom`'s `GroupChatResponse`). */
export interface GroupChatMember {
  userid: string;
  type?: number;
  unionid?: string;
  join_time?: number;
  join_scene?: number;
  invitor?: { userid?: string };
  state?: string;
}

export interface GroupChatRead {
  chat_id: string;
  owner?: string;
  member_list: readonly GroupChatMember[];
  member_version?: string;
}

export type JoinScene = "invite" | "link" | "qr" | "unknown";

/** Who joined, how and when, and through which live code (if a join way's `state` names one). */
export interface JoinAttribution {
  chatId: string;
  /** `external_userid` for customers, `userid` for staff. */
  memberId: string;
  kind: "customer" | "staff";
  unionid?: string;
  joinScene: JoinScene;
  /** UTC ISO instant. */
  joinedAt?: string;
  state?: string;
  /** The live code the member's `state` names (code.ts `joinWayState`). */
  codeId?: string;
  inviterUserId?: string;
}

const SCENES: Record<number, JoinScene> = { 1: "invite", 2: "link", 3: "qr" };

/** One `member_list[]` entry as an attribution. */
export function attributeMember(chatId: string, m: GroupChatMember): JoinAttribution {
  const codeId = codeIdOfState(m.state);
  return {
    chatId,
    memberId: m.userid,
    kind: m.type === 1 ? "staff" : "customer",
    joinScene: (m.join_scene !== undefined && SCENES[m.join_scene]) || "unknown",
    ...(m.unionid ? { unionid: m.unionid } : {}),
    ...(m.join_time !== undefined ? { joinedAt: new Date(m.join_time * 1000).toISOString() } : {}),
    ...(m.state ? { state: m.state } : {}),
    ...(codeId !== undefined ? { codeId } : {}),
    ...(m.invitor?.userid ? { inviterUserId: m.invitor.userid } : {}),
  };
}

export interface Reconciliation {
  group: GroupState;
  /** Members the list has that Siyu did not hold (attributed), in the list's order. */
  joined: JoinAttribution[];
  /** Member ids Siyu held that the list no longer has. */
  left: string[];
  /** The count Siyu held was off by this much (list − held): 0 when no event was missed. */
  drift: number;
}

/**
 * Settle a group's count from a `groupchat/get` answer: the count is the list's length and the
 * version its `member_version`; members new to Siyu are attributed and members gone are leaves.
 * WeCom's list is the truth: it wins over every event applied before it.
 *
 * @example
 * reconcileMembers(group, new Set(["wmA", "zhangsan"]), (await wecom.getGroupChat(chatId)).group_chat)
 */
export function reconcileMembers(group: GroupState, knownMemberIds: ReadonlySet<string>, read: GroupChatRead): Reconciliation {
  if (read.chat_id !== group.chatId) throw new GroupNotInPool(read.chat_id);
  const ids = new Set(read.member_list.map((m) => m.userid));
  const joined = read.member_list.filter((m) => !knownMemberIds.has(m.userid)).map((m) => attributeMember(group.chatId, m));
  const left = [...knownMemberIds].filter((id) => !ids.has(id));
  const { memberVersion: _old, ...rest } = group;
  const next: GroupState = {
    ...rest,
    members: ids.size,
    ...(read.member_version ? { memberVersion: read.member_version } : {}),
    ...(read.owner ? { ownerUserId: read.owner } : {}),
  };
  return { group: next, joined, left, drift: ids.size - group.members };
}
