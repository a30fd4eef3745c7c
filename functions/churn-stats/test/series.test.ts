import { AppError, addDays, dayRange } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildSeries,
  CORP_GROUP,
  churnRate,
  type CounterRow,
  groupsFor,
  InvalidQuery,
  openingBalance,
  openingReadPlan,
  parseDayRange,
  parseSeriesQuery,
  staffGroup,
  storageIncrements,
  zeroCounters,
} from "../src/domain/index.ts";
import { problemOf } from "../src/http/problems.ts";
import { CounterTable, Harness, added, lost, noon, removed, transferred } from "./helpers.ts";

/** The field issues of the 400 the HTTP edge answers for what `fn` throws (the domain throws `InvalidQuery`). */
function issues(fn: () => unknown) {
  try {
    fn();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(InvalidQuery);
    const e = problemOf(thrown);
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.status).toBe(400);
    expect(err.type).toBe("validation-failed");
    return err.errors;
  }
  throw new Error("expected a validation error");
}

describe("range validation", () => {
  it("accepts a valid range of up to 366 days", () => {
    expect(parseDayRange({ from: "2024-01-01", to: "2024-12-31" })).toEqual({ from: "2024-01-01", to: "2024-12-31" });
    expect(parseDayRange({ from: "2024-03-01", to: "2024-03-01" })).toEqual({ from: "2024-03-01", to: "2024-03-01" });
  });

  it("reports field-level errors", () => {
    expect(issues(() => parseDayRange({}))).toEqual([
      { path: "from", message: "is required" },
      { path: "to", message: "is required" },
    ]);
    expect(issues(() => parseDayRange({ from: "2024-02-30", to: "2024/03/01" }))).toEqual([
      { path: "from", message: "must be a calendar day YYYY-MM-DD" },
      { path: "to", message: "must be a calendar day YYYY-MM-DD" },
    ]);
    expect(issues(() => parseDayRange({ from: "2024-03-02", to: "2024-03-01" }))).toEqual([{ path: "to", message: "must not be before from" }]);
    expect(issues(() => parseDayRange({ from: "2023-12-31", to: "2024-12-31" }))).toEqual([
      { path: "to", message: "the range is at most 366 days (both ends included)" },
    ]);
    expect(issues(() => parseDayRange({ from: 20240301, to: "2024-03-01" }))).toEqual([{ path: "from", message: "must be a calendar day YYYY-MM-DD" }]);
  });

  it("validates groupBy together with the range", () => {
    expect(parseSeriesQuery({ from: "2024-03-01", to: "2024-03-31" })).toEqual({ from: "2024-03-01", to: "2024-03-31", groupBy: "day" });
    expect(parseSeriesQuery({ from: "2024-03-01", to: "2024-03-31", groupBy: "channel" }).groupBy).toBe("channel");
    expect(issues(() => parseSeriesQuery({ from: "x", to: "2024-03-31", groupBy: "week" }))).toEqual([
      { path: "from", message: "must be a calendar day YYYY-MM-DD" },
      { path: "groupBy", message: "must be one of day, staff, channel" },
    ]);
  });

  it("maps groupBy to counter groups", () => {
    expect(groupsFor("day")).toEqual([CORP_GROUP]);
    expect(groupsFor("staff", ["u1", "u2"])).toEqual(["staff:u1", "staff:u2"]);
    expect(groupsFor("channel", ["poster", ""])).toEqual(["channel:poster", "channel:"]);
  });
});

describe("buildSeries", () => {
  const row = (day: string, group: string, c: Partial<CounterRow>): CounterRow => ({ day, group, ...zeroCounters(), ...c });

  it("fills every day, carries balances and computes the churn rate on start-of-day customers", () => {
    const rows = [
      row("2024-03-01", CORP_GROUP, { added: 5, lost: 1, active: 4 }),
      row("2024-03-03", CORP_GROUP, { added: 1, lost: 2, removed: 1, active: -2 }),
      row("2024-03-02", "staff:u1", { added: 9, active: 9 }),
    ];
    const [s] = buildSeries({ from: "2024-03-01", to: "2024-03-03", groups: [CORP_GROUP], rows, opening: new Map([[CORP_GROUP, 10]]) });
    expect(s!.points).toEqual([
      { date: "2024-03-01", added: 5, lost: 1, removed: 0, transferredIn: 0, transferredOut: 0, net: 4, customersAtStart: 10, customersAtEnd: 14, churnRate: 0.1 },
      { date: "2024-03-02", added: 0, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0, net: 0, customersAtStart: 14, customersAtEnd: 14, churnRate: 0 },
      { date: "2024-03-03", added: 1, lost: 2, removed: 1, transferredIn: 0, transferredOut: 0, net: -2, customersAtStart: 14, customersAtEnd: 12, churnRate: 2 / 14 },
    ]);
    expect(s!.totals).toEqual({
      added: 6,
      lost: 3,
      removed: 1,
      transferredIn: 0,
      transferredOut: 0,
      net: 2,
      customersAtStart: 10,
      customersAtEnd: 12,
      churnRate: 3 / 16,
    });
  });

  it("has no churn rate without customers at the start of the day", () => {
    expect(churnRate(1, 0)).toBeNull();
    const [s] = buildSeries({ from: "2024-03-01", to: "2024-03-01", groups: ["staff:new"], rows: [], opening: new Map() });
    expect(s!.points[0]).toMatchObject({ customersAtStart: 0, customersAtEnd: 0, churnRate: null });
    expect(s!.totals.churnRate).toBeNull();
  });
});

describe("opening balances", () => {
  it("reads months after from's month and the days of from's month from from on", () => {
    expect(openingReadPlan("2024-01-30", "2024-04-02")).toEqual({ months: ["2024-02", "2024-03", "2024-04"], days: ["2024-01-30", "2024-01-31"] });
    expect(openingReadPlan("2024-02-27", "2024-02-28")).toEqual({ months: [], days: ["2024-02-27", "2024-02-28"] });
    expect(openingReadPlan("2024-12-31", "2025-01-01")).toEqual({ months: ["2025-01"], days: ["2024-12-31"] });
    expect(openingReadPlan("2024-03-02", "2024-03-01")).toEqual({ months: [], days: [] });
  });

  it("total − later months − later days of the month = the sum of everything before from (property)", () => {
    const dayArb = fc.integer({ min: 0, max: 400 }).map((n) => addDays("2024-01-01", n));
    fc.assert(
      fc.property(fc.array(fc.tuple(dayArb, fc.integer({ min: -5, max: 5 })), { maxLength: 60 }), fc.integer({ min: -9, max: 9 }), dayArb, (deltas, base, from) => {
        const days = new Map<string, number>();
        for (const [d, n] of deltas) days.set(d, (days.get(d) ?? 0) + n);
        const months = new Map<string, number>();
        for (const [d, n] of days) months.set(d.slice(0, 7), (months.get(d.slice(0, 7)) ?? 0) + n);
        const total = base + [...days.values()].reduce((a, b) => a + b, 0);
        const plan = openingReadPlan(from, "2025-02-04");
        const got = openingBalance(from, {
          total,
          months: plan.months.map((month) => ({ month, active: months.get(month) ?? 0 })),
          days: plan.days.map((day) => ({ day, active: days.get(day) ?? 0 })),
        });
        const expected = base + [...days].filter(([d]) => d < from).reduce((a, [, n]) => a + n, 0);
        expect(got).toBe(expected);
      }),
    );
  });
});

describe("from events to the series (storage layout end to end)", () => {
  it("customers at the end of each day match the people connected, for the corp and per staff", () => {
    const events = [
      lost("u9", "wm0", noon("2024-02-20")), // a relation from before the record: baseline
      added("u1", "wm1", noon("2024-02-25")),
      added("u1", "wm2", noon("2024-03-01")),
      added("u2", "wm2", noon("2024-03-01")),
      lost("u1", "wm2", noon("2024-03-02")),
      removed("u1", "wm2", noon("2024-03-03")), // mutual delete: no second end
      transferred("u1", "u2", "wm1", noon("2024-03-04")),
      lost("u2", "wm2", noon("2024-04-02")),
    ];
    const h = new Harness().deliver(...[...events].reverse()); // worst arrival order
    const table = new CounterTable();
    for (const r of h.results) if (r.changed) table.add(storageIncrements(r.deltas));

    const from = "2024-03-01";
    const to = "2024-03-05";
    const groups = [CORP_GROUP, staffGroup("u1"), staffGroup("u2")];
    const opening = new Map(groups.map((g) => [g, table.opening(g, from, "2024-04-30")]));
    const rows = dayRange(from, to).flatMap((d) => groups.map((g) => table.days.get(`${d} ${g}`)).filter((r) => r !== undefined));
    const series = buildSeries({ from, to, groups, rows, opening });
    const ends = (g: string) => series.find((s) => s.group === g)!.points.map((p) => p.customersAtEnd);
    // corp: wm1 (since 02-25) + wm2 (since 03-01, until 04-02)
    expect(opening.get(CORP_GROUP)).toBe(1);
    expect(ends(CORP_GROUP)).toEqual([2, 2, 2, 2, 2]);
    expect(ends(staffGroup("u1"))).toEqual([2, 1, 1, 0, 0]);
    expect(ends(staffGroup("u2"))).toEqual([1, 1, 1, 2, 2]);
    const corp = series.find((s) => s.group === CORP_GROUP)!;
    expect(corp.totals).toMatchObject({ added: 1, lost: 0, removed: 0 });
    const u1 = series.find((s) => s.group === staffGroup("u1"))!;
    expect(u1.points[1]).toMatchObject({ lost: 1, removed: 0, customersAtStart: 2, churnRate: 0.5 });
    expect(u1.points[3]).toMatchObject({ transferredOut: 1, net: 0, customersAtEnd: 0 });
    // the baseline relation: connected until its loss, then gone
    expect(table.opening(staffGroup("u9"), "2024-02-20", "2024-04-30")).toBe(1);
    expect(table.opening(staffGroup("u9"), "2024-02-21", "2024-04-30")).toBe(0);
  });
});
