import { corpDay, zonedParts } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CampaignFinished, InvalidTransition } from "../src/domain/errors.ts";
import { type Cron, cronMatches, parseCron } from "../src/domain/cron.ts";
import { defaultDeadline, planRuns, reminderTimes, runDeadline, runKey, type Schedule } from "../src/domain/schedule.ts";
import { assertEditable, nextStatus } from "../src/domain/status.ts";

const SH = "Asia/Shanghai";

/** The cron's fields read off the instant's wall clock, independently of cron.ts's calendar walk. */
function firesAt(c: Cron, at: Date, timeZone: string): boolean {
  const p = zonedParts(at, timeZone);
  const ebWeekday = (p.weekday % 7) + 1; // ISO 1 = Monday … 7 = Sunday → EventBridge 1 = Sunday … 7 = Saturday
  return (
    at.getUTCSeconds() === 0 &&
    at.getUTCMilliseconds() === 0 &&
    c.minutes.has(p.minute) &&
    c.hours.has(p.hour) &&
    c.months.has(p.month) &&
    c.years.has(p.year) &&
    (c.daysOfMonth ? c.daysOfMonth.has(p.day) : c.daysOfWeek!.has(ebWeekday))
  );
}

describe("defaultDeadline", () => {
  it("is 00:00 corp time on the third day after the start", () => {
    expect(defaultDeadline(new Date("2026-03-02T10:00:00+08:00"), SH).toISOString()).toBe(new Date("2026-03-05T00:00:00+08:00").toISOString());
    // 23:59 Shanghai is still the same corp day, though it is 15:59 UTC
    expect(defaultDeadline(new Date("2026-03-02T23:59:00+08:00"), SH)).toEqual(new Date("2026-03-05T00:00:00+08:00"));
  });

  it("crosses a month end (and a leap-year February)", () => {
    expect(defaultDeadline(new Date("2026-01-30T09:00:00+08:00"), SH)).toEqual(new Date("2026-02-02T00:00:00+08:00"));
    expect(defaultDeadline(new Date("2026-02-27T09:00:00+08:00"), SH)).toEqual(new Date("2026-03-02T00:00:00+08:00"));
    expect(defaultDeadline(new Date("2028-02-27T09:00:00+08:00"), SH)).toEqual(new Date("2028-03-01T00:00:00+08:00"));
    expect(defaultDeadline(new Date("2026-12-30T20:00:00+08:00"), SH)).toEqual(new Date("2027-01-02T00:00:00+08:00"));
  });

  it("uses the corp's zone, across a DST change (New York, March 2026)", () => {
    const ny = "America/New_York";
    // 2026-03-06 22:00 EST; deadline 2026-03-09 00:00 EDT (DST began 03-08)
    expect(defaultDeadline(new Date("2026-03-06T22:00:00-05:00"), ny)).toEqual(new Date("2026-03-09T00:00:00-04:00"));
    // the same instant is already 03-07 in Shanghai
    expect(defaultDeadline(new Date("2026-03-06T22:00:00-05:00"), SH)).toEqual(new Date("2026-03-10T00:00:00+08:00"));
  });
});

describe("planRuns", () => {
  const now = new Date("2026-03-01T00:00:00Z");

  it("one run for now and at, with keys that do not depend on the clock", () => {
    const later = new Date("2026-03-01T05:00:00Z");
    expect(planRuns({ kind: "now" }, { campaignId: "c1", now, timeZone: SH })).toEqual([{ key: "c1#now", at: now }]);
    expect(planRuns({ kind: "now" }, { campaignId: "c1", now: later, timeZone: SH })[0]?.key).toBe("c1#now");
    const at: Schedule = { kind: "at", at: "2026-03-02T10:00:00+08:00" };
    const a = planRuns(at, { campaignId: "c1", now, timeZone: SH });
    expect(a).toEqual([{ key: "c1#2026-03-02T02:00:00.000Z", at: new Date("2026-03-02T02:00:00Z") }]);
    expect(planRuns(at, { campaignId: "c1", now: later, timeZone: SH })).toEqual(a);
  });

  it("recurring: cron instants in the corp zone up to until, keys stable when planned again later", () => {
    const s: Schedule = { kind: "recurring", cron: "cron(0 10 ? * MON,THU *)", until: "2026-03-12T10:00:00+08:00" };
    const runs = planRuns(s, { campaignId: "c1", now, timeZone: SH });
    expect(runs.map((r) => r.key)).toEqual(["2026-03-02", "2026-03-05", "2026-03-09", "2026-03-12"].map((d) => `c1#${d}T02:00:00.000Z`));
    // the trigger of the second run, a little late, plans that run with the same key
    const again = planRuns(s, { campaignId: "c1", now: new Date("2026-03-05T02:00:03Z"), from: new Date("2026-03-05T02:00:00Z"), timeZone: SH, limit: 1 });
    expect(again).toEqual([runs[1]]);
    expect(runKey("c1", new Date("2026-03-05T10:00:00+08:00"))).toBe(runs[1]?.key);
  });

  it("recurring: skips a wall time a DST change removes, in the corp zone", () => {
    const s: Schedule = { kind: "recurring", cron: "30 2 * 3 ? 2026", until: "2026-03-10T00:00:00-05:00" };
    const days = planRuns(s, { campaignId: "c", now: new Date("2026-03-06T00:00:00Z"), timeZone: "America/New_York" }).map((r) =>
      corpDay(r.at, "America/New_York"),
    );
    expect(days).toEqual(["2026-03-06", "2026-03-07", "2026-03-09"]); // 02:30 on 03-08 does not exist
  });

  it("property: instants ascend, lie in [from, until], match the cron in the zone, and keys are unique", () => {
    const crons = ["0 10 * * ? *", "15,45 8-9 ? * MON-FRI *", "0 0 1 * ? *", "*/20 */6 ? * SUN *", "0 12 15 * ? *", "5 3 ? JAN,JUL 2 *"];
    const zones = [SH, "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"];
    fc.assert(
      fc.property(
        fc.constantFrom(...crons),
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 20 }),
        (cron, timeZone, fromMs, spanDays, limit) => {
          const from = new Date(fromMs);
          const until = new Date(fromMs + spanDays * 86_400_000);
          const runs = planRuns({ kind: "recurring", cron, until: until.toISOString() }, { campaignId: "c", now: from, timeZone, limit });
          const parsed = parseCron(cron);
          expect(runs.length).toBeLessThanOrEqual(limit);
          runs.forEach((r, i) => {
            expect(r.at >= from && r.at <= until).toBe(true);
            expect(firesAt(parsed, r.at, timeZone)).toBe(true);
            expect(cronMatches(parsed, r.at, timeZone)).toBe(true);
            if (i > 0) expect(r.at > runs[i - 1]!.at).toBe(true);
            expect(r.key).toBe(runKey("c", r.at));
          });
          expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("fires a repeated wall time (a fall-back hour) once, at its first occurrence (found by the oracle below)", () => {
    const from = new Date("2026-10-24T12:00:00.000Z");
    const runs = planRuns({ kind: "recurring", cron: "0 1 * * ? *", until: "2026-10-26T12:00:00.000Z" }, { campaignId: "c", now: from, timeZone: "Europe/London", limit: 10 });
    // 2026-10-25 01:00 happens at 00:00Z (BST) and again at 01:00Z (GMT)
    expect(runs.map((r) => r.at.toISOString())).toEqual(["2026-10-25T00:00:00.000Z", "2026-10-26T01:00:00.000Z"]);
  });

  it("property (oracle): a daily cron returns every matching minute, none missed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom(SH, "America/New_York", "Europe/London"),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
        (h, m, timeZone, fromMs) => {
          const from = new Date(Math.ceil(fromMs / 60_000) * 60_000);
          const until = new Date(from.getTime() + 10 * 86_400_000);
          const runs = planRuns({ kind: "recurring", cron: `${m} ${h} * * ? *`, until: until.toISOString() }, { campaignId: "c", now: from, timeZone, limit: 100 });
          const expected: Date[] = [];
          // these zones have whole-hour offsets: a wall minute m is a UTC minute m, so an hourly walk sees every candidate
          const first = from.getTime() + ((((m - from.getUTCMinutes()) % 60) + 60) % 60) * 60_000;
          for (let t = first; t <= until.getTime(); t += 3_600_000) {
            const p = zonedParts(new Date(t), timeZone);
            if (p.hour === h && p.minute === m) expected.push(new Date(t));
          }
          // a fall-back hour repeats a wall time: Siyu fires it once
          const once = expected.filter((t, i) => i === 0 || corpDay(t, timeZone) !== corpDay(expected[i - 1]!, timeZone));
          expect(runs.map((r) => r.at)).toEqual(once);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("parseCron", () => {
  it("reads EventBridge's six fields, names, ranges, steps, and Sunday = 1", () => {
    const c = parseCron("cron(0/15 9-17/4 ? JAN-MAR SUN,SAT 2026-2027)");
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([9, 13, 17]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek!]).toEqual([1, 7]);
    expect(c.daysOfMonth).toBeUndefined();
    expect(cronMatches(parseCron("0 10 ? * SUN *"), new Date("2026-03-01T10:00:00+08:00"), SH)).toBe(true); // a Sunday
  });

  it.each([
    ["0 10 * * *", /6 fields/],
    ["0 10 * * * *", /exactly one of/],
    ["0 10 ? * ? *", /exactly one of/],
    ["60 10 * * ? *", /minutes: 60/],
    ["0 10 L * ? *", /L, W and # are not supported/],
    ["0 10 ? * 2#1 *", /not supported/],
    ["0 10 ? * FOO *", /not a value/],
    ["0 10-8 * * ? *", /backwards/],
    ["0/0 10 * * ? *", /step/],
    ["? 10 * * ? *", /only for day-of-month/],
  ])("refuses %s", (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });
});

describe("reminders and run deadlines", () => {
  it("reminds at deadline minus each hour, only after the start, none when auto is off", () => {
    const run = { at: new Date("2026-03-04T20:00:00+08:00"), deadline: new Date("2026-03-05T00:00:00+08:00") };
    expect(reminderTimes({ auto: true, hoursBeforeDeadline: [1, 8, 2] }, run)).toEqual([
      new Date("2026-03-04T22:00:00+08:00"),
      new Date("2026-03-04T23:00:00+08:00"),
    ]);
    expect(reminderTimes({ auto: false, hoursBeforeDeadline: [1] }, run)).toEqual([]);
  });

  it("a one-time campaign keeps its explicit deadline; each recurring run gets its own default", () => {
    const at = new Date("2026-03-02T10:00:00+08:00");
    expect(runDeadline({ schedule: { kind: "at", at: at.toISOString() }, deadline: "2026-03-03T12:00:00+08:00" }, { at }, SH)).toEqual(
      new Date("2026-03-03T12:00:00+08:00"),
    );
    expect(runDeadline({ schedule: { kind: "recurring", cron: "0 10 * * ? *", until: "2026-04-01T00:00:00Z" } }, { at }, SH)).toEqual(
      new Date("2026-03-05T00:00:00+08:00"),
    );
  });
});

describe("campaign status", () => {
  it("draft/scheduled → running → tracking → done", () => {
    expect(nextStatus("draft", "schedule")).toBe("scheduled");
    expect(nextStatus("scheduled", "start")).toBe("running");
    expect(nextStatus("draft", "start")).toBe("running");
    expect(nextStatus("running", "track")).toBe("tracking");
    expect(nextStatus("tracking", "finish")).toBe("done");
    expect(() => nextStatus("done", "start")).toThrow(InvalidTransition);
    expect(() => nextStatus("scheduled", "finish")).toThrow(InvalidTransition);
  });

  it("cancel at any time before done; again is a no-op; after done is CampaignFinished", () => {
    for (const s of ["draft", "scheduled", "running", "tracking", "cancelled"] as const) expect(nextStatus(s, "cancel")).toBe("cancelled");
    expect(() => nextStatus("done", "cancel")).toThrow(CampaignFinished);
    expect(() => nextStatus("cancelled", "start")).toThrow(InvalidTransition);
  });

  it("only draft and scheduled campaigns are editable", () => {
    expect(() => assertEditable("draft")).not.toThrow();
    expect(() => assertEditable("scheduled")).not.toThrow();
  });
});
