/**
 * Landing mode (`GET /g/{codeId}`): a visit takes a seat in a group with room — a conditional
 * increment per group, tried in the domain's order — and is shown that group's own join QR (its
 * single-group join way, made once under a claim). No group is ever routed past its capacity, however
 * many visits arrive at once; when every seat is taken the page says so.
 */
import { newId } from "@siyu/kernel";
import { sleep } from "@siyu/store";
import { factItem, putFacts } from "../store/facts.ts";
import { joinWayState } from "../domain/code.ts";
import { expireHolds, groupJoinWay, planVisit, POOL_FULL_MESSAGE, type SeatLedger } from "../domain/seats.ts";
import { readCodePartition } from "../store/codes.ts";
import { adjustSeat, claimGroupWay, ensureSeat, getSeat, recordGroupWay, type SeatItem, seatsOf, takeSeatWithView } from "../store/seats.ts";
import type { Deps } from "./deps.ts";
import { requestSync } from "./sync.ts";

/** The domain's view of a stored counter, and back. */
export const ledgerOf = (s: SeatItem): SeatLedger => ({ counter: s, members: s.members ?? s.taken, holds: s.holds ?? [] });
export const counterOf = (l: SeatLedger) => ({ taken: l.counter.taken, members: l.members, holds: l.holds });

export type VisitOutcome =
  | { kind: "seat"; chatId: string; qrCode: string; name: string }
  | { kind: "full"; message: string; name: string }
  | { kind: "not-found" };

/**
 * A visit: one Query reads the code, its pool and its counters; one transaction takes a seat and
 * records the view. Counters missing for a group (first visit) are created at its member count, and
 * lapsed holds are given back, before planning (both rare).
 */
export async function visit(deps: Deps, codeId: string): Promise<VisitOutcome> {
  const { table } = deps.config;
  let part = await readCodePartition<SeatItem>(table, codeId);
  const code = part.code;
  if (!code || code.status === "archived" || code.definition.mode !== "landing") return { kind: "not-found" };
  const now = deps.now();
  const live = part.groups.filter((g) => !g.removed);
  const have = new Set(part.seats.map((s) => s.chatId));
  const missing = live.filter((g) => !have.has(g.chatId));
  for (const g of missing) await ensureSeat(table, codeId, { chatId: g.chatId, capacity: g.capacity, taken: g.members, dismissed: g.dismissed });
  // visitors who never joined give their seats back after 10 minutes
  const lapsed = part.seats.filter((s) => expireHolds(ledgerOf(s), now).released > 0);
  for (const s of lapsed) await adjustSeat(table, codeId, s.chatId, (cur) => counterOf(expireHolds(ledgerOf(cur), now).ledger));
  if (missing.length > 0 || lapsed.length > 0) part = await readCodePartition<SeatItem>(table, codeId);
  const order = new Map(live.map((g, i) => [g.chatId, i]));
  const byChat = new Map(part.seats.map((s) => [s.chatId, s]));
  const tried = new Set<string>();
  const inOrder = (all: readonly SeatItem[]) => all.filter((s) => order.has(s.chatId)).sort((a, b) => order.get(a.chatId)! - order.get(b.chatId)!);
  let seats = inOrder(part.seats);
  for (let round = 0; round < 4; round++) {
    const plan = planVisit(seats, code.definition.autoCreate, tried);
    if (plan.kind !== "try") break;
    for (const chatId of plan.candidates) {
      const view = factItem(codeId, { kind: "view", at: deps.now().toISOString(), chatId, id: newId() });
      if (await takeSeatWithView(table, codeId, chatId, deps.now(), view)) {
        const qrCode = byChat.get(chatId)?.qrCode ?? (await groupQr(deps, codeId, chatId, code.definition.name));
        return { kind: "seat", chatId, qrCode, name: code.definition.name };
      }
      tried.add(chatId);
    }
    seats = inOrder(await seatsOf(table, codeId));
  }
  await putFacts(table, codeId, [{ kind: "view", at: deps.now().toISOString(), id: newId() }]);
  return { kind: "full", message: POOL_FULL_MESSAGE, name: code.definition.name };
}

/** The group's own join QR: made once (one visit claims it; the others wait for it, ≤ 5 s). */
async function groupQr(deps: Deps, codeId: string, chatId: string, name: string): Promise<string> {
  const { table } = deps.config;
  for (let i = 0; i < 100; i++) {
    const seat = await getSeat(table, codeId, chatId);
    if (seat?.qrCode) return seat.qrCode;
    const now = deps.now();
    if (await claimGroupWay(table, codeId, chatId, now, new Date(now.getTime() - 30_000))) {
      const wecom = await deps.wecom();
      const { config_id } = await wecom.addJoinWay(groupJoinWay(chatId, { name, state: joinWayState(codeId) }));
      const qr = (await wecom.getJoinWay(config_id)).join_way.qr_code ?? "";
      await recordGroupWay(table, codeId, chatId, config_id, qr);
      // the code routes here now: its owner is told about the welcome (in the code's sync, off this path)
      await requestSync(deps, codeId, "routed", chatId);
      return qr;
    }
    await sleep(50);
  }
  throw new Error(`the join QR of ${chatId} was not made in time`);
}
