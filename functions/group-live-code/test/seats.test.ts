import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asksForQrsAhead,
  expireHolds,
  groupsNeedingQr,
  QR_AHEAD,
  groupJoinWay,
  holdSeat,
  planVisit,
  POOL_FULL_MESSAGE,
  reconciledTaken,
  SEAT_HOLD_SECONDS,
  SEAT_TRIES,
  type SeatCounter,
  type SeatLedger,
  seatsOnJoin,
  seatsOnLeave,
  takeSeat,
} from "../src/domain/seats.ts";

const counter = (chatId: string, taken: number, more: Partial<SeatCounter> = {}): SeatCounter => ({ chatId, capacity: 200, taken, dismissed: false, ...more });
const off = { enabled: false } as const;
const on = { enabled: true, roomBaseName: "群", roomBaseId: 10 } as const;
const T0 = new Date("2026-03-01T02:00:00Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe("planVisit", () => {
  it("tries groups with a free seat in pool order, at most SEAT_TRIES per round", () => {
    const cs = [counter("a", 200), counter("b", 10, { dismissed: true }), ...Array.from({ length: 7 }, (_, i) => counter(`g${i}`, i))];
    expect(planVisit(cs, off)).toEqual({ kind: "try", candidates: ["g0", "g1", "g2", "g3", "g4"].slice(0, SEAT_TRIES) });
    expect(planVisit(cs, off, new Set(["g0", "g1", "g2", "g3", "g4"]))).toEqual({ kind: "try", candidates: ["g5", "g6"] });
  });

  it("a full pool says so in zh-CN, or routes to auto-create", () => {
    const cs = [counter("a", 200), counter("b", 150, { capacity: 150 }), counter("c", 0, { removed: true })];
    expect(planVisit(cs, off)).toEqual({ kind: "full", message: POOL_FULL_MESSAGE });
    expect(POOL_FULL_MESSAGE).toMatch(/满员/);
    expect(planVisit(cs, on)).toEqual({ kind: "auto-create" });
    expect(planVisit([], off).kind).toBe("full");
  });

  it("takeSeat is the conditional increment: refused at capacity", () => {
    expect(takeSeat(counter("a", 199))?.taken).toBe(200);
    expect(takeSeat(counter("a", 200))).toBeUndefined();
    expect(takeSeat(counter("a", 0, { dismissed: true }))).toBeUndefined();
  });
});

describe("seat holds", () => {
  const ledger = (taken: number, members: number, holds: string[] = []): SeatLedger => ({ counter: counter("a", taken, { capacity: 3 }), members, holds });

  it("a hold turns into a member on a QR join, and the counter does not move", () => {
    const held = holdSeat(ledger(1, 1), at(0));
    expect(held?.counter.taken).toBe(2);
    const joined = seatsOnJoin(held as SeatLedger, 1, true);
    expect(joined).toMatchObject({ members: 2, holds: [], counter: { taken: 2 } });
  });

  it("an invite takes a seat without a hold; a leave frees one", () => {
    const invited = seatsOnJoin(ledger(1, 1), 1, false);
    expect(invited.counter.taken).toBe(2);
    expect(seatsOnLeave(invited, 1).counter.taken).toBe(1);
  });

  it("a visitor who never scans gives the seat back after SEAT_HOLD_SECONDS", () => {
    const held = holdSeat(ledger(2, 2), at(0)) as SeatLedger;
    expect(holdSeat(held, at(1))).toBeUndefined(); // full meanwhile
    expect(expireHolds(held, at(SEAT_HOLD_SECONDS)).released).toBe(1);
    expect(expireHolds(held, at(SEAT_HOLD_SECONDS - 1)).released).toBe(0);
    expect(reconciledTaken(2, held, at(SEAT_HOLD_SECONDS + 1))).toBe(2);
    expect(reconciledTaken(2, held, at(1))).toBe(3);
  });

  it("a landing group's own join way lists that group only and never auto-creates", () => {
    expect(groupJoinWay("wrA", { name: "新品体验群", state: "glc.k3v9q2m7xa" })).toEqual({
      scene: 2,
      remark: "新品体验群",
      auto_create_room: 0,
      chat_id_list: ["wrA"],
      state: "glc.k3v9q2m7xa",
    });
  });
});

// ───────────────────────────── properties ─────────────────────────────

type Op =
  | { kind: "visit" }
  | { kind: "scan"; group: number } // a visitor who got a seat scans the QR and joins
  | { kind: "leave"; group: number }
  | { kind: "wait"; seconds: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: "visit" as const }) },
  { weight: 3, arbitrary: fc.nat(5).map((group) => ({ kind: "scan" as const, group })) },
  { weight: 1, arbitrary: fc.nat(5).map((group) => ({ kind: "leave" as const, group })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 * SEAT_HOLD_SECONDS }).map((seconds) => ({ kind: "wait" as const, seconds })) },
);
const poolArb = fc.array(
  fc.record({ capacity: fc.integer({ min: 1, max: 8 }), members: fc.integer({ min: 0, max: 8 }), dismissed: fc.integer({ min: 1, max: 6 }).map((n) => n === 1) }),
  { minLength: 1, maxLength: 6 },
);

describe("seat picking (property)", () => {
  it("never routes past capacity over any sequence of visits, scans, leaves and waits", () => {
    fc.assert(
      fc.property(poolArb, fc.array(opArb, { maxLength: 120 }), fc.boolean(), (groups, ops, autoOn) => {
        let now = T0;
        // a group never starts over capacity in this model (invites past it are the only way, and there are none)
        let ledgers: SeatLedger[] = groups.map((g, i) => {
          const members = Math.min(g.members, g.capacity);
          return { counter: { chatId: `g${i}`, capacity: g.capacity, taken: members, dismissed: g.dismissed }, members, holds: [] };
        });
        for (const op of ops) {
          ledgers = ledgers.map((l) => expireHolds(l, now).ledger);
          if (op.kind === "visit") {
            // the store: try candidates in order with the conditional increment, plan again after refusals
            const tried = new Set<string>();
            let plan = planVisit(
              ledgers.map((l) => l.counter),
              autoOn ? { enabled: true, roomBaseName: "群", roomBaseId: 1 } : { enabled: false },
            );
            let seated = false;
            while (plan.kind === "try" && !seated) {
              for (const id of plan.candidates) {
                const i = ledgers.findIndex((l) => l.counter.chatId === id);
                const next = holdSeat(ledgers[i] as SeatLedger, now);
                if (next) {
                  ledgers[i] = next;
                  seated = true;
                  break;
                }
                tried.add(id);
              }
              if (!seated) plan = planVisit(ledgers.map((l) => l.counter), { enabled: false }, tried);
            }
            const free = ledgers.some((l) => !l.counter.dismissed && l.counter.taken < l.counter.capacity);
            if (!seated) expect(free).toBe(false);
          } else if (op.kind === "scan") {
            const l = ledgers[op.group % ledgers.length] as SeatLedger;
            if (l.holds.length > 0) ledgers[op.group % ledgers.length] = seatsOnJoin(l, 1, true);
          } else if (op.kind === "leave") {
            const l = ledgers[op.group % ledgers.length] as SeatLedger;
            if (l.members > 0) ledgers[op.group % ledgers.length] = seatsOnLeave(l, 1);
          } else now = new Date(now.getTime() + op.seconds * 1000);
          for (const l of ledgers) {
            expect(l.members).toBeLessThanOrEqual(l.counter.capacity);
            expect(l.counter.taken).toBeLessThanOrEqual(l.counter.capacity);
            expect(l.counter.taken).toBe(l.members + l.holds.length);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a burst of visits against N free seats seats exactly min(visits, N), none past capacity", () => {
    fc.assert(
      fc.property(poolArb, fc.integer({ min: 0, max: 60 }), (groups, visits) => {
        let counters: SeatCounter[] = groups.map((g, i) => ({ chatId: `g${i}`, capacity: g.capacity, taken: Math.min(g.members, g.capacity), dismissed: g.dismissed }));
        const free = counters.filter((c) => !c.dismissed).reduce((n, c) => n + c.capacity - c.taken, 0);
        // every visitor reads the counters once before anyone writes (the worst stale read), then races
        const snapshot = counters;
        let seated = 0;
        for (let v = 0; v < visits; v++) {
          const tried = new Set<string>();
          let plan = planVisit(snapshot, off);
          let done = false;
          while (plan.kind === "try" && !done) {
            for (const id of plan.candidates) {
              const i = counters.findIndex((c) => c.chatId === id);
              const next = takeSeat(counters[i] as SeatCounter);
              if (next) {
                counters = counters.map((c, j) => (j === i ? next : c));
                seated++;
                done = true;
                break;
              }
              tried.add(id);
            }
            if (!done) plan = planVisit(counters, off, tried);
          }
        }
        expect(seated).toBe(Math.min(visits, free));
        for (const c of counters) expect(c.taken).toBeLessThanOrEqual(c.capacity);
      }),
      { numRuns: 300 },
    );
  });
});

describe("QRs ahead of need", () => {
  const c = (chatId: string, taken: number, extra: { qrCode?: string; dismissed?: boolean } = {}) => ({ chatId, capacity: 10, taken, dismissed: false, ...extra });

  it("the first QR_AHEAD groups with a free seat (pool order) get their QR; full, dismissed and QR'd ones are skipped", () => {
    expect(QR_AHEAD).toBe(3);
    expect(groupsNeedingQr([c("a", 10), c("b", 3, { qrCode: "q" }), c("c", 0, { dismissed: true }), c("d", 0), c("e", 9), c("f", 0)])).toEqual(["d", "e"]);
    expect(groupsNeedingQr([c("a", 10), c("b", 10)])).toEqual([]);
  });

  it("a visit asks for them once its group reaches 80% of capacity", () => {
    expect(asksForQrsAhead(c("a", 7))).toBe(false);
    expect(asksForQrsAhead(c("a", 8))).toBe(true);
    expect(asksForQrsAhead({ chatId: "x", capacity: 1, taken: 1, dismissed: false })).toBe(true);
  });
});
