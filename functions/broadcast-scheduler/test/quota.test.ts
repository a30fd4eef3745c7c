import { corpDay, zonedParts } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countIn,
  type LedgerEntry,
  limitIn,
  type QuotaRules,
  quietUntil,
  quotaWindows,
  receiveSettingsSchema,
  remainingQuota,
  rulesFor,
  WECOM_RECEIVE_RULES,
  windowOf,
} from "../src/domain/quota.ts";

const SH = "Asia/Shanghai";
const NY = "America/New_York";
const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];
const rules = (windows: QuotaRules["windows"], quietHours: QuotaRules["quietHours"] = []): QuotaRules => ({ windows, quietHours });
const delivered = (at: string, source: LedgerEntry["source"] = "siyu"): LedgerEntry => ({ at, source, state: "delivered" });

describe("windowOf", () => {
  it("takes day, ISO week and month in the corp timezone across a month end (Shanghai)", () => {
    const t = new Date("2025-01-31T16:30:00Z"); // Sat 2025-02-01 00:30 in Shanghai
    expect(iso(windowOf(t, "day", SH))).toEqual(["2025-01-31T16:00:00.000Z", "2025-02-01T16:00:00.000Z"]);
    expect(iso(windowOf(t, "week", SH))).toEqual(["2025-01-26T16:00:00.000Z", "2025-02-02T16:00:00.000Z"]); // Mon Jan 27 – Mon Feb 3
    expect(iso(windowOf(t, "month", SH))).toEqual(["2025-01-31T16:00:00.000Z", "2025-02-28T16:00:00.000Z"]);
    // the same instant is still January in UTC
    expect(iso(windowOf(t, "month", "UTC"))).toEqual(["2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"]);
  });

  it("follows a non-Shanghai zone through a DST change (New York, March 2025)", () => {
    const t = new Date("2025-03-09T12:00:00Z"); // Sun Mar 9, the day clocks go forward
    const day = windowOf(t, "day", NY);
    expect(iso(day)).toEqual(["2025-03-09T05:00:00.000Z", "2025-03-10T04:00:00.000Z"]);
    expect(day.end.getTime() - day.start.getTime()).toBe(23 * 3600_000);
    expect(iso(windowOf(t, "week", NY))).toEqual(["2025-03-03T05:00:00.000Z", "2025-03-10T04:00:00.000Z"]);
    expect(iso(windowOf(new Date("2025-03-31T23:30:00Z"), "month", NY))).toEqual(["2025-03-01T05:00:00.000Z", "2025-04-01T04:00:00.000Z"]);
    // a week that crosses a year end
    expect(iso(windowOf(new Date("2025-01-01T12:00:00Z"), "week", NY))).toEqual(["2024-12-30T05:00:00.000Z", "2025-01-06T05:00:00.000Z"]);
  });

  it("property: the window holds the instant, starts at corp midnight on its boundary day, and windows tile", () => {
    const zones = fc.constantFrom(SH, NY, "UTC", "Europe/Berlin", "Australia/Sydney");
    const instants = fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms));
    fc.assert(
      fc.property(instants, fc.constantFrom("day", "week", "month" as const), zones, (t, kind, tz) => {
        const w = windowOf(t, kind, tz);
        expect(w.start.getTime()).toBeLessThanOrEqual(t.getTime());
        expect(w.end.getTime()).toBeGreaterThan(t.getTime());
        const p = zonedParts(w.start, tz);
        expect([p.hour, p.minute, p.second]).toEqual([0, 0, 0]);
        if (kind === "week") expect(p.weekday).toBe(1);
        if (kind === "month") expect(p.day).toBe(1);
        expect(windowOf(w.start, kind, tz)).toEqual(w);
        expect(windowOf(new Date(w.end.getTime() - 1), kind, tz)).toEqual(w);
        expect(windowOf(w.end, kind, tz).start).toEqual(w.end);
      }),
      { numRuns: 300 },
    );
  });
});

describe("the WeCom settings as data", () => {
  it("month = days in that month, week = 7, day = 1", () => {
    const feb24 = windowOf(new Date("2024-02-10T00:00:00Z"), "month", SH);
    const feb25 = windowOf(new Date("2025-02-10T00:00:00Z"), "month", SH);
    const mar25 = windowOf(new Date("2025-03-10T00:00:00Z"), "month", NY);
    expect(limitIn(WECOM_RECEIVE_RULES.month, feb24, SH)).toBe(29);
    expect(limitIn(WECOM_RECEIVE_RULES.month, feb25, SH)).toBe(28);
    expect(limitIn(WECOM_RECEIVE_RULES.month, mar25, NY)).toBe(31);
    expect(limitIn(WECOM_RECEIVE_RULES.week, feb25, SH)).toBe(7);
    expect(limitIn(WECOM_RECEIVE_RULES.day, feb25, SH)).toBe(1);
  });

  it("keeps customers and groups apart, defaults to month, and adds operator caps", () => {
    const s = receiveSettingsSchema.parse({ customers: { wecom: "day", caps: [{ kind: "week", limit: 2 }], quietHours: [{ from: "21:00", to: "08:00" }] } });
    expect(rulesFor(s, "single")).toEqual({
      windows: [{ kind: "day", limit: 1 }, { kind: "week", limit: 2 }],
      quietHours: [{ from: "21:00", to: "08:00" }],
    });
    expect(rulesFor(s, "group")).toEqual({ windows: [{ kind: "month", limit: "days-in-month" }], quietHours: [] });
    expect(receiveSettingsSchema.safeParse({ groups: { wecom: "fortnight" } }).success).toBe(false);
    expect(receiveSettingsSchema.safeParse({ customers: { quietHours: [{ from: "24:00", to: "08:00" }] } }).success).toBe(false);
    expect(receiveSettingsSchema.safeParse({ customers: { quietHours: [{ from: "08:00", to: "08:00" }] } }).success).toBe(false);
    expect(receiveSettingsSchema.safeParse({ customers: { caps: [{ kind: "week", limit: -1 }] } }).success).toBe(false);
  });
});

describe("remainingQuota", () => {
  const at = new Date("2025-03-05T06:00:00Z"); // Wed 14:00 Shanghai

  it("counts Siyu's and members' personal sends alike, and what is planned but not yet known", () => {
    const day = rules([WECOM_RECEIVE_RULES.day]);
    expect(remainingQuota([], at, day, SH).remaining).toBe(1);
    expect(remainingQuota([delivered("2025-03-05T01:00:00Z", "personal")], at, day, SH).remaining).toBe(0);
    expect(remainingQuota([{ at: "2025-03-05T01:00:00Z", source: "siyu", state: "planned" }], at, day, SH).remaining).toBe(0);
    expect(remainingQuota([{ at: "2025-03-05T01:00:00Z", source: "siyu", state: "not-delivered" }], at, day, SH).remaining).toBe(1);
    // yesterday in Shanghai (23:30 on Mar 4 = 15:30Z) does not count today
    expect(remainingQuota([delivered("2025-03-04T15:30:00Z")], at, day, SH).remaining).toBe(1);
  });

  it("counts a planned task in every window it may still be confirmed in, up to its deadline", () => {
    const day = rules([WECOM_RECEIVE_RULES.day]);
    const yesterdaysTask: LedgerEntry = { at: "2025-03-04T02:00:00Z", latestAt: "2025-03-06T16:00:00Z", source: "siyu", state: "planned" };
    expect(remainingQuota([yesterdaysTask], at, day, SH).remaining).toBe(0);
    // once known delivered, it counts only on its send day
    expect(remainingQuota([{ ...yesterdaysTask, state: "delivered" }], at, day, SH).remaining).toBe(1);
    // a run whose own deadline reaches into a day with a delivery is capped too
    const tomorrow = [delivered("2025-03-06T02:00:00Z", "personal")];
    expect(remainingQuota(tomorrow, at, day, SH).remaining).toBe(1);
    expect(remainingQuota(tomorrow, { from: at, until: new Date("2025-03-07T16:00:00Z") }, day, SH).remaining).toBe(0);
  });

  it("ignores the run's own planned entries when it is planned again", () => {
    const mine: LedgerEntry = { at: "2025-03-05T05:00:00Z", source: "siyu", state: "planned", runId: "c1#2025-03-05" };
    const day = rules([WECOM_RECEIVE_RULES.day]);
    expect(remainingQuota([mine], at, day, SH).remaining).toBe(0);
    expect(remainingQuota([mine], at, day, SH, "c1#2025-03-05").remaining).toBe(1);
  });

  it("takes the strictest rule and says which window binds", () => {
    const r = rules([WECOM_RECEIVE_RULES.week, { kind: "week", limit: 2 }]);
    const mon = delivered("2025-03-03T02:00:00Z");
    expect(remainingQuota([mon], at, r, SH).remaining).toBe(1);
    const s = remainingQuota([mon, delivered("2025-03-04T02:00:00Z", "personal")], at, r, SH);
    expect(s.remaining).toBe(0);
    expect(s.binding).toMatchObject({ rule: { kind: "week", limit: 2 }, count: 2, limit: 2 });
    // last week's sends are another window
    expect(remainingQuota([delivered("2025-03-02T15:00:00Z"), delivered("2025-03-02T15:59:59Z")], at, r, SH).remaining).toBe(2); // Sun 23:00–23:59 Shanghai
    expect(remainingQuota([], at, rules([]), SH).remaining).toBe(Number.POSITIVE_INFINITY);
  });

  it("month rule across a month end: Jan 31 and Feb 1 are different windows with different limits", () => {
    const r = rules([WECOM_RECEIVE_RULES.month]);
    const jan = Array.from({ length: 31 }, (_, i) => delivered(new Date(Date.UTC(2025, 0, 1 + i, 2)).toISOString()));
    expect(remainingQuota(jan, new Date("2025-01-31T10:00:00Z"), r, SH).remaining).toBe(0);
    expect(remainingQuota(jan, new Date("2025-01-31T16:00:00Z"), r, SH).remaining).toBe(28); // Feb 1 00:00 Shanghai
    expect(remainingQuota(jan, new Date("2025-01-31T16:00:00Z"), r, "UTC").remaining).toBe(0); // still Jan 31 in UTC
  });

  it("property (oracle): under `day`, remaining = max(0, 1 − sends on the same corp day)", () => {
    const zones = fc.constantFrom(SH, NY, "UTC");
    const base = Date.UTC(2025, 0, 28);
    const ms = fc.integer({ min: base, max: base + 7 * 86_400_000 });
    fc.assert(
      fc.property(fc.array(ms, { maxLength: 6 }), ms, zones, (sends, now, tz) => {
        const entries = sends.map((t) => delivered(new Date(t).toISOString()));
        const same = sends.filter((t) => corpDay(new Date(t), tz) === corpDay(new Date(now), tz)).length;
        expect(remainingQuota(entries, new Date(now), rules([WECOM_RECEIVE_RULES.day]), tz).remaining).toBe(Math.max(0, 1 - same));
      }),
    );
  });

  it("property: quotaWindows cover the span without gaps, one run of windows per rule", () => {
    const base = Date.UTC(2025, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: base, max: base + 365 * 86_400_000 }),
        fc.integer({ min: 1, max: 10 * 86_400_000 }),
        fc.constantFrom("day", "week", "month" as const),
        (from, len, kind) => {
          const span = { from: new Date(from), until: new Date(from + len) };
          const ws = quotaWindows(span, rules([{ kind, limit: 3 }]), SH);
          expect(ws[0]!.start.getTime()).toBeLessThanOrEqual(from);
          expect(ws.at(-1)!.end.getTime()).toBeGreaterThanOrEqual(from + len);
          for (let i = 1; i < ws.length; i++) expect(ws[i]!.start).toEqual(ws[i - 1]!.end);
          expect(ws.at(-1)!.start.getTime()).toBeLessThan(from + len);
          expect(countIn([{ at: span.from.toISOString(), latestAt: span.until.toISOString(), source: "siyu", state: "planned" }], ws.at(-1)!)).toBe(1);
        },
      ),
    );
  });
});

describe("quietUntil", () => {
  const q = [{ from: "21:00", to: "08:00" }];
  it("is set inside a range that wraps past midnight, and gives the range's end in corp time", () => {
    expect(quietUntil(new Date("2025-03-05T13:30:00Z"), q, SH)?.toISOString()).toBe("2025-03-06T00:00:00.000Z"); // 21:30 → 08:00 next day
    expect(quietUntil(new Date("2025-03-05T19:00:00Z"), q, SH)?.toISOString()).toBe("2025-03-06T00:00:00.000Z"); // 03:00 → 08:00 same day
    expect(quietUntil(new Date("2025-03-06T00:00:00Z"), q, SH)).toBeUndefined(); // 08:00 is not quiet
    expect(quietUntil(new Date("2025-03-05T12:59:59Z"), q, SH)).toBeUndefined(); // 20:59:59
    expect(quietUntil(new Date("2025-03-05T13:00:00Z"), [], SH)).toBeUndefined();
  });

  it("follows overlapping ranges to the end of the last, in a non-Shanghai zone", () => {
    const ranges = [
      { from: "12:00", to: "14:00" },
      { from: "13:30", to: "15:00" },
    ];
    expect(quietUntil(new Date("2025-07-01T16:30:00Z"), ranges, NY)?.toISOString()).toBe("2025-07-01T19:00:00.000Z"); // 12:30 EDT → 15:00 EDT
  });
});
