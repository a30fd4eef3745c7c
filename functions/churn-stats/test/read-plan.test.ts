import { addDays, dayRange } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COUNTER_FIELDS,
  cohortsFromRows,
  latestFactDay,
  type PartitionRows,
  planCohortRead,
  planSeriesRead,
  type RowsByPartition,
  seriesFromRows,
  type StatsQuery,
} from "../src/domain/index.ts";

const ACTIVE = COUNTER_FIELDS.indexOf("active");
const dayArb = (max: number) => fc.integer({ min: 0, max }).map((n) => addDays("2024-01-01", n));

/** Rows as the store would return them, for one group with `active` per day (other counters zero). */
function stored(group: string, active: ReadonlyMap<string, number>) {
  const row = (a: number) => COUNTER_FIELDS.map((_, i) => (i === ACTIVE ? a : 0));
  const days = new Map<string, PartitionRows>();
  const months = new Map<string, Map<string, number[]>>();
  for (const [d, a] of active) {
    days.set(d, new Map([[group, row(a)]]));
    const m = months.get(d.slice(0, 7)) ?? new Map([[group, row(0)]]);
    m.get(group)![ACTIVE]! += a;
    months.set(d.slice(0, 7), m);
  }
  return { days, months };
}

/** Keep only the partitions a plan reads (what the store would return for it). */
const only = (rows: RowsByPartition, names: readonly string[]): RowsByPartition => new Map(names.map((n) => [n, rows.get(n) ?? new Map()]));

describe("planSeriesRead", () => {
  it("reads a page's open months as days and named groups' months as month rows", () => {
    const q: StatsQuery = { from: "2024-01-30", to: "2024-02-02", groupBy: "staff", limit: 50 };
    const page = planSeriesRead(q, "2024-03-05");
    expect(page.source).toEqual({ kind: "page", of: "staff", limit: 50, cursor: undefined });
    expect(page.months).toEqual(["2024-02"]);
    expect(page.days).toEqual(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", ...dayRange("2024-03-01", "2024-03-06")]);
    expect([...page.settled].sort()).toEqual(["2024-01-30", "2024-01-31", "2024-02", "2024-02-01", "2024-02-02", "2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]);
    expect(page.opening).toEqual({ months: ["2024-02"], days: ["2024-01-30", "2024-01-31", ...dayRange("2024-03-01", "2024-03-06")] });

    const named = planSeriesRead({ ...q, userId: "u1" }, "2024-03-05");
    expect(named.source).toEqual({ kind: "named", groups: ["staff:u1"] });
    expect(named.months).toEqual(["2024-02", "2024-03"]);
    expect(named.days).toEqual(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"]);
    expect(named.opening).toEqual({ months: ["2024-02", "2024-03"], days: ["2024-01-30", "2024-01-31"] });
  });

  it("the latest fact day is tomorrow (clock skew), or to when it is later", () => {
    expect(latestFactDay("2024-03-01", "2024-03-05")).toBe("2024-03-06");
    expect(latestFactDay("2024-04-01", "2024-03-05")).toBe("2024-04-01");
  });

  it("opening and closing balances are the sums of every day before from / up to to, paged or named (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dayArb(500), fc.integer({ min: -5, max: 5 })), { maxLength: 80 }),
        fc.integer({ min: -9, max: 9 }),
        dayArb(500),
        fc.integer({ min: 0, max: 60 }),
        dayArb(520),
        fc.boolean(),
        (deltas, baseline, from, span, rawToday, paged) => {
          const to = addDays(from, span);
          const today = [rawToday, from].sort()[1]!;
          const lastDay = latestFactDay(to, today);
          const active = new Map<string, number>();
          for (const [d, n] of deltas) if (d <= lastDay) active.set(d, (active.get(d) ?? 0) + n);
          const group = paged ? "staff:u1" : "corp";
          const rows = stored(group, active);
          const total = baseline + [...active.values()].reduce((a, b) => a + b, 0);
          const q: StatsQuery = { from, to, groupBy: paged ? "staff" : "day", limit: 50 };
          const plan = planSeriesRead(q, today);

          expect(new Set(plan.days).size).toBe(plan.days.length);
          expect(plan.days).toEqual([...plan.days].sort());
          for (const d of dayRange(from, to)) expect(plan.days).toContain(d);
          for (const p of plan.settled) expect(p.length === 7 ? p < today.slice(0, 7) : p < today).toBe(true);
          if (paged) for (const m of plan.months) expect(m < today.slice(0, 7)).toBe(true);

          const [s] = seriesFromRows(plan, {
            groups: [group],
            totals: new Map([[group, total]]),
            days: only(rows.days, plan.days),
            months: only(rows.months, plan.months),
          });
          const before = (d: string) => baseline + [...active].filter(([x]) => x < d).reduce((a, [, n]) => a + n, 0);
          expect(s!.totals.customersAtStart).toBe(before(from));
          expect(s!.totals.customersAtEnd).toBe(before(addDays(to, 1)));
          expect(s!.points.map((p) => p.date)).toEqual(dayRange(from, to));
        },
      ),
    );
  });
});

describe("planCohortRead", () => {
  it("reads the range's cohort days; days before today are settled (property)", () => {
    fc.assert(
      fc.property(dayArb(400), fc.integer({ min: 0, max: 40 }), dayArb(450), (from, span, today) => {
        const to = addDays(from, span);
        const plan = planCohortRead({ from, to, groupBy: "channel", limit: 10 }, today);
        expect(plan.days).toEqual(dayRange(from, to));
        expect([...plan.settled]).toEqual(plan.days.filter((d) => d < today));
        expect(plan.asOfDay).toBe(today);
        expect(plan.source).toEqual({ kind: "page", of: "channel", limit: 10, cursor: undefined });
      }),
    );
  });

  it("combines the stored cohort rows of the groups read", () => {
    const plan = planCohortRead({ from: "2024-03-01", to: "2024-03-02", groupBy: "day", limit: 50 }, "2024-04-20");
    const days = new Map([["2024-03-01", new Map([["corp", [4, 3, 2, 1]]])]]);
    const [c] = cohortsFromRows(plan, { groups: ["corp"], days });
    expect(c!.points[0]).toMatchObject({ date: "2024-03-01", size: 4, retained1: 3, retained7: 2, retained30: 1 });
    expect(c!.points[1]).toMatchObject({ date: "2024-03-02", size: 0 });
  });
});
