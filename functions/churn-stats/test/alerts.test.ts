import { describe, expect, it } from "vitest";
import {
  APP_MESSAGE_LIMITS,
  appMessageSlot,
  applyFacts,
  churnSettingsSchema,
  digestDay,
  digestText,
  emptyLedger,
  factsFromEvent,
  LOSS_ALERT_MAX_AGE_MS,
  lossAlertCandidates,
  lossAlertText,
  topLosers,
  WINDOW_MARGIN_MS,
} from "../src/domain/index.ts";
import { added, CORP, Harness, lost, removed, transferred } from "./helpers.ts";

const at = (iso: string) => new Date(iso);

describe("lossAlertCandidates", () => {
  it("alerts a counted loss, with the staff the customer still follows", () => {
    const h = new Harness().deliver(added("u1", "wm1", "2024-03-01T04:00:00Z"), added("u2", "wm1", "2024-03-01T05:00:00Z"));
    const e = lost("u1", "wm1", "2024-03-01T06:00:00Z");
    h.deliver(e);
    const ledger = h.ledgers.values().next().value!;
    const c = lossAlertCandidates(factsFromEvent(e), ledger.facts, at("2024-03-01T06:01:00Z"));
    expect(c.map((x) => [x.fact.userId, x.stillConnectedTo])).toEqual([["u1", ["u2"]]]);
  });

  it("does not alert the second half of a mutual delete, a removal, or an old loss", () => {
    const h = new Harness().deliver(added("u1", "wm1", "2024-03-01T04:00:00Z"), removed("u1", "wm1", "2024-03-01T05:00:00Z"));
    const late = lost("u1", "wm1", "2024-03-01T06:00:00Z");
    h.deliver(late);
    const ledger = h.ledgers.values().next().value!;
    expect(lossAlertCandidates(factsFromEvent(late), ledger.facts, at("2024-03-01T06:01:00Z"))).toEqual([]);
    const rm = removed("u1", "wm1", "2024-03-01T05:00:00Z");
    expect(lossAlertCandidates(factsFromEvent(rm), ledger.facts, at("2024-03-01T06:01:00Z"))).toEqual([]);

    const old = lost("u2", "wm2", "2024-03-01T00:00:00Z");
    const r = applyFacts(emptyLedger(CORP, "wm2"), factsFromEvent(old));
    expect(lossAlertCandidates(factsFromEvent(old), r.ledger.facts, new Date(Date.parse("2024-03-01T00:00:00Z") + LOSS_ALERT_MAX_AGE_MS + 1))).toEqual([]);
    expect(lossAlertCandidates(factsFromEvent(old), r.ledger.facts, new Date(Date.parse("2024-03-01T00:00:00Z") + LOSS_ALERT_MAX_AGE_MS))).toHaveLength(1);
  });

  it("ignores transfers (no loss) and still answers for a redelivered loss (the marker dedupes)", () => {
    const h = new Harness().deliver(added("u1", "wm1", "2024-03-01T04:00:00Z"));
    const t = transferred("u1", "u2", "wm1", "2024-03-01T05:00:00Z");
    h.deliver(t);
    const ledger = h.ledgers.values().next().value!;
    expect(lossAlertCandidates(factsFromEvent(t), ledger.facts, at("2024-03-01T05:00:01Z"))).toEqual([]);
    const l = lost("u2", "wm1", "2024-03-01T06:00:00Z");
    h.deliver(l, l);
    const after = h.ledgers.values().next().value!;
    expect(lossAlertCandidates(factsFromEvent(l), after.facts, at("2024-03-01T06:00:01Z")).map((c) => c.stillConnectedTo)).toEqual([[]]);
  });
});

describe("appMessageSlot (WeCom: 30 per member per minute, 1000 per hour)", () => {
  const t0 = Date.parse("2024-03-01T04:00:00Z");

  it("allows 30 in a minute, then says when the 31st fits", () => {
    let sent: number[] = [];
    for (let i = 0; i < APP_MESSAGE_LIMITS.perMinute; i++) {
      const d = appMessageSlot(sent, t0 + i * 100);
      expect(d.ok).toBe(true);
      sent = d.sentAt;
    }
    const refused = appMessageSlot(sent, t0 + 5_000);
    expect(refused).toMatchObject({ ok: false, reason: "minute", retryAt: t0 + 60_000 + WINDOW_MARGIN_MS });
    expect(appMessageSlot(sent, t0 + 60_000 + WINDOW_MARGIN_MS).ok).toBe(true);
  });

  it("allows 1000 in an hour, then waits for the oldest to leave the window", () => {
    const sent = Array.from({ length: 1000 }, (_, i) => t0 + i * 3_000); // 20 a minute, 50 minutes
    const refused = appMessageSlot(sent, t0 + 3_000_000);
    expect(refused).toMatchObject({ ok: false, reason: "hour", retryAt: t0 + 3_600_000 + WINDOW_MARGIN_MS });
    expect(appMessageSlot(sent, t0 + 3_600_000 + WINDOW_MARGIN_MS).ok).toBe(true);
  });

  it("forgets sends older than an hour", () => {
    const d = appMessageSlot([t0 - 4_000_000, t0 - 10], t0);
    expect(d).toEqual({ ok: true, sentAt: [t0 - 10, t0] });
  });
});

describe("texts, days and settings", () => {
  it("writes the alert and digest in Chinese, in the corp's wall time", () => {
    expect(lossAlertText({ externalUserId: "wmA", channelId: "poster", lostAt: "2024-03-01T06:05:00Z", stillConnectedTo: ["u2"] }, "Asia/Shanghai")).toBe(
      "【客户流失提醒】客户 wmA 于 03-01 14:05 删除了你（来源渠道：poster）。该客户仍是 1 位同事的客户。",
    );
    const text = digestText({ day: "2024-03-01", added: 12, lost: 3, removed: 1, net: 8, customersAtEnd: 120, churnRate: 0.025, topLosers: [{ userId: "u1", lost: 2 }] });
    expect(text).toContain("【客户流失日报】2024-03-01");
    expect(text).toContain("流失率 2.50%");
    expect(text).toContain("u1 2");
  });

  it("reports on the corp day before the run", () => {
    expect(digestDay(new Date("2024-03-02T01:00:00Z"), "Asia/Shanghai")).toBe("2024-03-01");
    expect(digestDay(new Date("2024-03-01T17:00:00Z"), "Asia/Shanghai")).toBe("2024-03-01");
  });

  it("ranks the staff with the most losses", () => {
    expect(topLosers([{ userId: "b", lost: 2 }, { userId: "a", lost: 2 }, { userId: "c", lost: 0 }, { userId: "d", lost: 5 }])).toEqual([
      { userId: "d", lost: 5 },
      { userId: "a", lost: 2 },
      { userId: "b", lost: 2 },
    ]);
  });

  it("validates settings: everything off by default, a digest needs its lead", () => {
    expect(churnSettingsSchema.parse({ lossAlerts: true })).toEqual({ lossAlerts: true, dailyDigest: false, digestLeadUserId: null });
    const bad = churnSettingsSchema.safeParse({ lossAlerts: "yes", dailyDigest: true, extra: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["lossAlerts"]));
    const noLead = churnSettingsSchema.safeParse({ lossAlerts: false, dailyDigest: true });
    expect(noLead.error!.issues.map((i) => i.path.join("."))).toEqual(["digestLeadUserId"]);
  });
});
