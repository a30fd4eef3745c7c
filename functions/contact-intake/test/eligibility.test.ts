import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChannelCreateInput, parseChannelCreate } from "../src/domain/channel.ts";
import { eligibleStaff, needsUpdate, nextBoundary } from "../src/domain/eligibility.ts";

const SH = "Asia/Shanghai";
const MON_10 = new Date("2024-01-01T02:00:00Z"); // Monday 10:00 Shanghai
const MON_20 = new Date("2024-01-01T12:00:00Z"); // Monday 20:00 Shanghai

const channel = (extra: Partial<ChannelCreateInput> = {}) =>
  parseChannelCreate({
    name: "c",
    staff: [{ userId: "a", dailyCap: 3 }, { userId: "b", dailyCap: 3 }, "c"],
    backupStaff: ["z1", { userId: "z2", dailyCap: 1 }],
    ...extra,
  });
const scheduled = (offHoursStaff: string[] = ["n1", "n2"]) =>
  channel({ schedule: { windows: [{ weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "18:00" }] }], offHoursStaff } });

describe("eligibleStaff", () => {
  it("without a schedule, everyone active and under cap is eligible", () => {
    const e = eligibleStaff(channel(), { now: MON_20, timeZone: SH, addsToday: {} });
    expect(e).toMatchObject({ userIds: ["a", "b", "c"], reason: "in-schedule", inSchedule: true, list: "staff", capped: [], inactive: [] });
    expect(e.day).toBe("2024-01-01");
    expect(e.candidates.map((c) => [c.userId, c.dailyCap, c.eligible])).toEqual([
      ["a", 3, true],
      ["b", 3, true],
      ["c", 200, true],
    ]);
  });

  it("takes a member off exactly at the cap, not one add before", () => {
    const e = eligibleStaff(channel(), { now: MON_10, timeZone: SH, addsToday: { a: 2, b: 3, c: 250 } });
    expect(e.userIds).toEqual(["a"]);
    expect(e.capped).toEqual(["b", "c"]);
    expect(e.candidates.find((c) => c.userId === "b")).toMatchObject({ eligible: false, excluded: "capped", addsToday: 3 });
  });

  it("uses the corp default cap for members without one", () => {
    const ctx = { now: MON_10, timeZone: SH, addsToday: { c: 199 } };
    expect(eligibleStaff(channel(), ctx).userIds).toContain("c");
    expect(eligibleStaff(channel(), { ...ctx, addsToday: { c: 200 } }).userIds).not.toContain("c");
    expect(eligibleStaff(channel(), { ...ctx, defaultDailyCap: 100, addsToday: { c: 150 } }).userIds).not.toContain("c");
  });

  it("skips inactive members and reports them", () => {
    const e = eligibleStaff(channel(), { now: MON_10, timeZone: SH, addsToday: { a: 3 }, inactive: new Set(["a", "b"]) });
    expect(e.userIds).toEqual(["c"]);
    expect(e.inactive).toEqual(["a", "b"]);
    expect(e.capped).toEqual([]); // inactive wins over capped
  });

  it("falls back to backups when the whole pool is capped or inactive", () => {
    const e = eligibleStaff(channel(), { now: MON_10, timeZone: SH, addsToday: { a: 3, b: 5, c: 200, z2: 1 }, inactive: new Set() });
    expect(e).toMatchObject({ userIds: ["z1"], reason: "backup", list: "backupStaff", capped: ["a", "b", "c", "z2"] });
  });

  it("returns nobody when even the backups are exhausted", () => {
    const e = eligibleStaff(channel(), { now: MON_10, timeZone: SH, addsToday: { a: 3, b: 3, c: 200, z1: 200, z2: 1 } });
    expect(e.userIds).toEqual([]);
    expect(e.reason).toBe("none");
    expect(e.list).toBe("backupStaff");
  });

  it("returns nobody (no list) when the pool is exhausted and there are no backups", () => {
    const e = eligibleStaff(channel({ backupStaff: [] }), { now: MON_10, timeZone: SH, addsToday: { a: 3, b: 3, c: 200 } });
    expect(e).toMatchObject({ userIds: [], reason: "none", list: "staff" });
  });

  it("uses the pool in work hours and the off-hours staff outside them", () => {
    const c = scheduled();
    expect(eligibleStaff(c, { now: MON_10, timeZone: SH, addsToday: {} })).toMatchObject({
      userIds: ["a", "b", "c"],
      reason: "in-schedule",
      inSchedule: true,
    });
    expect(eligibleStaff(c, { now: MON_20, timeZone: SH, addsToday: {} })).toMatchObject({
      userIds: ["n1", "n2"],
      reason: "off-hours",
      inSchedule: false,
      list: "offHoursStaff",
    });
  });

  it("uses backups off-hours when no off-hours staff is configured or available", () => {
    expect(eligibleStaff(scheduled([]), { now: MON_20, timeZone: SH, addsToday: {} })).toMatchObject({
      userIds: ["z1", "z2"],
      reason: "backup",
    });
    const e = eligibleStaff(scheduled(), { now: MON_20, timeZone: SH, addsToday: { n1: 200 }, inactive: new Set(["n2"]) });
    expect(e).toMatchObject({ userIds: ["z1", "z2"], reason: "backup", capped: ["n1"], inactive: ["n2"] });
  });

  it("evaluates schedule and cap day in the corp timezone, not UTC", () => {
    // 2024-01-01T16:30Z: Monday 16:30 in UTC (in hours), Tuesday 00:30 in Shanghai (off hours)
    const now = new Date("2024-01-01T16:30:00Z");
    const sh = eligibleStaff(scheduled(), { now, timeZone: SH, addsToday: {} });
    const utc = eligibleStaff(scheduled(), { now, timeZone: "UTC", addsToday: {} });
    expect([sh.reason, sh.day]).toEqual(["off-hours", "2024-01-02"]);
    expect([utc.reason, utc.day]).toEqual(["in-schedule", "2024-01-01"]);
  });

  it("property: eligible = members of the chosen list that are active and under cap, in order", () => {
    const users = ["a", "b", "c", "z1", "z2"];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...users), fc.integer({ min: 0, max: 300 })),
        fc.subarray(users),
        (addsToday, inactiveList) => {
          const inactive = new Set(inactiveList);
          const c = channel();
          const e = eligibleStaff(c, { now: MON_10, timeZone: SH, addsToday, inactive });
          const caps: Record<string, number> = { a: 3, b: 3, c: 200, z1: 200, z2: 1 };
          const ok = (u: string) => !inactive.has(u) && (addsToday[u] ?? 0) < caps[u]!;
          const pool = ["a", "b", "c"].filter(ok);
          const backups = ["z1", "z2"].filter(ok);
          expect(e.userIds).toEqual(pool.length ? pool : backups);
          expect(e.reason).toBe(pool.length ? "in-schedule" : backups.length ? "backup" : "none");
          for (const u of e.userIds) expect(e.capped).not.toContain(u);
        },
      ),
    );
  });
});

describe("nextBoundary", () => {
  it("is the next corp midnight without a schedule", () => {
    expect(nextBoundary(channel(), MON_10, SH).toISOString()).toBe("2024-01-01T16:00:00.000Z");
    expect(nextBoundary(channel(), MON_10, "UTC").toISOString()).toBe("2024-01-02T00:00:00.000Z");
  });

  it("is the next schedule edge when one comes before midnight", () => {
    expect(nextBoundary(scheduled(), MON_10, SH).toISOString()).toBe("2024-01-01T10:00:00.000Z"); // 18:00 Shanghai
    expect(nextBoundary(scheduled(), new Date("2024-01-01T00:30:00Z"), SH).toISOString()).toBe("2024-01-01T01:00:00.000Z");
    expect(nextBoundary(scheduled(), MON_20, SH).toISOString()).toBe("2024-01-01T16:00:00.000Z");
  });
});

describe("needsUpdate", () => {
  it("compares as sets", () => {
    expect(needsUpdate(["a", "b"], ["b", "a"])).toBe(false);
    expect(needsUpdate(["a", "b", "b"], ["b", "a"])).toBe(false);
    expect(needsUpdate(["a", "b"], ["a"])).toBe(true);
    expect(needsUpdate(["a"], ["a", "b"])).toBe(true);
    expect(needsUpdate(["a", "b"], ["a", "c"])).toBe(true);
    expect(needsUpdate([], ["a"])).toBe(true);
  });

  it("never asks to write an empty user list", () => {
    expect(needsUpdate(["a"], [])).toBe(false);
    expect(needsUpdate([], [])).toBe(false);
  });

  it("property: symmetric in order, true iff the sets differ", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d")), fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 1 }), (p, n) => {
        const differ = [...new Set(p)].sort().join() !== [...new Set(n)].sort().join();
        expect(needsUpdate(p, n)).toBe(differ);
        expect(needsUpdate([...p].reverse(), [...n].reverse())).toBe(differ);
      }),
    );
  });
});
