import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type CohortCounters,
  type Counters,
  type DayFigures,
  dayCorrections,
  dayFigures,
  type Fact,
  factsFromEvent,
  recompute,
  zeroCohort,
  zeroCounters,
} from "../src/domain/index.ts";
import { added, lost, noon, removed, transferred } from "./helpers.ts";

const TZ = "Asia/Shanghai";
const countersArb = fc.record(Object.fromEntries(COUNTER_FIELDS.map((f) => [f, fc.integer({ min: -3, max: 3 })])) as Record<keyof Counters, fc.Arbitrary<number>>);
const cohortArb = fc.record(Object.fromEntries(COHORT_FIELDS.map((f) => [f, fc.integer({ min: 0, max: 3 })])) as Record<keyof CohortCounters, fc.Arbitrary<number>>);
const groupArb = fc.constantFrom("corp", "relations", "staff:u1", "staff:u2", "channel:a");
const figuresArb: fc.Arbitrary<DayFigures> = fc
  .tuple(fc.array(fc.tuple(groupArb, countersArb), { maxLength: 5 }), fc.array(fc.tuple(groupArb, cohortArb), { maxLength: 5 }))
  .map(([c, h]) => ({ counters: new Map(c), cohorts: new Map(h) }));

function apply(stored: DayFigures, changes: ReturnType<typeof dayCorrections>["changes"]): DayFigures {
  const counters = new Map([...stored.counters].map(([g, c]) => [g, { ...c }]));
  const cohorts = new Map([...stored.cohorts].map(([g, c]) => [g, { ...c }]));
  for (const ch of changes) {
    if (ch.rows === "day") {
      const c = counters.get(ch.group) ?? zeroCounters();
      for (const [k, v] of Object.entries(ch.delta)) c[k as keyof Counters] += v;
      counters.set(ch.group, c);
    } else {
      const c = cohorts.get(ch.group) ?? zeroCohort();
      for (const [k, v] of Object.entries(ch.delta)) c[k as keyof CohortCounters] += v;
      cohorts.set(ch.group, c);
    }
  }
  return { counters, cohorts };
}

const nonZero = (m: Map<string, object>) => new Map([...m].filter(([, v]) => Object.values(v).some((n) => n !== 0)));

describe("dayCorrections", () => {
  it("corrected stored rows equal the recomputed ones, and a second pass changes nothing (property)", () => {
    fc.assert(
      fc.property(figuresArb, figuresArb, (computed, stored) => {
        const { compared, changes } = dayCorrections("2024-03-01", computed, stored);
        expect(compared).toBe(new Set([...computed.counters.keys(), ...stored.counters.keys()]).size + new Set([...computed.cohorts.keys(), ...stored.cohorts.keys()]).size);
        for (const c of changes) expect(Object.values(c.delta).every((v) => v !== 0)).toBe(true);
        const after = apply(stored, changes);
        expect(nonZero(after.counters)).toEqual(nonZero(computed.counters));
        expect(nonZero(after.cohorts)).toEqual(nonZero(computed.cohorts));
        expect(dayCorrections("2024-03-01", computed, after).changes).toEqual([]);
      }),
    );
  });

  it("lists day rows before cohort rows", () => {
    const computed: DayFigures = { counters: new Map([["staff:u1", { ...zeroCounters(), lost: 1, active: -1 }]]), cohorts: new Map([["corp", { ...zeroCohort(), size: 1 }]]) };
    const { changes } = dayCorrections("2024-03-04", computed, { counters: new Map(), cohorts: new Map() });
    expect(changes).toEqual([
      { day: "2024-03-04", group: "staff:u1", rows: "day", delta: { lost: 1, active: -1 } },
      { day: "2024-03-04", group: "corp", rows: "cohort", delta: { size: 1 } },
    ]);
  });
});

describe("dayFigures", () => {
  it("equals the oracle's rows of that day, from the ledgers of the customers with a fact on it", () => {
    const events = [
      added("u1", "wm1", noon("2024-03-01"), "a"),
      added("u2", "wm2", noon("2024-03-01"), "b"),
      lost("u1", "wm1", noon("2024-03-02"), "a"),
      removed("u2", "wm2", noon("2024-03-02"), "b"),
      added("u1", "wm3", noon("2024-03-02"), "a"),
      transferred("u1", "u2", "wm3", noon("2024-03-03"), "a"),
    ];
    const facts = events.flatMap((e) => factsFromEvent(e));
    const byCustomer = new Map<string, Fact[]>();
    for (const f of facts) byCustomer.set(f.externalUserId, [...(byCustomer.get(f.externalUserId) ?? []), f]);
    const oracle = recompute(facts, { timeZone: TZ });
    for (const day of ["2024-03-01", "2024-03-02", "2024-03-03"]) {
      const got = dayFigures([...byCustomer.values()], day, TZ);
      const want = new Map(oracle.counters.filter((r) => r.day === day).map(({ day: _d, group, ...c }) => [group, c]));
      expect(nonZero(got.counters)).toEqual(want);
      const wantCohorts = new Map(oracle.cohorts.filter((r) => r.day === day).map(({ day: _d, group, ...c }) => [group, c]));
      expect(nonZero(got.cohorts)).toEqual(wantCohorts);
    }
  });
});
