/**
 * Landing mode: the permanent page `/g/{codeId}` picks a group with a free seat for each visitor and
 * shows that group's own join QR (a single-group join way, `auto_create_room = 0`, created on demand).
 *
 * Why seats and not member counts: a visitor shown a QR joins a few seconds later (or never), and
 * under a burst hundreds see the page before the first `change_external_chat` arrives. Routing by
 * the member count alone would send all of them to the same group past its capacity (the anchors'
 * landing pages do). So each group has a **seat counter** = members + live holds, and a visit takes a
 * seat with one conditional write (`taken < capacity`, atomic in the store) before the QR is shown.
 * The domain decides the order of the groups to try and what taking, joining, leaving and expiring
 * do to the counter; the store only executes them atomically.
 *
 * - A **hold** lives `SEAT_HOLD_SECONDS`: a visitor who never scans gives the seat back then. A
 *   QR-scan join (`JoinScene = 3`, wecom-reference §3) turns the oldest live hold into a member (the
 *   count does not move); any other join (an invite, a QR shared outside the page) adds a seat. Holds
 *   can only make the counter higher than the members, never lower: a group may look full for a
 *   few minutes too early, never too late. No route ever passes capacity.
 * - Candidates are tried in pool order (as WeCom fills its listed groups, §C4), so groups fill one
 *   after the other and look active; at most `SEAT_TRIES` per round, then a fresh read.
 * - **QRs ahead of need**: the code's sync makes the join QR of the first `QR_AHEAD` groups with free
 *   seats (pool order) before any visitor needs one, and a visit that brings a group to
 *   `QR_AHEAD_AT` of its capacity asks for that sync. So a visit is normally one conditional write —
 *   it never waits on WeCom; only a burst that outruns the sync makes a QR on the visit path.
 * - When no group has a seat the page tells the visitor the pool is full (and the owner is alerted,
 *   alerts.ts). Landing codes do not auto-create (code.ts: WeCom creates a group only for a scan of a
 *   join way it routes itself, which would route past the seats); `planVisit` still answers
 *   `auto-create` for a pool that allows it, for a caller that can use it.
 */
import { type JoinWayFields, WECOM_LIMITS as L } from "@siyu/wecom";
import type { AutoCreate } from "./code.ts";

/** How long a seat taken for a visitor waits for their scan. */
export const SEAT_HOLD_SECONDS = 600;
/** Conditional writes per round before the app reads the counters again. */
export const SEAT_TRIES = 5;

/** Groups with free seats whose join QR exists before a visitor needs it. */
export const QR_AHEAD = 3;
/** The fill at which a visit asks for the next groups' QRs. */
export const QR_AHEAD_AT = 0.8;

/** The groups (pool order) whose join QR should exist now: the first `QR_AHEAD` with a free seat and no QR. */
export function groupsNeedingQr(counters: readonly (SeatCounter & { qrCode?: string })[]): string[] {
  return counters
    .filter(seatFree)
    .slice(0, QR_AHEAD)
    .filter((c) => !c.qrCode)
    .map((c) => c.chatId);
}

/** Whether a seat just taken brings its group to the fill that asks for the next QRs. */
export const asksForQrsAhead = (c: SeatCounter): boolean => c.taken >= Math.ceil(c.capacity * QR_AHEAD_AT);

/** What the page says when the pool is full and nothing can be created (zh-CN). */
export const POOL_FULL_MESSAGE = "当前群聊已满员，暂时无法加入。请稍后再来，或联系工作人员邀请您入群。";

/** One group's seat counter as the store holds it (one item per group; `taken` written only atomically). */
export interface SeatCounter {
  chatId: string;
  capacity: number;
  /** Members + live holds. */
  taken: number;
  dismissed: boolean;
  removed?: boolean;
}

export type VisitPlan =
  /** Try these groups in order, each with `SET taken = taken + 1 IF taken < capacity`; the first that succeeds is the visitor's. */
  | { kind: "try"; candidates: string[] }
  /** No seat and auto-create is on: show the overflow join way, WeCom creates the next group. */
  | { kind: "auto-create" }
  /** No seat and no way to make one: show `message`, and alerts.ts raises the episode. */
  | { kind: "full"; message: string };

const seatFree = (c: SeatCounter): boolean => !c.removed && !c.dismissed && c.taken < c.capacity;

/**
 * The next groups to try for a visit, from counters read just before (a stale read only costs a
 * refused write), skipping the ones already refused this visit.
 *
 * @example
 * let plan = planVisit(counters, autoCreate);
 * const tried = new Set<string>();
 * while (plan.kind === "try") {
 *   for (const id of plan.candidates) { if (await store.takeSeat(codeId, id)) return showQr(id); tried.add(id); }
 *   plan = planVisit(await store.readCounters(codeId), autoCreate, tried);
 * }
 */
export function planVisit(counters: readonly SeatCounter[], autoCreate: AutoCreate, tried: ReadonlySet<string> = new Set()): VisitPlan {
  const candidates = counters
    .filter((c) => seatFree(c) && !tried.has(c.chatId))
    .slice(0, SEAT_TRIES)
    .map((c) => c.chatId);
  if (candidates.length > 0) return { kind: "try", candidates };
  return autoCreate.enabled ? { kind: "auto-create" } : { kind: "full", message: POOL_FULL_MESSAGE };
}

/**
 * The conditional increment the store performs, as a pure function (the in-memory stand-in and the
 * property tests use it): the counter after taking a seat, or `undefined` when the condition fails.
 */
export function takeSeat(c: SeatCounter): SeatCounter | undefined {
  return seatFree(c) ? { ...c, taken: c.taken + 1 } : undefined;
}

/** Live holds of a group, oldest first (ISO instants), as the store keeps them beside the counter. */
export interface SeatLedger {
  counter: SeatCounter;
  members: number;
  holds: readonly string[];
}

/** Holds older than `SEAT_HOLD_SECONDS` at `now`: released, each giving its seat back. */
export function expireHolds(l: SeatLedger, now: Date): { ledger: SeatLedger; released: number } {
  const cutoff = now.getTime() - SEAT_HOLD_SECONDS * 1000;
  const holds = l.holds.filter((h) => Date.parse(h) > cutoff);
  const released = l.holds.length - holds.length;
  return { ledger: { ...l, holds, counter: { ...l.counter, taken: l.counter.taken - released } }, released };
}

/** A visit's seat taken at `now` (the condition passed). */
export function holdSeat(l: SeatLedger, now: Date): SeatLedger | undefined {
  const counter = takeSeat(l.counter);
  return counter && { ...l, counter, holds: [...l.holds, now.toISOString()] };
}

/**
 * `count` members joined. QR-scan joins (`JoinScene` 3) use up live holds first (those visitors had
 * their seat already); the rest take seats unconditionally: they are in the group whatever the
 * counter says, and the counter must say so.
 */
export function seatsOnJoin(l: SeatLedger, count: number, byQr: boolean): SeatLedger {
  const used = byQr ? Math.min(count, l.holds.length) : 0;
  const extra = count - used;
  return { ...l, members: l.members + count, holds: l.holds.slice(used), counter: { ...l.counter, taken: l.counter.taken + extra } };
}

/** `count` members left (or were removed): their seats are free again. */
export function seatsOnLeave(l: SeatLedger, count: number): SeatLedger {
  const left = Math.min(count, l.members);
  return { ...l, members: l.members - left, counter: { ...l.counter, taken: Math.max(0, l.counter.taken - left) } };
}

/**
 * The counter after a reconciliation from `groupchat/get` (members.ts): the true member count plus
 * the live holds. The store writes it conditionally on the counter it read, so a seat taken meanwhile
 * makes it read and reconcile again rather than be lost.
 */
export function reconciledTaken(members: number, l: SeatLedger, now: Date): number {
  return members + expireHolds(l, now).ledger.holds.length;
}

/** The `add_join_way` body of a landing group's own QR: this group only, never auto-created past. */
export function groupJoinWay(chatId: string, s: { name: string; state: string }): JoinWayFields {
  return { scene: 2, remark: [...s.name].slice(0, L.joinWayRemarkChars).join(""), auto_create_room: 0, chat_id_list: [chatId], state: s.state };
}
