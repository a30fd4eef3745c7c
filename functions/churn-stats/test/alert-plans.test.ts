import { deterministicId } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AlertRequestData,
  alertDeferral,
  decideAlert,
  digestFigures,
  digestPlan,
  ForeignCorpEvent,
  factsFromEvent,
  factsToRecord,
  LOSS_ALERT_MAX_AGE_MS,
  LossAlertExpired,
  lossAlertCandidates,
  lossAlertRequests,
  MAX_DEFERRAL_SECONDS,
} from "../src/domain/index.ts";
import { added, CORP, Harness, lost } from "./helpers.ts";

const request = (over: Partial<AlertRequestData> = {}): AlertRequestData => ({
  factId: "0123456789abcdef0123456789abcdef",
  userId: "u1",
  externalUserId: "wm1",
  channelId: "ch1",
  lostAt: "2024-03-01T06:00:00.000Z",
  stillConnectedTo: [],
  deferrals: 0,
  ...over,
});

describe("factsToRecord", () => {
  it("records the facts of this corp's events and refuses another corp's", () => {
    const e = added("u1", "wm1", "2024-03-01T04:00:00Z");
    expect(factsToRecord(e, CORP)).toEqual(factsFromEvent(e));
    expect(() => factsToRecord({ ...e, corpId: "other-corp" }, CORP)).toThrow(ForeignCorpEvent);
    expect(() => factsToRecord({ ...e, corpId: "other-corp" }, CORP)).toThrow(/event of corp other-corp delivered to the stack of corp ww-corp/);
  });
});

describe("lossAlertRequests", () => {
  const h = new Harness().deliver(added("u1", "wm1", "2024-03-01T04:00:00Z"), added("u2", "wm1", "2024-03-01T05:00:00Z"));
  const e = lost("u1", "wm1", "2024-03-01T06:00:00Z");
  h.deliver(e);
  const candidates = lossAlertCandidates(factsFromEvent(e), h.ledgers.values().next().value!.facts, new Date("2024-03-01T06:01:00Z"));

  it("asks for one alert per candidate, its id derived from the fact, only while alerts are on", () => {
    const [r] = lossAlertRequests(candidates, { lossAlerts: true });
    const fact = candidates[0]!.fact;
    expect(r).toEqual({
      id: deterministicId("churn-alert", fact.factId),
      data: { factId: fact.factId, userId: "u1", externalUserId: "wm1", channelId: "ch1", lostAt: fact.at, stillConnectedTo: ["u2"], deferrals: 0 },
    });
    expect(lossAlertRequests(candidates, { lossAlerts: false })).toEqual([]);
  });
});

describe("decideAlert", () => {
  const now = new Date("2024-03-01T07:00:00Z");
  it("drops while off, then once sent; sends otherwise", () => {
    expect(decideAlert(request(), { settings: { lossAlerts: false }, alreadySent: true, now })).toEqual({ send: false, outcome: "disabled" });
    expect(decideAlert(request(), { settings: { lossAlerts: true }, alreadySent: true, now })).toEqual({ send: false, outcome: "duplicate" });
    expect(decideAlert(request(), { settings: { lossAlerts: true }, alreadySent: false, now })).toEqual({ send: true });
  });

  it("refuses a loss older than the maximum age (property: exactly past the limit)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * LOSS_ALERT_MAX_AGE_MS }), fc.nat(5), (ageMs, deferrals) => {
        const a = request({ deferrals });
        const at = new Date(Date.parse(a.lostAt) + ageMs);
        const decide = () => decideAlert(a, { settings: { lossAlerts: true }, alreadySent: false, now: at });
        if (ageMs <= LOSS_ALERT_MAX_AGE_MS) expect(decide()).toEqual({ send: true });
        else expect(decide).toThrow(LossAlertExpired);
      }),
    );
    expect(() => decideAlert(request({ deferrals: 3 }), { settings: { lossAlerts: true }, alreadySent: false, now: new Date("2024-03-02T00:00:00Z") })).toThrow(
      "loss alert 0123456789abcdef0123456789abcdef for u1 not sent: the loss is older than 6 h (deferred 3 times)",
    );
  });
});

describe("alertDeferral", () => {
  it("waits until the slot opens, at least 1 s and at most SQS's 15 min, as a new message per deferral (property)", () => {
    const now = new Date("2024-03-01T07:00:00Z");
    fc.assert(
      fc.property(fc.integer({ min: -5_000, max: 3_600_000 }), fc.nat(20), (waitMs, deferrals) => {
        const a = request({ deferrals });
        const { request: next, delaySeconds } = alertDeferral(a, now.getTime() + waitMs, now);
        expect(delaySeconds).toBeGreaterThanOrEqual(1);
        expect(delaySeconds).toBeLessThanOrEqual(MAX_DEFERRAL_SECONDS);
        if (waitMs > 0 && waitMs <= MAX_DEFERRAL_SECONDS * 1000) expect(delaySeconds).toBe(Math.ceil(waitMs / 1000));
        expect(next.data).toEqual({ ...a, deferrals: deferrals + 1 });
        expect(next.id).toBe(deterministicId("churn-alert", a.factId, deferrals + 1));
      }),
    );
  });
});

describe("digestPlan and digestFigures", () => {
  const nine = new Date("2024-03-02T01:00:00Z"); // 09:00 in Shanghai
  it("sends yesterday's digest to the lead only when on and a lead is set", () => {
    expect(digestPlan(nine, { dailyDigest: true, digestLeadUserId: "lead" }, "Asia/Shanghai")).toEqual({ day: "2024-03-01", lead: "lead" });
    expect(digestPlan(nine, { dailyDigest: false, digestLeadUserId: "lead" }, "Asia/Shanghai")).toEqual({ day: "2024-03-01", lead: undefined });
    expect(digestPlan(nine, { dailyDigest: true, digestLeadUserId: null }, "Asia/Shanghai").lead).toBeUndefined();
  });

  it("reports zeros for a day without a point, and the top losers", () => {
    expect(digestFigures("2024-03-01", undefined, [{ userId: "a", lost: 0 }])).toEqual({
      day: "2024-03-01",
      added: 0,
      lost: 0,
      removed: 0,
      net: 0,
      customersAtEnd: 0,
      churnRate: null,
      topLosers: [],
    });
    const point = { date: "2024-03-01", added: 5, lost: 2, removed: 1, transferredIn: 0, transferredOut: 0, net: 2, customersAtStart: 10, customersAtEnd: 12, churnRate: 0.2 };
    expect(digestFigures("2024-03-01", point, [{ userId: "b", lost: 1 }, { userId: "a", lost: 1 }])).toMatchObject({
      added: 5,
      lost: 2,
      net: 2,
      customersAtEnd: 12,
      churnRate: 0.2,
      topLosers: [{ userId: "a", lost: 1 }, { userId: "b", lost: 1 }],
    });
  });
});
