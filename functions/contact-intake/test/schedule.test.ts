import { nextCorpMidnight } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWithinSchedule, nextScheduleBoundary, type ScheduleWindow, toMinutes } from "../src/domain/schedule.ts";

const SH = "Asia/Shanghai";
const UTC = "UTC";
const at = (iso: string) => new Date(iso);

// 2024-01-01 is a Monday.
const officeHours: ScheduleWindow[] = [
  { weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "12:00" }, { start: "13:00", end: "18:00" }] },
];

describe("toMinutes", () => {
  it("parses HH:MM including 24:00", () => {
    expect(toMinutes("00:00")).toBe(0);
    expect(toMinutes("09:30")).toBe(570);
    expect(toMinutes("24:00")).toBe(1440);
  });
});

describe("isWithinSchedule", () => {
  it("evaluates wall-clock time in the corp timezone, start included, end excluded", () => {
    expect(isWithinSchedule(officeHours, at("2024-01-01T00:59:59Z"), SH)).toBe(false); // 08:59:59 Mon
    expect(isWithinSchedule(officeHours, at("2024-01-01T01:00:00Z"), SH)).toBe(true); // 09:00 Mon
    expect(isWithinSchedule(officeHours, at("2024-01-01T03:59:59Z"), SH)).toBe(true); // 11:59:59
    expect(isWithinSchedule(officeHours, at("2024-01-01T04:00:00Z"), SH)).toBe(false); // 12:00 lunch
    expect(isWithinSchedule(officeHours, at("2024-01-01T05:00:00Z"), SH)).toBe(true); // 13:00
    expect(isWithinSchedule(officeHours, at("2024-01-01T10:00:00Z"), SH)).toBe(false); // 18:00
    expect(isWithinSchedule(officeHours, at("2024-01-06T02:00:00Z"), SH)).toBe(false); // Saturday 10:00
  });

  it("uses the corp's weekday: Sunday evening UTC is Monday morning in Shanghai", () => {
    const earlyMonday: ScheduleWindow[] = [{ weekdays: [1], ranges: [{ start: "00:00", end: "01:00" }] }];
    const instant = at("2024-01-07T16:30:00Z"); // Sun 16:30 UTC = Mon 00:30 Shanghai
    expect(isWithinSchedule(earlyMonday, instant, SH)).toBe(true);
    expect(isWithinSchedule(earlyMonday, instant, UTC)).toBe(false);
    expect(isWithinSchedule(officeHours, at("2024-01-01T10:30:00Z"), UTC)).toBe(true); // 10:30 UTC Mon
    expect(isWithinSchedule(officeHours, at("2024-01-01T10:30:00Z"), SH)).toBe(false); // 18:30 Shanghai
  });

  it("covers a night shift written as two ranges across midnight", () => {
    const night: ScheduleWindow[] = [
      { weekdays: [1], ranges: [{ start: "22:00", end: "24:00" }] },
      { weekdays: [2], ranges: [{ start: "00:00", end: "02:00" }] },
    ];
    expect(isWithinSchedule(night, at("2024-01-01T13:59:59Z"), SH)).toBe(false); // Mon 21:59:59
    expect(isWithinSchedule(night, at("2024-01-01T14:00:00Z"), SH)).toBe(true); // Mon 22:00
    expect(isWithinSchedule(night, at("2024-01-01T15:59:59Z"), SH)).toBe(true); // Mon 23:59:59
    expect(isWithinSchedule(night, at("2024-01-01T16:00:00Z"), SH)).toBe(true); // Tue 00:00
    expect(isWithinSchedule(night, at("2024-01-01T17:59:59Z"), SH)).toBe(true); // Tue 01:59:59
    expect(isWithinSchedule(night, at("2024-01-01T18:00:00Z"), SH)).toBe(false); // Tue 02:00
    expect(isWithinSchedule(night, at("2024-01-07T16:30:00Z"), SH)).toBe(false); // Mon 00:30: not a Tuesday
  });
});

describe("nextScheduleBoundary", () => {
  it("returns the next range start or end today", () => {
    expect(nextScheduleBoundary(officeHours, at("2024-01-01T00:00:00Z"), SH).toISOString()).toBe("2024-01-01T01:00:00.000Z");
    expect(nextScheduleBoundary(officeHours, at("2024-01-01T01:00:00Z"), SH).toISOString()).toBe("2024-01-01T04:00:00.000Z");
    expect(nextScheduleBoundary(officeHours, at("2024-01-01T04:30:00Z"), SH).toISOString()).toBe("2024-01-01T05:00:00.000Z");
    expect(nextScheduleBoundary(officeHours, at("2024-01-01T09:59:59.999Z"), SH).toISOString()).toBe("2024-01-01T10:00:00.000Z");
  });

  it("returns the next corp midnight after the last boundary of the day, and on days without ranges", () => {
    expect(nextScheduleBoundary(officeHours, at("2024-01-01T10:00:00Z"), SH).toISOString()).toBe("2024-01-01T16:00:00.000Z");
    expect(nextScheduleBoundary(officeHours, at("2024-01-06T02:00:00Z"), SH).toISOString()).toBe("2024-01-06T16:00:00.000Z");
    expect(nextScheduleBoundary([], at("2024-01-06T02:00:00Z"), UTC).toISOString()).toBe("2024-01-07T00:00:00.000Z");
  });

  it("treats a 24:00 end as midnight", () => {
    const late: ScheduleWindow[] = [{ weekdays: [1], ranges: [{ start: "20:00", end: "24:00" }] }];
    expect(nextScheduleBoundary(late, at("2024-01-01T13:00:00Z"), SH).toISOString()).toBe("2024-01-01T16:00:00.000Z");
  });

  it("follows DST in the corp timezone (America/New_York, spring forward 2024-03-10)", () => {
    const sunday: ScheduleWindow[] = [{ weekdays: [7], ranges: [{ start: "09:00", end: "17:00" }] }];
    const ny = "America/New_York";
    // 08:00 EDT → 09:00 EDT = 13:00Z (it would be 14:00Z under EST)
    expect(nextScheduleBoundary(sunday, at("2024-03-10T12:00:00Z"), ny).toISOString()).toBe("2024-03-10T13:00:00.000Z");
    expect(nextScheduleBoundary(sunday, at("2024-03-10T13:00:00Z"), ny).toISOString()).toBe("2024-03-10T21:00:00.000Z");
    // after 17:00 EDT → midnight EDT = 04:00Z
    expect(nextScheduleBoundary(sunday, at("2024-03-10T21:00:00Z"), ny).toISOString()).toBe("2024-03-11T04:00:00.000Z");
  });

  it("a DST fall-back repeats an hour: leaving and re-entering a range inside it are both boundaries", () => {
    const ny = "America/New_York";
    // Sunday 2024-11-03: 01:59:59 EDT (05:59:59Z) is followed by 01:00 EST (06:00Z)
    const early = [{ weekdays: [7], ranges: [{ start: "01:01", end: "02:00" }] }];
    // inside at 01:01 EDT; at 06:00Z the wall clock falls back to 01:00, outside; 01:01 EST is inside again
    expect(isWithinSchedule(early, at("2024-11-03T05:59:00Z"), ny)).toBe(true);
    expect(isWithinSchedule(early, at("2024-11-03T06:00:00Z"), ny)).toBe(false);
    expect(nextScheduleBoundary(early, at("2024-11-03T05:01:00Z"), ny).toISOString()).toBe("2024-11-03T06:00:00.000Z");
    expect(nextScheduleBoundary(early, at("2024-11-03T06:00:00Z"), ny).toISOString()).toBe("2024-11-03T06:01:00.000Z");
    // a range ending inside the repeated hour ends twice: 01:30 EDT and 01:30 EST
    const late = [{ weekdays: [7], ranges: [{ start: "00:00", end: "01:30" }] }];
    expect(nextScheduleBoundary(late, at("2024-11-03T05:00:00Z"), ny).toISOString()).toBe("2024-11-03T05:30:00.000Z");
    expect(nextScheduleBoundary(late, at("2024-11-03T05:30:00Z"), ny).toISOString()).toBe("2024-11-03T06:00:00.000Z");
    expect(nextScheduleBoundary(late, at("2024-11-03T06:00:00Z"), ny).toISOString()).toBe("2024-11-03T06:30:00.000Z");
  });

  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const windowArb = fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 1, max: 1440 }),
    )
    .filter(([, s, e]) => e > s)
    .map(([weekdays, s, e]): ScheduleWindow => ({ weekdays, ranges: [{ start: hhmm(s), end: hhmm(e) }] }));

  it("property: the boundary is after now, no later than midnight, and the status is constant until it", () => {
    fc.assert(
      fc.property(
        fc.array(windowArb, { maxLength: 4 }),
        fc.date({ min: new Date("2024-01-01T00:00:00Z"), max: new Date("2026-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom(SH, UTC, "America/New_York", "Asia/Kolkata"),
        (windows, now, tz) => {
          const b = nextScheduleBoundary(windows, now, tz);
          expect(b.getTime()).toBeGreaterThan(now.getTime());
          expect(b.getTime()).toBeLessThanOrEqual(nextCorpMidnight(now, tz).getTime());
          const inside = isWithinSchedule(windows, now, tz);
          // every whole minute in (now, b) and the last second before b: ranges have minute resolution
          const end = b.getTime() - 1000;
          for (let t = Math.ceil(now.getTime() / 60_000) * 60_000; t <= end; t += 60_000) {
            expect(isWithinSchedule(windows, new Date(t), tz)).toBe(inside);
          }
          if (end >= now.getTime()) expect(isWithinSchedule(windows, new Date(end), tz)).toBe(inside);
        },
      ),
      { numRuns: 60 },
    );
  });
});
