import { type DomainEvent, corpDay, dayRange } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CORP_GROUP,
  customerFigures,
  customerKey,
  dedupeFacts,
  type Fact,
  type FactKind,
  type Figures,
  factsFromEvent,
  isStart,
  RELATIONS_GROUP,
  recompute,
  relationKey,
  sortFacts,
  staffGroup,
  sumFigures,
  transferAddsAbsorbed,
} from "../src/domain/index.ts";
import { added, baseline, counters, Harness, lost, removed, transferred } from "./helpers.ts";

const STAFF = ["u1", "u2", "u3"];
const CUSTOMERS = ["wm1", "wm2", "wm3"];
const CHANNELS = ["a", "b", ""];
/** 04:00, 10:00, 16:00 (= Shanghai midnight), 22:00 UTC, over ~40 days: boundaries and cohort horizons. */
const BASE = Date.parse("2024-03-01T04:00:00Z");
const instantArb = fc.integer({ min: 0, max: 160 }).map((i) => new Date(BASE + i * 6 * 3_600_000).toISOString());

type Spec =
  | { type: "added" | "lost" | "removed"; userId: string; externalUserId: string; at: string; channelId: string }
  | { type: "transferred"; fromUserId: string; toUserId: string; externalUserId: string; at: string; channelId: string };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    type: fc.constantFrom("added" as const, "lost" as const, "removed" as const),
    userId: fc.constantFrom(...STAFF),
    externalUserId: fc.constantFrom(...CUSTOMERS),
    at: instantArb,
    channelId: fc.constantFrom(...CHANNELS),
  }),
  fc
    .record({
      fromUserId: fc.constantFrom(...STAFF),
      toUserId: fc.constantFrom(...STAFF),
      externalUserId: fc.constantFrom(...CUSTOMERS),
      at: instantArb,
      channelId: fc.constantFrom(...CHANNELS),
    })
    .filter((t) => t.fromUserId !== t.toUserId)
    .map((t) => ({ type: "transferred" as const, ...t })),
);

/** A fresh envelope (new id) per delivery, as a redelivery by the bus would be. */
function toEvent(s: Spec): DomainEvent {
  switch (s.type) {
    case "added":
      return added(s.userId, s.externalUserId, s.at, s.channelId);
    case "lost":
      return lost(s.userId, s.externalUserId, s.at, s.channelId);
    case "removed":
      return removed(s.userId, s.externalUserId, s.at, s.channelId);
    case "transferred":
      return transferred(s.fromUserId, s.toUserId, s.externalUserId, s.at, s.channelId);
  }
}

/** Specs, plus some of them again, all in a random arrival order. */
const deliveryArb = fc
  .array(specArb, { minLength: 1, maxLength: 24 })
  .chain((specs) =>
    fc
      .array(fc.nat({ max: specs.length - 1 }), { maxLength: 8 })
      .chain((dups) => {
        const all = [...specs, ...dups.map((i) => specs[i]!)];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
      }),
  );

/**
 * An independent brute-force reading of the rules, without episodes: after any fact a relation is in
 * that fact's state; before its first fact, in the opposite state; a fact counts iff it flips the state.
 */
function bruteForce(facts: readonly Fact[], timeZone = "Asia/Shanghai") {
  // the one rule shared with the code under test: a transfer's add notification is left out
  const absorbed = transferAddsAbsorbed(facts);
  const sorted = sortFacts(dedupeFacts(facts).filter((f) => !absorbed.has(f.factId)));
  const byRelation = new Map<string, Fact[]>();
  for (const f of sorted) byRelation.set(relationKey(f), [...(byRelation.get(relationKey(f)) ?? []), f]);
  const days = new Map(sorted.map((f) => [f.factId, corpDay(f.at, timeZone)]));
  const connectedAt = (rel: Fact[], endOfDay: string) => {
    const upTo = rel.filter((f) => days.get(f.factId)! <= endOfDay);
    return upTo.length === 0 ? !isStart(rel[0]!.kind) : isStart(upTo.at(-1)!.kind);
  };
  const counts = new Map<string, number>(); // `${day} ${group} ${kind}`
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const rel of byRelation.values()) {
    rel.forEach((f, i) => {
      const prev = rel[i - 1];
      if (prev === undefined || isStart(prev.kind) !== isStart(f.kind)) bump(`${corpDay(f.at, timeZone)} ${staffGroup(f.userId)} ${f.kind}`);
    });
  }
  // corp: a customer is connected while any of its relations is
  const customers = new Map<string, Fact[]>();
  for (const f of sorted) customers.set(customerKey(f), [...(customers.get(customerKey(f)) ?? []), f]);
  for (const fs of customers.values()) {
    const state = new Map<string, boolean>();
    for (const rel of new Set(fs.map((f) => relationKey(f)))) state.set(rel, !isStart(byRelation.get(rel)![0]!.kind));
    let any = [...state.values()].some(Boolean);
    for (const f of fs) {
      state.set(relationKey(f), isStart(f.kind));
      const now = [...state.values()].some(Boolean);
      if (now !== any) bump(`${corpDay(f.at, timeZone)} ${CORP_GROUP} ${f.kind}`);
      any = now;
    }
  }
  return { byRelation, customers, connectedAt, counts };
}

const FIELD: Record<FactKind, "added" | "transferredIn" | "lost" | "removed" | "transferredOut"> = {
  added: "added",
  transferred_in: "transferredIn",
  lost: "lost",
  removed: "removed",
  transferred_out: "transferredOut",
};

function deliver(specs: readonly Spec[]) {
  const h = new Harness();
  const arrived: Fact[] = [];
  const built = new Map<Spec, DomainEvent>();
  specs.forEach((s, i) => {
    // validate once per spec; a redelivery is the same data in a new envelope
    let e = built.get(s);
    if (e) e = { ...e, id: `${e.id}-redelivery-${i}` };
    else {
      e = toEvent(s);
      built.set(s, e);
    }
    arrived.push(...factsFromEvent(e));
    h.deliver(e);
  });
  return { h, arrived };
}

describe("incremental deltas = recompute (property)", () => {
  it("any arrival order, with redeliveries, sums to the figures of a replay of the deduplicated facts", () => {
    fc.assert(
      fc.property(deliveryArb, (specs) => {
        const { h, arrived } = deliver(specs);
        // the fact log keeps the first recorded version of each fact
        expect(h.figures()).toEqual(recompute(arrived));
        // and the ledgers hold exactly the deduplicated facts
        expect(sortFacts(h.allFacts())).toEqual(sortFacts(dedupeFacts(arrived)));
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it("per-customer figures add up to the corp's (figures are additive across customers)", () => {
    fc.assert(
      fc.property(deliveryArb, (specs) => {
        const { h } = deliver(specs);
        const perCustomer: Figures[] = [...h.ledgers.values()].map((l) => customerFigures(l.facts));
        expect(sumFigures(perCustomer)).toEqual(recompute(h.allFacts()));
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it("agrees with a brute-force reading of the rules: flips counted, balances = connected at day end", () => {
    fc.assert(
      fc.property(deliveryArb, (specs) => {
        const { h } = deliver(specs);
        const f = h.figures();
        const facts = h.allFacts();
        const brute = bruteForce(facts);
        const days = dayRange("2024-02-29", "2024-04-12");
        const groups = [...STAFF.map(staffGroup), CORP_GROUP, RELATIONS_GROUP];
        const running = new Map(groups.map((g) => [g, baseline(f, g)]));
        // compare everything at once: [day, group, what] → value
        const actual: [string, string, string, number][] = [];
        const expected: [string, string, string, number][] = [];
        for (const day of days) {
          for (const g of groups) {
            const c = counters(f, day, g);
            running.set(g, running.get(g)! + c.active);
            actual.push([day, g, "balance", running.get(g)!]);
            if (g === RELATIONS_GROUP) continue;
            for (const kind of Object.keys(FIELD) as FactKind[]) {
              actual.push([day, g, kind, c[FIELD[kind]]]);
              expected.push([day, g, kind, brute.counts.get(`${day} ${g} ${kind}`) ?? 0]);
            }
          }
          const relConnected = [...brute.byRelation.values()].filter((rel) => brute.connectedAt(rel, day));
          for (const u of STAFF) expected.push([day, staffGroup(u), "balance", relConnected.filter((rel) => rel[0]!.userId === u).length]);
          expected.push([day, CORP_GROUP, "balance", new Set(relConnected.map((rel) => customerKey(rel[0]!))).size]);
          expected.push([day, RELATIONS_GROUP, "balance", relConnected.length]);
        }
        const order = (a: [string, string, string, number], b: [string, string, string, number]) => a.slice(0, 3).join(" ").localeCompare(b.slice(0, 3).join(" "));
        expect(actual.sort(order)).toEqual(expected.sort(order));
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
