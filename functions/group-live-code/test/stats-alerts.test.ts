import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alerted, alertRecipient, blockedReason, type CodeRouting, decideRouting, type RoutingInput } from "../src/domain/alerts.ts";
import type { GroupState } from "../src/domain/pool.ts";
import { codeStats, type StatsFact } from "../src/domain/stats.ts";

const g = (chatId: string, members: number, more: Partial<GroupState> = {}): GroupState => ({
  chatId,
  ownerUserId: "zhangsan",
  capacity: 200,
  members,
  dismissed: false,
  autoCreated: false,
  ...more,
});

describe("codeStats", () => {
  const groups = [g("wrA", 3), g("wrB", 2, { capacity: 100 }), g("wrC", 50, { dismissed: true })];
  const customersByGroup = new Map([
    ["wrA", ["c1", "c2", "c3"]],
    ["wrB", ["c2", "c4"]],
    ["wrC", ["c3"]],
  ]);
  const facts: StatsFact[] = [
    // 23:30 Shanghai on 2026-03-01 and 00:30 on 2026-03-02
    { kind: "view", at: "2026-03-01T15:30:00.000Z", visitorId: "v1", chatId: "wrA" },
    { kind: "view", at: "2026-03-01T16:30:00.000Z", visitorId: "v1", chatId: "wrA" },
    { kind: "view", at: "2026-03-01T16:31:00.000Z", visitorId: "v2", chatId: "wrB" },
    { kind: "view", at: "2026-03-01T16:32:00.000Z" },
    { kind: "join", at: "2026-03-01T16:33:00.000Z", chatId: "wrA", memberId: "c1", viaCode: true },
    { kind: "join", at: "2026-03-01T16:34:00.000Z", chatId: "wrB", memberId: "c4", viaCode: false },
    { kind: "leave", at: "2026-03-01T16:35:00.000Z", chatId: "wrA", memberId: "c9" },
  ];

  it("keeps views, joins and leaves apart, and counts members and duplicates from the membership", () => {
    const s = codeStats({ groups, customersByGroup, facts, timeZone: "Asia/Shanghai" });
    expect(s.totals).toEqual({
      pageViews: 4,
      uniqueVisitors: 2,
      joins: 2,
      joinsViaCode: 1,
      leaves: 1,
      currentMembers: 5,
      duplicateMembers: 2, // c2 (A, B) and c3 (A, dismissed C)
      fill: 5 / 300,
      groups: 3,
      routableGroups: 2,
    });
    expect(s.groups.map((x) => [x.chatId, x.pageViews, x.joins, x.leaves, x.duplicateMembers, x.fill, x.routable])).toEqual([
      ["wrA", 2, 1, 1, 2, 3 / 200, true],
      ["wrB", 1, 1, 0, 1, 2 / 100, true],
      ["wrC", 0, 0, 0, 1, 50 / 200, false],
    ]);
  });

  it("splits by corp day in the corp's time zone", () => {
    const s = codeStats({ groups, customersByGroup, facts, timeZone: "Asia/Shanghai" });
    expect(s.daily.map((d) => [d.day, d.pageViews, d.joins, d.leaves])).toEqual([
      ["2026-03-01", 1, 0, 0],
      ["2026-03-02", 3, 2, 1],
    ]);
    expect(codeStats({ groups, customersByGroup, facts, timeZone: "UTC" }).daily.map((d) => d.day)).toEqual(["2026-03-01"]);
  });

  it("adds the views counted on the seat counters (per group and corp day) to the facts' views", () => {
    const viewCounts = [
      { chatId: "wrA", day: "2026-03-02", count: 10 },
      { chatId: "wrB", day: "2026-03-03", count: 5 },
    ];
    const s = codeStats({ groups, customersByGroup, facts, viewCounts, timeZone: "Asia/Shanghai" });
    expect(s.totals.pageViews).toBe(4 + 15);
    expect(s.groups.map((x) => [x.chatId, x.pageViews])).toEqual([
      ["wrA", 12],
      ["wrB", 6],
      ["wrC", 0],
    ]);
    expect(s.daily.map((d) => [d.day, d.pageViews])).toEqual([
      ["2026-03-01", 1],
      ["2026-03-02", 13],
      ["2026-03-03", 5],
    ]);
    // the unique visitors are the facts' (a counter has no visitor)
    expect(s.totals.uniqueVisitors).toBe(2);
  });

  it("a group over capacity (invites past 200) counts as full, not more", () => {
    expect(codeStats({ groups: [g("wrA", 230)], customersByGroup: new Map(), facts: [], timeZone: "UTC" }).totals.fill).toBe(1);
    expect(codeStats({ groups: [], customersByGroup: new Map(), facts: [], timeZone: "UTC" }).totals.fill).toBe(0);
  });

  it("(property) the daily rows add up to the totals, and the groups' joins to the code's", () => {
    const fact = fc.oneof(
      fc.record({ kind: fc.constant("view" as const), at: fc.integer({ min: 1.77e12, max: 1.78e12 }).map((t) => new Date(t).toISOString()), visitorId: fc.constantFrom("v1", "v2", "v3") }),
      fc.record({
        kind: fc.constant("join" as const),
        at: fc.integer({ min: 1.77e12, max: 1.78e12 }).map((t) => new Date(t).toISOString()),
        chatId: fc.constantFrom("wrA", "wrB"),
        memberId: fc.constantFrom("c1", "c2"),
        viaCode: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 60 }), fc.constantFrom("Asia/Shanghai", "America/New_York", "UTC"), (fs, timeZone) => {
        const s = codeStats({ groups: [g("wrA", 1), g("wrB", 1)], customersByGroup: new Map(), facts: fs, timeZone });
        const sum = (k: "pageViews" | "joins" | "joinsViaCode") => s.daily.reduce((n, d) => n + d[k], 0);
        expect(sum("pageViews")).toBe(s.totals.pageViews);
        expect(sum("joins")).toBe(s.totals.joins);
        expect(sum("joinsViaCode")).toBe(s.totals.joinsViaCode);
        expect(s.groups.reduce((n, x) => n + x.joins, 0)).toBe(s.totals.joins);
        expect(s.totals.joinsViaCode).toBeLessThanOrEqual(s.totals.joins);
      }),
      { numRuns: 200 },
    );
  });
});

describe("routing status and alerts", () => {
  const off = { enabled: false } as const;
  const input = (groups: GroupState[], more: Partial<RoutingInput> = {}): RoutingInput => ({ codeId: "c1", groups, autoCreate: off, ...more });
  const now = new Date("2026-03-01T02:00:00Z");
  const routing: CodeRouting = { state: "routing" };

  it("names why a code cannot route", () => {
    expect(blockedReason(input([g("a", 10)]))).toBeUndefined();
    expect(blockedReason(input([g("a", 200), g("b", 5, { capacity: 5 })]))).toBe("pool-full");
    expect(blockedReason(input([g("a", 200)], { autoCreate: { enabled: true, roomBaseName: "群", roomBaseId: 10 } }))).toBeUndefined();
    expect(blockedReason(input([]))).toBe("no-groups");
    expect(blockedReason(input([g("a", 0, { dismissed: true }), g("b", 0, { removed: true })]))).toBe("no-groups");
    expect(blockedReason(input([g("a", 10)], { wecomRefusal: { errcode: 48002, at: now.toISOString() } }))).toBe("permission");
    // a refusal that is not about permission does not block by itself
    expect(blockedReason(input([g("a", 10)], { wecomRefusal: { errcode: 45009, at: now.toISOString() } }))).toBeUndefined();
  });

  it("alerts once per episode, in zh-CN, and again only after the code routed in between", () => {
    const first = decideRouting(input([g("a", 200)]), routing, "新品体验群", now);
    expect(first.status).toMatchObject({ state: "blocked", reason: "pool-full", since: now.toISOString(), episodeId: `c1#${now.toISOString()}` });
    expect(first.alert?.text).toMatch(/新品体验群.*已满员/);
    const stored = alerted(first.status, now);
    // still blocked, even for another reason: the status follows, no second alert
    const later = decideRouting(input([g("a", 200)], { wecomRefusal: { errcode: 48002, at: now.toISOString() } }), stored, "新品体验群", new Date(now.getTime() + 60_000));
    expect(later.alert).toBeUndefined();
    expect(later.status).toMatchObject({ reason: "permission", episodeId: first.alert?.episodeId, alertedAt: now.toISOString() });
    // routes again, then blocks again: a new episode, a new alert
    const back = decideRouting(input([g("a", 10)]), later.status, "新品体验群", now);
    expect(back).toEqual({ status: { state: "routing" } });
    const again = decideRouting(input([g("a", 200)]), back.status, "新品体验群", new Date(now.getTime() + 120_000));
    expect(again.alert?.episodeId).not.toBe(first.alert?.episodeId);
  });

  it("an episode whose alert was not recorded yet (a crash before the write) sends it again with the same episode id", () => {
    const first = decideRouting(input([g("a", 200)]), routing, "码", now);
    const retry = decideRouting(input([g("a", 200)]), first.status, "码", new Date(now.getTime() + 5000));
    expect(retry.alert?.episodeId).toBe(first.alert?.episodeId);
  });

  it("(property) over any sequence of pool states, exactly one alert is recorded per blocked stretch", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("room", "full", "none", "refused"), { maxLength: 40 }), (states) => {
        let status: CodeRouting = routing;
        let alerts = 0;
        let stretches = 0;
        let wasBlocked = false;
        states.forEach((s, i) => {
          const groups = s === "room" || s === "refused" ? [g("a", 10)] : s === "full" ? [g("a", 200)] : [];
          const d = decideRouting(input(groups, s === "refused" ? { wecomRefusal: { errcode: 60011, at: now.toISOString() } } : {}), status, "码", new Date(now.getTime() + i * 1000));
          status = d.alert ? alerted(d.status, now) : d.status;
          if (d.alert) alerts++;
          const blocked = s !== "room";
          if (blocked && !wasBlocked) stretches++;
          wasBlocked = blocked;
          expect(status.state).toBe(blocked ? "blocked" : "routing");
        });
        expect(alerts).toBe(stretches);
      }),
      { numRuns: 300 },
    );
  });

  it("alerts the code's owner, else its first group's owner", () => {
    expect(alertRecipient({ ownerUserId: "boss" }, [g("a", 1)])).toBe("boss");
    expect(alertRecipient({}, [g("a", 1, { ownerUserId: undefined }), g("b", 1, { ownerUserId: "lisi" })])).toBe("lisi");
  });
});
