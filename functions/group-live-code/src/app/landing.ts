/**
 * Landing mode (`GET /g/{codeId}`): a visit takes a seat in a group with room — a conditional
 * increment per group, tried in the domain's order — and is shown that group's own join QR (its
 * single-group join way, made once under a claim). No group is ever routed past its capacity, however
 * many visits arrive at once; when every seat is taken the page says so.
 */
import { corpDay, newId } from "@siyu/kernel";
import { putFacts } from "../store/facts.ts";
import { asksForQrsAhead, expireHolds, planVisit, POOL_FULL_MESSAGE, type SeatLedger } from "../domain/seats.ts";
import { type CodeRecord, readCodePartition } from "../store/codes.ts";
import { adjustSeat, ensureSeat, type SeatItem, seatsOf, takeSeatWithView } from "../store/seats.ts";
import { groupQr } from "./group-qr.ts";
import type { Deps } from "./deps.ts";
import { requestSync } from "./sync-requests.ts";

/** The domain's view of a stored counter, and back. */
export const ledgerOf = (s: SeatItem): SeatLedger => ({ counter: s, members: s.members ?? s.taken, holds: s.holds ?? [] });
export const counterOf = (l: SeatLedger) => ({ taken: l.counter.taken, members: l.members, holds: l.holds });

export type VisitOutcome =
  | { kind: "seat"; chatId: string; qrCode: string; name: string }
  | { kind: "full"; message: string; name: string }
  | { kind: "not-found" };

type Partition = Awaited<ReturnType<typeof readCodePartition<SeatItem>>> & { code: CodeRecord };

/**
 * The code's partition as this warm instance last read it, for `PARTITION_CACHE_MS`. Safe because the
 * cache only orders the attempts: every seat is still taken by a conditional write on the counter, a
 * failed attempt leads to a fresh read, and "full" is only ever answered from a fresh read. An edit
 * (a group added or removed, the code archived) reaches visits within that time.
 */
const PARTITION_CACHE_MS = 1000;
const partitions = new Map<string, { readAt: number; part: Partition }>();
const refreshing = new Map<string, Promise<Partition | undefined>>();

function singleFlight(deps: Deps, codeId: string): Promise<Partition | undefined> {
  const running = refreshing.get(codeId);
  if (running) return running;
  const p = freshPartition(deps, codeId).finally(() => refreshing.delete(codeId));
  refreshing.set(codeId, p);
  return p;
}

/** The groups this instance already asked the QRs ahead for (one SQS message per group and instance). */
const askedAhead = new Set<string>();

/**
 * Read the code, its pool and its counters in one Query; counters missing for a group (first visit)
 * are created at its member count, and lapsed holds are given back, before anyone plans on them (both
 * rare). Undefined for a code that does not exist or is not a live landing code.
 */
async function freshPartition(deps: Deps, codeId: string): Promise<Partition | undefined> {
  const { table } = deps.config;
  let part = await readCodePartition<SeatItem>(table, codeId);
  const code = part.code;
  if (!code || code.status === "archived" || code.definition.mode !== "landing") {
    partitions.delete(codeId);
    return undefined;
  }
  const now = deps.now();
  const have = new Set(part.seats.map((s) => s.chatId));
  const missing = part.groups.filter((g) => !g.removed && !have.has(g.chatId));
  for (const g of missing) await ensureSeat(table, codeId, { chatId: g.chatId, capacity: g.capacity, taken: g.members, dismissed: g.dismissed });
  // visitors who never joined give their seats back after 10 minutes
  const lapsed = part.seats.filter((s) => expireHolds(ledgerOf(s), now).released > 0);
  for (const s of lapsed) await adjustSeat(table, codeId, s.chatId, (cur) => counterOf(expireHolds(ledgerOf(cur), now).ledger));
  if (missing.length > 0 || lapsed.length > 0) part = await readCodePartition<SeatItem>(table, codeId);
  if (!part.code) return undefined;
  const fresh = { ...part, code: part.code };
  partitions.set(codeId, { readAt: now.getTime(), part: fresh });
  return fresh;
}

/**
 * A visit: normally one conditional write — the seat taken and the view counted together — after a
 * read of the code's partition that a warm instance reuses for a second (above).
 */
export async function visit(deps: Deps, codeId: string): Promise<VisitOutcome> {
  const { table, timeZone } = deps.config;
  const hit = partitions.get(codeId);
  // past its second, one visit reads again while the others keep planning on what it had (single flight)
  let fromCache = hit !== undefined && (deps.now().getTime() - hit.readAt < PARTITION_CACHE_MS || refreshing.has(codeId));
  const part = fromCache ? hit!.part : await singleFlight(deps, codeId);
  if (!part) return { kind: "not-found" };
  const { code } = part;
  const live = part.groups.filter((g) => !g.removed);
  const order = new Map(live.map((g, i) => [g.chatId, i]));
  const qrOf = new Map(part.seats.map((s) => [s.chatId, s.qrCode]));
  const tried = new Set<string>();
  const inOrder = (all: readonly SeatItem[]) => all.filter((s) => order.has(s.chatId)).sort((a, b) => order.get(a.chatId)! - order.get(b.chatId)!);
  let seats = inOrder(part.seats);
  const day = corpDay(deps.now(), timeZone);
  for (let round = 0; round < 5; round++) {
    const plan = planVisit(seats, code.definition.autoCreate, tried);
    if (plan.kind === "try") {
      for (const chatId of plan.candidates) {
        const cached = part.seats.find((s) => s.chatId === chatId);
        if (await takeSeatWithView(table, codeId, chatId, deps.now(), day)) {
          // this instance's next visits plan from a counter that moved with them
          if (cached && cached.taken < cached.capacity) cached.taken++;
          // nearly full: the code's sync makes the next groups' QRs before a visitor needs them
          if (cached && asksForQrsAhead(cached) && !askedAhead.has(`${codeId}/${chatId}`)) {
            askedAhead.add(`${codeId}/${chatId}`);
            await requestSync(deps, codeId, "routed", `${chatId}.ahead`);
          }
          const qrCode = qrOf.get(chatId) ?? (await groupQr(deps, codeId, chatId, code.definition.name));
          return { kind: "seat", chatId, qrCode, name: code.definition.name };
        }
        // full now: the next visits of this instance skip it until the next fresh read
        if (cached) cached.taken = cached.capacity;
        tried.add(chatId);
      }
    } else if (!fromCache) break;
    // a seat missed, or "full" from a cached read: plan again from what the table holds now
    if (fromCache) {
      const fresh = await freshPartition(deps, codeId);
      if (!fresh) return { kind: "not-found" };
      fromCache = false;
      seats = inOrder(fresh.seats);
      for (const s of fresh.seats) if (s.qrCode) qrOf.set(s.chatId, s.qrCode);
    } else seats = inOrder(await seatsOf(table, codeId));
  }
  await putFacts(table, codeId, [{ kind: "view", at: deps.now().toISOString(), id: newId() }]);
  return { kind: "full", message: POOL_FULL_MESSAGE, name: code.definition.name };
}
