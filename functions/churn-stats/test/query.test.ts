import { addDays, daysBetween } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_GROUP_LIMIT,
  FilterNotAvailable,
  FiltersCombined,
  groupSource,
  InvalidGroupBy,
  InvalidQuery,
  MAX_CELLS,
  MAX_GROUP_LIMIT,
  MAX_RANGE_DAYS,
  PageTooLarge,
  parseStatsQuery,
  RangeReversed,
  RangeTooLong,
} from "../src/domain/index.ts";
import { problemOf } from "../src/http/problems.ts";

function broken(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidQuery);
    return (e as InvalidQuery).broken;
  }
  throw new Error("expected InvalidQuery");
}

const dayArb = fc.integer({ min: 0, max: 800 }).map((n) => addDays("2024-01-01", n));

describe("parseStatsQuery", () => {
  it("fills the defaults", () => {
    expect(parseStatsQuery({ from: "2024-03-01", to: "2024-03-31" })).toEqual({
      from: "2024-03-01",
      to: "2024-03-31",
      groupBy: "day",
      userId: undefined,
      channelId: undefined,
      limit: DEFAULT_GROUP_LIMIT,
      cursor: undefined,
    });
  });

  it("names each broken filter rule by its field, in domain words", () => {
    const both = broken(() => parseStatsQuery({ from: "2024-03-01", to: "2024-03-01", userId: "u1", channelId: "c" }));
    expect(both).toEqual([new FiltersCombined()]);
    expect(both[0]).toMatchObject({ field: "channelId", message: "filter by userId or by channelId, not both" });
    const staff = broken(() => parseStatsQuery({ from: "2024-03-01", to: "2024-03-01", groupBy: "staff", channelId: "x" }));
    expect(staff[0]).toBeInstanceOf(FilterNotAvailable);
    expect(staff[0]).toMatchObject({ field: "channelId", message: "is not available with groupBy=staff (counters are per staff or per channel, not both)" });
    const channel = broken(() => parseStatsQuery({ from: "2024-03-01", to: "2024-03-01", groupBy: "channel", userId: "u1" }));
    expect(channel[0]).toMatchObject({ field: "userId", message: "is not available with groupBy=channel (counters are per staff or per channel, not both)" });
    // a filter of the grouping's own kind is fine
    expect(parseStatsQuery({ from: "2024-03-01", to: "2024-03-01", groupBy: "staff", userId: "u1" }).userId).toBe("u1");
  });

  it("judges filters against groupBy and the page budget only once range and groupBy are valid", () => {
    expect(broken(() => parseStatsQuery({ from: "2024-03-02", to: "2024-03-01", groupBy: "channel", userId: "u1", limit: 500 }))).toEqual([new RangeReversed()]);
    expect(broken(() => parseStatsQuery({ from: "2024-03-01", to: "2024-03-01", groupBy: "week", userId: "u1", channelId: "c" }))).toEqual([
      new InvalidGroupBy(["day", "staff", "channel"]),
      new FiltersCombined(),
    ]);
  });

  it("says how far to lower limit when a page would be too large", () => {
    const [rule] = broken(() => parseStatsQuery({ from: "2024-01-01", to: "2024-03-31", groupBy: "staff", limit: 500 }));
    expect(rule).toBeInstanceOf(PageTooLarge);
    expect(rule).toMatchObject({ field: "limit", message: "91 days × 500 groups is more than 20000 cells per page; lower limit to at most 219" });
  });

  it("accepts a query exactly when its range, grouping and page budget hold (property)", () => {
    const groupByArb = fc.constantFrom("day", "staff", "channel");
    const limitArb = fc.option(fc.integer({ min: 1, max: MAX_GROUP_LIMIT }), { nil: undefined });
    const filterArb = fc.constantFrom<{ userId?: string; channelId?: string }>({}, { userId: "u1" }, { channelId: "c1" });
    fc.assert(
      fc.property(dayArb, dayArb, groupByArb, limitArb, filterArb, (from, to, groupBy, limit, filter) => {
        const input = { from, to, groupBy, limit, ...filter };
        const days = daysBetween(from, to) + 1;
        const filterFits = !(groupBy === "channel" && filter.userId) && !(groupBy === "staff" && filter.channelId);
        const groups = groupBy === "day" || filter.userId || filter.channelId ? 1 : (limit ?? DEFAULT_GROUP_LIMIT);
        const ok = days >= 1 && days <= MAX_RANGE_DAYS && filterFits && days * groups <= MAX_CELLS;
        if (ok) {
          expect(parseStatsQuery(input)).toMatchObject({ from, to, groupBy, limit: limit ?? DEFAULT_GROUP_LIMIT });
          return;
        }
        const rules = broken(() => parseStatsQuery(input));
        expect(rules.length).toBeGreaterThan(0);
        if (days < 1) expect(rules).toEqual([new RangeReversed()]);
        else if (days > MAX_RANGE_DAYS) expect(rules).toEqual([new RangeTooLong(MAX_RANGE_DAYS)]);
        else expect(rules.some((r) => r instanceof PageTooLarge)).toBe(days * groups > MAX_CELLS);
      }),
    );
  });
});

describe("groupSource", () => {
  const q = { limit: 7, cursor: "c" };
  it("names the corp, a filtered group, or pages a kind", () => {
    expect(groupSource({ ...q, groupBy: "day" })).toEqual({ kind: "named", groups: ["corp"] });
    expect(groupSource({ ...q, groupBy: "day", userId: "u1" })).toEqual({ kind: "named", groups: ["staff:u1"] });
    expect(groupSource({ ...q, groupBy: "channel", channelId: "" })).toEqual({ kind: "named", groups: ["channel:"] });
    expect(groupSource({ ...q, groupBy: "staff" })).toEqual({ kind: "page", of: "staff", limit: 7, cursor: "c" });
  });
});

describe("the HTTP edge's mapping", () => {
  it("answers InvalidQuery with 400 validation-failed listing every broken rule, and maps nothing else", () => {
    const error = new InvalidQuery("The query is not valid", [new RangeReversed(), new FiltersCombined()]);
    expect(problemOf(error)).toMatchObject({
      status: 400,
      type: "validation-failed",
      message: "The query is not valid",
      errors: [
        { path: "to", message: "must not be before from" },
        { path: "channelId", message: "filter by userId or by channelId, not both" },
      ],
    });
    expect(problemOf(new Error("boom"))).toBeUndefined();
  });
});
