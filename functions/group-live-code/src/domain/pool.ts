/**
 * A live code's pool of groups and native mode's WeCom join way over it.
 *
 * WeCom facts this rests on (wecom-reference §9, wecom-services §C1/§C4):
 * - a join way (`add_join_way`, scene 2 = QR) lists **1..5** groups (`chat_id_list`); a scan goes to
 *   the first listed group that is not full, and a group is full for QR joins at 200 members;
 * - with `auto_create_room = 1`, a scan that finds every listed group full makes WeCom create
 *   `room_base_name` + serial and **append it to the join way's list** (an UNCONFIRMED behaviour the
 *   anchors rely on; the simulator does it), so the list WeCom holds can differ from what Siyu sent;
 * - `update_join_way` is a **full overwrite**: omitted fields reset to their defaults (even
 *   `auto_create_room` back to 1), and a group missing from `chat_id_list` is dropped. LinkWeChat sends
 *   its stored list and so drops the groups WeCom auto-created since (wecom-services §C2); Siyu always
 *   reads (`get_join_way`) first and plans from what WeCom holds;
 * - dismissed groups are refused in `chat_id_list`.
 *
 * Modelling decisions:
 * - the pool is ordered (the order groups were added); a group leaves routing by being full,
 *   dismissed or removed by the operator, and a removed group stays in the state (`removed`) so it is
 *   never mistaken for a group WeCom auto-created;
 * - **the listed set changes only when it must**: groups already listed that still have room stay,
 *   in WeCom's order, and free slots are filled in pool order. One group reaching capacity is thus
 *   swapped for exactly one other (or just dropped when no other has room), and WeCom's routing
 *   (first non-full listed group) fills groups one after the other;
 * - when no group has room, the join way keeps its full groups rather than an empty list (WeCom needs
 *   at least one): with auto-create on WeCom then creates the next group on the next scan, which is
 *   the only way to create a customer group through the API; with it off scans fail, and alerts.ts
 *   says so.
 */
import { type JoinWayFields, WECOM_LIMITS as L } from "@siyu/wecom";
import type { AutoCreate } from "./code.ts";

/** One group of a code's pool, as the service tracks it (members.ts keeps the counts). */
export interface GroupState {
  chatId: string;
  /** Unknown for a group WeCom auto-created until `groupchat/get` answers. */
  ownerUserId?: string;
  /** This group's capacity (the code's, or the group's override): at most 200 (§9). */
  capacity: number;
  /** Every member, staff and customers alike: WeCom's 200 counts them all. */
  members: number;
  /** `groupchat/get.member_version` / the event's `CurMemVer` of the count above, when known. */
  memberVersion?: string;
  dismissed: boolean;
  /** WeCom created it through the join way's `auto_create_room` (it joined the pool then). */
  autoCreated: boolean;
  /** The operator removed it from the pool: never routed to again, never adopted again. */
  removed?: boolean;
}

export interface PoolState {
  /** In pool order. */
  groups: readonly GroupState[];
  /** The code's capacity, for groups adopted without an override. */
  capacity: number;
}

/** Whether a scan may be routed to the group: in the pool, not dismissed, below its capacity. */
export const hasRoom = (g: GroupState): boolean => !g.removed && !g.dismissed && g.members < g.capacity;

/** A pool at a glance, for lists: the live groups (not dismissed, not removed), their fill and free seats. */
export interface PoolSummary {
  groups: number;
  groupsWithRoom: number;
  fullGroups: number;
  members: number;
  capacity: number;
  freeSeats: number;
  /** Members over capacity of the live groups, in [0, 1] (0 for an empty pool); invites past capacity count as full. */
  fill: number;
}

/**
 * @example
 * poolSummary([g("wrA", 200), g("wrB", 50)]) // { groups: 2, groupsWithRoom: 1, fullGroups: 1, members: 250, capacity: 400, freeSeats: 150, fill: 0.625 }
 */
export function poolSummary(groups: readonly GroupState[]): PoolSummary {
  const live = groups.filter((g) => !g.removed && !g.dismissed);
  const withRoom = live.filter(hasRoom);
  const capacity = live.reduce((n, g) => n + g.capacity, 0);
  const seated = live.reduce((n, g) => n + Math.min(g.members, g.capacity), 0);
  return {
    groups: live.length,
    groupsWithRoom: withRoom.length,
    fullGroups: live.length - withRoom.length,
    members: live.reduce((n, g) => n + g.members, 0),
    capacity,
    freeSeats: capacity - seated,
    fill: capacity > 0 ? Math.round((seated / capacity) * 1000) / 1000 : 0,
  };
}

/**
 * The ≤ 5 groups native mode lists: those of `listed` (WeCom's current list, in its order) that still
 * have room, then the pool's other groups with room in pool order. Deterministic; the set changes only
 * when a listed group stops having room or a slot is free.
 *
 * @example
 * eligibleGroups(pool, ["wrA", "wrB"]) // ["wrA", "wrB", "wrC", "wrD", "wrE"] while all have room
 */
export function eligibleGroups(pool: PoolState, listed: readonly string[] = []): string[] {
  const byId = new Map(pool.groups.map((g) => [g.chatId, g]));
  const out: string[] = [];
  const take = (g: GroupState | undefined) => {
    if (g && out.length < L.joinWayChatIds && hasRoom(g) && !out.includes(g.chatId)) out.push(g.chatId);
  };
  for (const id of listed) take(byId.get(id));
  for (const g of pool.groups) take(g);
  return out;
}

/**
 * The groups of WeCom's list the pool does not know: WeCom auto-created them since the last read
 * (they are in no other code's pool: a join way only adds groups it created). They join the pool at
 * the end, with the code's capacity and an unknown count (0) that the app reconciles with
 * `groupchat/get` right away.
 */
export function adoptAutoCreated(pool: PoolState, listed: readonly string[]): GroupState[] {
  const known = new Set(pool.groups.map((g) => g.chatId));
  return [...new Set(listed)]
    .filter((id) => !known.has(id))
    .map((chatId) => ({ chatId, capacity: pool.capacity, members: 0, dismissed: false, autoCreated: true }));
}

/** The join-way settings a code asks for (everything but the list). */
export interface JoinWaySettings {
  /** The code's name: WeCom keeps 30 characters of a remark. */
  name: string;
  autoCreate: AutoCreate;
  /** `joinWayState(codeId)`. */
  state: string;
  /**
   * The `room_base_id` Siyu last sent. While the operator's setting still equals it, the read's value
   * is sent back, so an update never restarts WeCom's serial (duplicate group names).
   */
  roomBaseIdApplied?: number;
}

/** `get_join_way`'s answer as the domain reads it (`join_way` of `@siyu/wecom`'s `JoinWayResponse`). */
export interface JoinWayRead {
  config_id: string;
  scene?: number;
  remark?: string;
  auto_create_room?: number;
  room_base_name?: string;
  room_base_id?: number;
  chat_id_list: readonly string[];
  state?: string;
}

export type JoinWayRequest = JoinWayFields & { config_id: string };

export interface JoinWayUpdatePlan {
  /** The complete `update_join_way` body: every field, since the update overwrites. */
  request: JoinWayRequest;
  /** Groups listed now that were not (swapped in). */
  listedIn: string[];
  /** Groups WeCom listed that this update drops (full, dismissed or removed). */
  listedOut: string[];
}

const remarkOf = (name: string) => [...name].slice(0, L.joinWayRemarkChars).join("");

/** The settings fields of an add or update body (scene 2: a QR code). */
function settingsFields(s: JoinWaySettings, read?: JoinWayRead): Omit<JoinWayFields, "chat_id_list"> {
  const base = { scene: 2 as const, remark: remarkOf(s.name), state: s.state };
  if (!s.autoCreate.enabled) {
    // Off: keep WeCom's naming fields as they were (they do nothing while off, and re-enabling sets them).
    return {
      ...base,
      auto_create_room: 0,
      ...(read?.room_base_name !== undefined && { room_base_name: read.room_base_name }),
      ...(read?.room_base_id !== undefined && { room_base_id: read.room_base_id }),
    };
  }
  const keepSerial = read?.room_base_id !== undefined && s.roomBaseIdApplied === s.autoCreate.roomBaseId;
  return {
    ...base,
    auto_create_room: 1,
    room_base_name: s.autoCreate.roomBaseName,
    room_base_id: keepSerial ? (read.room_base_id as number) : s.autoCreate.roomBaseId,
  };
}

function settingsDiffer(want: Omit<JoinWayFields, "chat_id_list">, read: JoinWayRead): boolean {
  return (
    want.scene !== (read.scene ?? 2) ||
    want.remark !== (read.remark ?? "") ||
    want.state !== (read.state ?? "") ||
    want.auto_create_room !== (read.auto_create_room ?? 1) ||
    (want.auto_create_room === 1 && (want.room_base_name !== (read.room_base_name ?? "") || want.room_base_id !== read.room_base_id))
  );
}

/** The list to send: the eligible groups, or (none has room) the live groups WeCom lists, else the pool's. */
function targetList(pool: PoolState, listed: readonly string[]): string[] {
  const eligible = eligibleGroups(pool, listed);
  if (eligible.length > 0) return eligible;
  const byId = new Map(pool.groups.map((g) => [g.chatId, g]));
  const live = (g: GroupState | undefined): g is GroupState => !!g && !g.removed && !g.dismissed;
  const fromListed = listed.filter((id) => live(byId.get(id)));
  if (fromListed.length > 0) return fromListed.slice(0, L.joinWayChatIds);
  return pool.groups
    .filter(live)
    .slice(0, L.joinWayChatIds)
    .map((g) => g.chatId);
}

/**
 * What to send with `update_join_way` after reading the join way (`get_join_way`), or `undefined`
 * when WeCom already holds the right configuration (no call). Groups WeCom auto-created since the last
 * read are adopted first (`adoptAutoCreated`; the caller persists them too), so they stay listed while
 * they have room. When no live group is left at all, nothing can be sent (WeCom refuses an empty or
 * dismissed list): `undefined`, and alerts.ts reports the code as unable to route.
 *
 * @example
 * const read = (await wecom.getJoinWay(configId)).join_way;
 * const plan = planJoinWayUpdate(read, pool, { name, autoCreate, state: joinWayState(codeId), roomBaseIdApplied });
 * if (plan) await wecom.updateJoinWay(plan.request);
 */
export function planJoinWayUpdate(read: JoinWayRead, pool: PoolState, settings: JoinWaySettings): JoinWayUpdatePlan | undefined {
  const merged: PoolState = { ...pool, groups: [...pool.groups, ...adoptAutoCreated(pool, read.chat_id_list)] };
  const list = targetList(merged, read.chat_id_list);
  if (list.length === 0) return undefined;
  const fields = settingsFields(settings, read);
  const current = new Set(read.chat_id_list);
  const sameList = list.length === current.size && list.every((id) => current.has(id));
  if (sameList && !settingsDiffer(fields, read)) return undefined;
  return {
    request: { config_id: read.config_id, ...fields, chat_id_list: list },
    listedIn: list.filter((id) => !current.has(id)),
    listedOut: [...current].filter((id) => !list.includes(id)),
  };
}

/**
 * The `add_join_way` body for a new native code, or `undefined` while no group of the pool is live
 * (WeCom needs 1..5 chat ids).
 *
 * @example
 * planJoinWayCreate(pool, { name: "新品体验群", autoCreate: { enabled: false }, state: "glc.k3v9q2m7xa" })
 */
export function planJoinWayCreate(pool: PoolState, settings: JoinWaySettings): JoinWayFields | undefined {
  const list = targetList(pool, []);
  if (list.length === 0) return undefined;
  return { ...settingsFields(settings), chat_id_list: list };
}

