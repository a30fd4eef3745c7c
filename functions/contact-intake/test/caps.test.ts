import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { affectsToday, capCounterExpiry, capCounterId, capDay, decideCap } from "../src/domain/caps.ts";

describe("decideCap", () => {
  it("flags exactly the add that reaches the cap", () => {
    expect(decideCap(199, 200)).toEqual({ reachedCap: false, overshoot: 0, remaining: 1, atOrOverCap: false });
    expect(decideCap(200, 200)).toEqual({ reachedCap: true, overshoot: 0, remaining: 0, atOrOverCap: true });
    expect(decideCap(201, 200)).toEqual({ reachedCap: false, overshoot: 1, remaining: 0, atOrOverCap: true });
    expect(decideCap(1, 1)).toMatchObject({ reachedCap: true });
  });

  it("rejects impossible inputs", () => {
    expect(() => decideCap(0, 200)).toThrow(RangeError);
    expect(() => decideCap(1.5, 200)).toThrow(RangeError);
    expect(() => decideCap(1, 0)).toThrow(RangeError);
  });

  it("property: a burst of N concurrent adds (counter values 1..N) triggers exactly one update iff N ≥ cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1500 }), (cap, n) => {
        const decisions = Array.from({ length: n }, (_, i) => decideCap(i + 1, cap));
        expect(decisions.filter((d) => d.reachedCap)).toHaveLength(n >= cap ? 1 : 0);
        expect(decisions.at(-1)!.overshoot).toBe(Math.max(0, n - cap));
        expect(decisions.reduce((s, d) => s + (d.remaining > 0 ? 1 : 0), 0)).toBe(Math.min(n, cap - 1));
      }),
    );
  });
});

describe("cap days", () => {
  it("counts an add on the corp day it happened (Shanghai vs UTC around midnight)", () => {
    const lateUtc = new Date("2024-01-01T16:30:00Z"); // 00:30 on Jan 2 in Shanghai
    expect(capDay(lateUtc, "Asia/Shanghai")).toBe("2024-01-02");
    expect(capDay(lateUtc, "UTC")).toBe("2024-01-01");
    expect(capDay(new Date("2024-01-01T15:59:59Z"), "Asia/Shanghai")).toBe("2024-01-01");
    expect(capDay(new Date("2024-01-01T16:00:00Z"), "Asia/Shanghai")).toBe("2024-01-02");
  });

  it("names counters and expires them two corp days later", () => {
    expect(capCounterId("ch1", "alice", "2024-01-02")).toBe("ch1#alice#2024-01-02");
    expect(capCounterExpiry("2024-01-02", "Asia/Shanghai").toISOString()).toBe("2024-01-03T16:00:00.000Z");
    expect(capCounterExpiry("2024-01-02", "UTC", 1).toISOString()).toBe("2024-01-03T00:00:00.000Z");
  });

  it("only lets today's counter change today's code", () => {
    const now = new Date("2024-01-01T16:00:05Z"); // 00:00:05 Jan 2, Shanghai
    const add = new Date("2024-01-01T15:59:59Z"); // 23:59:59 Jan 1, processed after midnight
    expect(affectsToday(capDay(add, "Asia/Shanghai"), now, "Asia/Shanghai")).toBe(false);
    expect(affectsToday(capDay(now, "Asia/Shanghai"), now, "Asia/Shanghai")).toBe(true);
  });
});
