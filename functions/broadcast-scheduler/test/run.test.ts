import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withInteractions, withOpenRuns } from "../src/domain/ledger.ts";
import { remainingQuota, receiveSettingsSchema, rulesFor } from "../src/domain/quota.ts";
import {
  dueReminders,
  emptyRecipientCounts,
  FINAL_RECIPIENT_STATUSES,
  funnelOf,
  ledgerOutcome,
  nextPollAt,
  RECIPIENT_STATUSES,
  reconcileCandidates,
  recipientStatusAfter,
  reminderBudget,
} from "../src/domain/run.ts";

const T = (s: string) => new Date(s);

describe("recipientStatusAfter", () => {
  it("maps WeCom's send status and never moves a final state back", () => {
    expect(recipientStatusAfter("waiting", 1, { cancelled: false })).toBe("delivered");
    expect(recipientStatusAfter("waiting", 2, { cancelled: false })).toBe("not-a-friend");
    expect(recipientStatusAfter("waiting", 3, { cancelled: false })).toBe("quota-hit");
    expect(recipientStatusAfter("waiting", 0, { cancelled: false })).toBe("waiting");
    expect(recipientStatusAfter("waiting", 0, { cancelled: true })).toBe("cancelled");
    for (const s of FINAL_RECIPIENT_STATUSES) for (const st of [0, 1, 2, 3] as const) expect(recipientStatusAfter(s, st, { cancelled: true })).toBe(s);
  });
});

describe("ledgerOutcome", () => {
  it("records a delivery at its send time and every other final state as not delivered", () => {
    const run = { runKey: "c#now", at: "2026-03-02T02:00:00.000Z" };
    expect(ledgerOutcome("delivered", run, "2026-03-02T05:00:00.000Z")).toEqual({ at: "2026-03-02T05:00:00.000Z", source: "siyu", state: "delivered", runId: "c#now" });
    expect(ledgerOutcome("quota-hit", run)).toMatchObject({ state: "not-delivered" });
    expect(ledgerOutcome("cancelled", run)).toMatchObject({ state: "not-delivered" });
    expect(ledgerOutcome("waiting", run)).toBeUndefined();
  });
});

describe("funnelOf", () => {
  it("adds up for any counts", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: RECIPIENT_STATUSES.length, maxLength: RECIPIENT_STATUSES.length }), (ns) => {
        const c = emptyRecipientCounts();
        RECIPIENT_STATUSES.forEach((s, i) => {
          c[s] = ns[i]!;
        });
        const f = funnelOf(c);
        expect(f.planned).toBe(f.tasked + f.failed + f.pending);
        expect(f.tasked).toBe(f.confirmed + f.waiting + f.cancelled);
        expect(f.confirmed).toBe(f.delivered + f.notAFriend + f.quotaHit);
        expect(f.planned).toBe(ns.reduce((a, b) => a + b, 0));
      }),
    );
  });
});

describe("nextPollAt", () => {
  const run = { startedAt: T("2026-03-02T02:00:00Z"), deadline: T("2026-03-04T16:00:00Z") };
  it("polls every 5 minutes in the first hour, then hourly, never past the deadline, and stops at it", () => {
    expect(nextPollAt(run, T("2026-03-02T02:10:00Z"))).toEqual(T("2026-03-02T02:15:00Z"));
    expect(nextPollAt(run, T("2026-03-02T03:10:00Z"))).toEqual(T("2026-03-02T04:10:00Z"));
    expect(nextPollAt(run, T("2026-03-04T15:30:00Z"))).toEqual(run.deadline);
    expect(nextPollAt(run, run.deadline)).toBeUndefined();
  });
});

describe("reminderBudget", () => {
  it("allows 3 per 24 h and says when the next may go", () => {
    const now = T("2026-03-02T12:00:00Z");
    expect(reminderBudget([], now)).toEqual({ remaining: 3 });
    const sent = ["2026-03-01T13:00:00.000Z", "2026-03-02T01:00:00.000Z", "2026-03-02T11:00:00.000Z"];
    const b = reminderBudget(sent, now);
    expect(b.remaining).toBe(0);
    expect(b.nextAt!.getTime()).toBeGreaterThan(T("2026-03-02T13:00:00Z").getTime());
    // a reminder older than 24 h frees one
    expect(reminderBudget(sent, T("2026-03-02T13:00:01Z")).remaining).toBe(1);
  });
  it("never lets a 4th reminder into any 24 h, whatever the order of tries (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 72 * 60 }), { maxLength: 40 }), (minutes) => {
        const start = T("2026-03-02T00:00:00Z").getTime();
        const sent: string[] = [];
        for (const m of [...minutes].sort((a, b) => a - b)) {
          const now = new Date(start + m * 60_000);
          if (reminderBudget(sent, now).remaining > 0) sent.push(now.toISOString());
        }
        const ts = sent.map((s) => Date.parse(s));
        for (const t of ts) expect(ts.filter((u) => u >= t && u - t <= 86_400_000).length).toBeLessThanOrEqual(3);
      }),
    );
  });
});

describe("dueReminders", () => {
  it("lists planned reminders whose time has come and that were not sent", () => {
    const planned = ["2026-03-02T10:00:00.000Z", "2026-03-03T10:00:00.000Z"];
    expect(dueReminders(planned, [], T("2026-03-02T11:00:00Z"))).toEqual([planned[0]]);
    expect(dueReminders(planned, [planned[0]!], T("2026-03-03T11:00:00Z"))).toEqual([planned[1]]);
  });
});

describe("reconcileCandidates", () => {
  const claimedAt = T("2026-03-02T02:00:00Z");
  const sec = (s: string) => String(Math.floor(Date.parse(s) / 1000));
  const ours = { text: { content: "你好" } };
  it("keeps corp messages with our content created since the claim (less skew), not already known", () => {
    const listed = [
      { msgid: "a", create_time: sec("2026-03-02T02:00:03Z"), create_type: 0, text: { content: "你好" } },
      { msgid: "b", create_time: sec("2026-03-02T01:00:00Z"), create_type: 0, text: { content: "你好" } },
      { msgid: "c", create_time: sec("2026-03-02T02:00:03Z"), create_type: 1, text: { content: "你好" } },
      { msgid: "d", create_time: sec("2026-03-02T02:00:03Z"), create_type: 0, text: { content: "别的" } },
      { msgid: "e", create_time: sec("2026-03-02T02:00:03Z"), create_type: 0, text: { content: "你好" } },
      { msgid: "f", create_time: sec("2026-03-02T02:00:03Z"), create_type: 0, text: { content: "你好" }, attachments: [{}] },
    ];
    expect(reconcileCandidates(listed, ours, claimedAt, new Set(["e"])).map((m) => m.msgid)).toEqual(["a"]);
  });
});

describe("withOpenRuns", () => {
  const rules = rulesFor(receiveSettingsSchema.parse({ customers: { wecom: "day" } }), "single");
  it("counts an open run's recipients as planned until the ledger holds their outcome", () => {
    const open = [{ runKey: "c1#now", at: "2026-03-02T02:00:00.000Z", deadline: "2026-03-04T16:00:00.000Z", recipients: ["wm1", "wm2"] }];
    const stored = new Map([["wm2", [{ at: "2026-03-02T02:00:00.000Z", source: "siyu" as const, state: "not-delivered" as const, runId: "c1#now" }]]]);
    const ledger = withOpenRuns(stored, open);
    expect(ledger.get("wm1")).toEqual([expect.objectContaining({ state: "planned", runId: "c1#now" })]);
    expect(ledger.get("wm2")).toEqual(stored.get("wm2"));
    expect(remainingQuota(ledger.get("wm1")!, T("2026-03-03T02:00:00Z"), rules, "Asia/Shanghai").remaining).toBe(0);
    expect(remainingQuota(ledger.get("wm2")!, T("2026-03-03T02:00:00Z"), rules, "Asia/Shanghai").remaining).toBe(1);
    // the input is not changed
    expect(stored.get("wm2")).toHaveLength(1);
  });
});

describe("withInteractions", () => {
  it("takes a member's delivered message as their latest interaction with the customer", () => {
    const rel = (userId: string, addedAt: string) => ({ externalUserId: "wm1", userId, channelId: "c", addedAt, tagIds: [], active: true });
    const ledger = new Map([["wm1", [{ at: "2026-03-05T02:00:00.000Z", source: "siyu" as const, state: "delivered" as const, userId: "alice" }, { at: "2026-03-06T02:00:00.000Z", source: "siyu" as const, state: "not-delivered" as const, userId: "bob" }]]]);
    const [a, b] = withInteractions([rel("alice", "2026-01-01T00:00:00.000Z"), rel("bob", "2026-02-01T00:00:00.000Z")], ledger);
    expect(a!.lastInteractionAt).toBe("2026-03-05T02:00:00.000Z");
    expect(b!.lastInteractionAt).toBe("2026-02-01T00:00:00.000Z");
  });
});
