import { describe, expect, it } from "vitest";
import { eventBridgeCronToCroner, nextRun, nextRuns, parseScheduleExpression, ScheduleExpressionError } from "../src/cron.ts";

const pattern = (fields: string) => eventBridgeCronToCroner(fields).pattern;
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("EventBridge cron → croner", () => {
  it("turns ? into * and keeps minutes, hours, day-of-month and month", () => {
    expect(pattern("0 3 * * ? *")).toBe("0 3 * * *");
    expect(pattern("15 10 ? * * *")).toBe("15 10 * * *");
    expect(pattern("0/15 8-18 1,15 JAN-MAR ? *")).toBe("0/15 8-18 1,15 JAN-MAR *");
    expect(pattern("0 0 L * ? *")).toBe("0 0 L * *");
  });

  it("shifts day-of-week numbers: EventBridge 1-7 = SUN-SAT, croner 0-6 = SUN-SAT", () => {
    expect(pattern("0 9 ? * 1 *")).toBe("0 9 * * 0"); // Sunday
    expect(pattern("0 9 ? * 2-6 *")).toBe("0 9 * * 1-5"); // Monday-Friday
    expect(pattern("0 9 ? * 7 *")).toBe("0 9 * * 6"); // Saturday
    expect(pattern("0 9 ? * 1,7 *")).toBe("0 9 * * 0,6");
    expect(pattern("0 9 ? * MON-FRI *")).toBe("0 9 * * 1-5");
    expect(pattern("0 9 ? * sun,SAT *")).toBe("0 9 * * 0,6");
  });

  it("converts nth and last weekday of the month", () => {
    expect(pattern("0 10 ? * 3#2 *")).toBe("0 10 * * 2#2"); // second Tuesday
    expect(pattern("0 18 ? * 6L *")).toBe("0 18 * * 5#L"); // last Friday
    expect(pattern("0 18 ? * FRIL *")).toBe("0 18 * * 5#L");
  });

  it("rejects what EventBridge rejects or croner cannot do", () => {
    expect(() => pattern("0 3 * * * *")).toThrow(/must be "\?"/); // both days specified
    expect(() => pattern("0 3 * *")).toThrow(/6 fields/);
    expect(() => pattern("0 3 ? * 0 *")).toThrow(/1-7/);
    expect(() => pattern("0 3 ? * 8 *")).toThrow(/1-7/);
    expect(() => pattern("0 3 15W * ? *")).toThrow(/W/);
    expect(() => pattern("? 3 * * ? *")).toThrow(/only allowed in day/);
    expect(() => parseScheduleExpression("every day")).toThrow(ScheduleExpressionError);
  });
});

describe("next run times", () => {
  const after = new Date("2025-01-01T00:00:00Z"); // a Wednesday

  it("fires daily at 03:00 in the corp's timezone (Asia/Shanghai = UTC+8)", () => {
    const expr = parseScheduleExpression("cron(0 3 * * ? *)");
    expect(nextRuns(expr, "Asia/Shanghai", after, 2).map(iso)).toEqual(["2025-01-01T19:00:00.000Z", "2025-01-02T19:00:00.000Z"]);
    expect(iso(nextRun(expr, "UTC", after))).toBe("2025-01-01T03:00:00.000Z");
  });

  it("fires on weekdays only for 2-6 and on Sunday for 1", () => {
    const weekdays = nextRuns(parseScheduleExpression("cron(0 9 ? * 2-6 *)"), "UTC", after, 5).map((d) => d.getUTCDay());
    expect(weekdays).toEqual([3, 4, 5, 1, 2]); // Wed Thu Fri Mon Tue
    const sunday = nextRun(parseScheduleExpression("cron(0 9 ? * 1 *)"), "UTC", after)!;
    expect(sunday.toISOString()).toBe("2025-01-05T09:00:00.000Z");
    expect(sunday.getUTCDay()).toBe(0);
    const saturday = nextRun(parseScheduleExpression("cron(0 9 ? * SAT *)"), "UTC", after)!;
    expect(saturday.toISOString()).toBe("2025-01-04T09:00:00.000Z");
  });

  it("handles the last Friday and the second Tuesday of the month", () => {
    expect(iso(nextRun(parseScheduleExpression("cron(0 18 ? * 6L *)"), "UTC", after))).toBe("2025-01-31T18:00:00.000Z");
    expect(iso(nextRun(parseScheduleExpression("cron(0 10 ? * 3#2 *)"), "UTC", after))).toBe("2025-01-14T10:00:00.000Z");
  });

  it("honours the year field", () => {
    const expr = parseScheduleExpression("cron(0 0 1 1 ? 2027-2028)");
    expect(nextRuns(expr, "UTC", after, 3).map(iso)).toEqual(["2027-01-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z"]);
    expect(nextRun(parseScheduleExpression("cron(0 0 1 1 ? 2020)"), "UTC", after)).toBeNull();
  });

  it("keeps local wall-clock time across a DST change", () => {
    const expr = parseScheduleExpression("cron(30 9 ? * MON-FRI *)");
    // Europe/Berlin switches to summer time on 2025-03-30: 09:30 is 08:30Z before, 07:30Z after
    const runs = nextRuns(expr, "Europe/Berlin", new Date("2025-03-28T00:00:00Z"), 2).map(iso);
    expect(runs).toEqual(["2025-03-28T08:30:00.000Z", "2025-03-31T07:30:00.000Z"]);
  });

  it("repeats rate() expressions from the start time", () => {
    const expr = parseScheduleExpression("rate(5 minutes)");
    expect(expr).toMatchObject({ kind: "rate", everyMs: 300_000 });
    expect(nextRuns(expr, "UTC", after, 2).map(iso)).toEqual(["2025-01-01T00:05:00.000Z", "2025-01-01T00:10:00.000Z"]);
    expect(parseScheduleExpression("rate(1 day)")).toMatchObject({ everyMs: 86_400_000 });
    expect(() => parseScheduleExpression("rate(1 days)")).toThrow(/singular/);
    expect(() => parseScheduleExpression("rate(2 hour)")).toThrow(/plural/);
  });
});
