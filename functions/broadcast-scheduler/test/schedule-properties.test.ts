import { addDays, corpDay, zonedParts } from "@siyu/kernel";
import { WECOM_LIMITS } from "@siyu/wecom";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultDeadline, reminderPolicySchema, reminderTimes } from "../src/domain/schedule.ts";

const ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms));

describe("defaultDeadline (property)", () => {
  it("is corp midnight three corp days after the start's corp day, in any zone", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (start, timeZone) => {
        const d = defaultDeadline(start, timeZone);
        const p = zonedParts(d, timeZone);
        expect([p.hour, p.minute, p.second]).toEqual([0, 0, 0]);
        expect(corpDay(d, timeZone)).toBe(addDays(corpDay(start, timeZone), 3));
        // at least two full days to confirm, at most three
        expect(d.getTime() - start.getTime()).toBeGreaterThan(2 * 86_400_000 - 3_600_000);
        expect(d.getTime() - start.getTime()).toBeLessThanOrEqual(3 * 86_400_000 + 3_600_000);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reminder policy (property)", () => {
  const hours = fc.array(fc.integer({ min: 1, max: 4 * 24 * 4 }).map((q) => q / 4), { maxLength: 8 });

  it("a policy is accepted exactly when no 24 h holds more than WeCom's 3 reminders, and then its reminders keep to it", () => {
    fc.assert(
      fc.property(hours, instant, fc.integer({ min: 1, max: 5 * 24 }), (hoursBeforeDeadline, at, spanHours) => {
        const distinct = new Set(hoursBeforeDeadline).size === hoursBeforeDeadline.length;
        // brute force: the most reminders in a closed 24 h window starting at some reminder
        const most = Math.max(0, ...hoursBeforeDeadline.map((h) => hoursBeforeDeadline.filter((x) => x >= h && x - h <= 24).length));
        const parsed = reminderPolicySchema.safeParse({ auto: true, hoursBeforeDeadline });
        expect(parsed.success).toBe(distinct && most <= WECOM_LIMITS.remindsPerMessagePer24h);
        if (!parsed.success) return;
        const deadline = new Date(at.getTime() + spanHours * 3_600_000);
        const times = reminderTimes(parsed.data, { at, deadline }).map((t) => t.getTime());
        for (const t of times) {
          expect(t > at.getTime() && t < deadline.getTime()).toBe(true);
          expect(times.filter((u) => u >= t && u - t <= 86_400_000).length).toBeLessThanOrEqual(WECOM_LIMITS.remindsPerMessagePer24h);
        }
      }),
      { numRuns: 500 },
    );
  });
});
