import { describe, expect, it } from "vitest";
import { addDays, corpDay, corpTime, dayRange, daysBetween, isDay, nextCorpMidnight, nextOffsetChange, startOfCorpDay, zonedParts } from "../src/index.ts";

describe("nextOffsetChange", () => {
  const d = (iso: string) => new Date(iso);
  it("finds a DST change to the second, either way", () => {
    // New York 2024: spring forward 2024-03-10 07:00Z, fall back 2024-11-03 06:00Z
    expect(nextOffsetChange(d("2024-03-10T05:00:00Z"), d("2024-03-11T05:00:00Z"), "America/New_York")?.toISOString()).toBe("2024-03-10T07:00:00.000Z");
    expect(nextOffsetChange(d("2024-11-03T04:00:00Z"), d("2024-11-04T05:00:00Z"), "America/New_York")?.toISOString()).toBe("2024-11-03T06:00:00.000Z");
  });

  it("is undefined when the offset does not change, and never at `from` itself", () => {
    expect(nextOffsetChange(d("2024-11-03T06:00:00Z"), d("2024-11-04T05:00:00Z"), "America/New_York")).toBeUndefined();
    expect(nextOffsetChange(d("2024-03-10T00:00:00Z"), d("2024-03-11T00:00:00Z"), "Asia/Shanghai")).toBeUndefined();
    expect(nextOffsetChange(d("2024-11-03T05:59:59Z"), d("2024-11-03T06:00:00Z"), "America/New_York")?.toISOString()).toBe("2024-11-03T06:00:00.000Z");
  });
});

describe("corp days", () => {
  it("puts 16:00 UTC on the next day in Asia/Shanghai", () => {
    expect(corpDay("2026-03-01T15:59:59.999Z", "Asia/Shanghai")).toBe("2026-03-01");
    expect(corpDay("2026-03-01T16:00:00.000Z", "Asia/Shanghai")).toBe("2026-03-02");
    expect(corpDay("2026-03-01T16:00:00.000Z", "UTC")).toBe("2026-03-01");
  });

  it("finds the UTC instant a corp day starts, across DST", () => {
    expect(startOfCorpDay("2026-03-02", "Asia/Shanghai").toISOString()).toBe("2026-03-01T16:00:00.000Z");
    // New York switches to EDT on 2026-03-08: that midnight is still EST (UTC-5), the next is EDT (UTC-4)
    expect(startOfCorpDay("2026-03-08", "America/New_York").toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(startOfCorpDay("2026-03-09", "America/New_York").toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(corpTime("2026-07-01", "Asia/Shanghai", "09:30").toISOString()).toBe("2026-07-01T01:30:00.000Z");
  });

  it("moves to the next midnight strictly after an instant", () => {
    expect(nextCorpMidnight(new Date("2026-03-01T16:00:00.000Z"), "Asia/Shanghai").toISOString()).toBe("2026-03-02T16:00:00.000Z");
    expect(nextCorpMidnight(new Date("2026-03-01T15:59:00.000Z"), "Asia/Shanghai").toISOString()).toBe("2026-03-01T16:00:00.000Z");
  });

  it("does calendar arithmetic on day strings", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(daysBetween("2026-01-01", "2026-12-31")).toBe(364);
    expect(dayRange("2026-01-30", "2026-02-02")).toEqual(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]);
    expect(isDay("2026-02-29")).toBe(false);
    expect(isDay("2026-2-1")).toBe(false);
    expect(() => addDays("nope", 1)).toThrow(RangeError);
  });

  it("reports ISO weekdays in the zone", () => {
    // 2026-11-22 is a Sunday in Shanghai at 00:30 local, still Saturday in UTC
    expect(zonedParts(new Date("2026-11-21T16:30:00Z"), "Asia/Shanghai").weekday).toBe(7);
    expect(zonedParts(new Date("2026-11-21T16:30:00Z"), "UTC").weekday).toBe(6);
  });
});
