import { WECOM_LIMITS } from "@siyu/wecom";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CustomerAudiencePlan, type CustomerFilter, planAudience, plannedLedgerEntry, runContext } from "../src/domain/audience.ts";
import type { Candidate } from "../src/domain/audience-types.ts";
import { planGroupAudience } from "../src/domain/group-audience.ts";
import { countIn, type LedgerEntry, type QuotaRules, WECOM_RECEIVE_RULES } from "../src/domain/quota.ts";

const SH = "Asia/Shanghai";
const AT = new Date("2025-03-05T06:00:00Z"); // Wed 14:00 Shanghai
const DAY: QuotaRules = { windows: [WECOM_RECEIVE_RULES.day], quietHours: [] };
const rel = (externalUserId: string, userId: string, extra: Partial<Candidate> = {}): Candidate => ({
  externalUserId,
  userId,
  channelId: "ch1",
  addedAt: "2025-01-10T02:00:00Z",
  tagIds: [],
  active: true,
  ...extra,
});
const single = (extra: Partial<CustomerFilter> = {}): CustomerFilter => ({ chatType: "single", ...extra });
const plan = (candidates: Candidate[], extra: Partial<Parameters<typeof planAudience>[0]> = {}) =>
  planAudience({ filter: single(), candidates, ledger: new Map(), rules: DAY, at: AT, timeZone: SH, ...extra });

describe("planAudience: reasons", () => {
  it("evaluates tags: OR within a group, AND across groups; an exclusion tag on any relation wins", () => {
    const tags = { allOf: [["vip", "svip"], ["bj"]], noneOf: ["complained"] };
    const p = plan(
      [
        rel("a", "u1", { tagIds: ["vip", "bj"] }),
        rel("b", "u1", { tagIds: ["svip", "bj"] }),
        rel("c", "u1", { tagIds: ["vip"] }), // no bj: not in the audience at all
        rel("d", "u1", { tagIds: ["vip", "bj"] }),
        rel("d", "u2", { tagIds: ["complained"] }),
      ],
      { filter: single({ tags }) },
    );
    expect(p.tasks).toEqual([{ sender: "u1", chunks: [["a", "b"]], count: 2 }]);
    expect(p.excluded).toEqual([{ externalUserId: "d", reason: "excluded-tag", userId: "u1" }]);
    expect(p.counts).toEqual({ audience: 3, planned: 2, perSender: { u1: 2 }, excluded: { quota: 0, "not-a-follower": 0, duplicate: 0, "quiet-hours": 0, "excluded-tag": 1 } });
  });

  it("staff, channel, add-date (corp days) and explicit ids narrow the audience", () => {
    const cands = [
      rel("a", "u1", { channelId: "ch1", addedAt: "2025-02-28T15:59:59Z" }), // Feb 28 23:59:59 Shanghai
      rel("b", "u1", { channelId: "ch1", addedAt: "2025-02-28T16:00:00Z" }), // Mar 1 00:00 Shanghai
      rel("c", "u2", { channelId: "ch1", addedAt: "2025-02-20T00:00:00Z" }),
      rel("e", "u1", { channelId: "ch2", addedAt: "2025-02-20T00:00:00Z" }),
    ];
    const p = plan(cands, { filter: single({ staff: ["u1"], channels: ["ch1"], addedFrom: "2025-02-01", addedTo: "2025-02-28" }) });
    expect(p.tasks).toEqual([{ sender: "u1", chunks: [["a"]], count: 1 }]);
    expect(p.counts.audience).toBe(1);
    expect(plan(cands, { filter: single({ externalUserIds: ["c", "zz"] }) }).tasks).toEqual([{ sender: "u2", chunks: [["c"]], count: 1 }]);
  });

  it("routes a customer followed by several members to the last-interacting one; the others are duplicate", () => {
    const p = plan([
      rel("a", "u1", { lastInteractionAt: "2025-03-01T00:00:00Z" }),
      rel("a", "u2", { lastInteractionAt: "2025-03-04T00:00:00Z" }),
      rel("a", "u3"), // never chatted
      rel("a", "u4", { active: false, lastInteractionAt: "2025-03-05T00:00:00Z" }), // lost: not a route
    ]);
    expect(p.tasks).toEqual([{ sender: "u2", chunks: [["a"]], count: 1 }]);
    expect(p.duplicates).toEqual([
      { externalUserId: "a", userId: "u1", routedTo: "u2" },
      { externalUserId: "a", userId: "u3", routedTo: "u2" },
    ]);
    expect(p.counts.excluded.duplicate).toBe(2);
    expect(p.counts.audience).toBe(p.counts.planned);
  });

  it("breaks routing ties by the earliest add, then the smallest userId", () => {
    const tie = [rel("a", "u9", { addedAt: "2025-01-01T00:00:00Z" }), rel("a", "u1", { addedAt: "2025-01-02T00:00:00Z" })];
    expect(plan(tie).tasks[0]!.sender).toBe("u9");
    expect(plan([rel("a", "u9"), rel("a", "u1")]).tasks[0]!.sender).toBe("u1");
  });

  it("a customer with no active matching relation is not-a-follower", () => {
    const p = plan([rel("a", "u1", { active: false }), rel("b", "u1")]);
    expect(p.excluded).toEqual([{ externalUserId: "a", reason: "not-a-follower", userId: "u1" }]);
    // an active relation outside the staff filter does not make them a follower for this run
    const q = plan([rel("a", "u1", { active: false }), rel("a", "u2")], { filter: single({ staff: ["u1"] }) });
    expect(q.excluded.map((e) => e.reason)).toEqual(["not-a-follower"]);
  });

  it("a customer without quota in the delivery window is quota, and says which window", () => {
    const ledger = new Map<string, LedgerEntry[]>([["a", [{ at: "2025-03-05T01:00:00Z", source: "personal", state: "delivered" }]]]);
    const p = plan([rel("a", "u1"), rel("b", "u1")], { ledger });
    expect(p.tasks).toEqual([{ sender: "u1", chunks: [["b"]], count: 1 }]);
    expect(p.excluded).toEqual([
      {
        externalUserId: "a",
        reason: "quota",
        userId: "u1",
        quota: { kind: "day", start: "2025-03-04T16:00:00.000Z", end: "2025-03-05T16:00:00.000Z", limit: 1, count: 1 },
      },
    ]);
  });

  it("a second campaign the same day under `day` leaves everyone out with quota and plans no sender (41048)", () => {
    const cands = [rel("a", "u1"), rel("b", "u2")];
    const first = plan(cands, { runId: "c1" });
    const ledger = new Map<string, LedgerEntry[]>();
    for (const t of first.tasks) for (const id of t.chunks.flat()) ledger.set(id, [plannedLedgerEntry(AT, undefined, "c1")]);
    const second = plan(cands, { ledger, at: new Date("2025-03-05T09:00:00Z"), runId: "c2" });
    expect(second.tasks).toEqual([]);
    expect(second.counts.excluded.quota).toBe(2);
    // re-planning the first run itself does not count its own entries
    expect(plan(cands, { ledger, runId: "c1" }).tasks).toHaveLength(2);
  });

  it("a run pushed in quiet hours plans nobody: sendable customers are quiet-hours, with when it may go", () => {
    const rules: QuotaRules = { windows: [WECOM_RECEIVE_RULES.month], quietHours: [{ from: "12:00", to: "14:30" }] };
    const p = plan([rel("a", "u1"), rel("b", "u1", { active: false })], { rules, at: new Date("2025-03-05T05:00:00Z") });
    expect(p.tasks).toEqual([]);
    expect(p.excluded.map((e) => [e.externalUserId, e.reason])).toEqual([
      ["a", "quiet-hours"],
      ["b", "not-a-follower"],
    ]);
    expect(p.quietUntil).toBe("2025-03-05T06:30:00.000Z");
  });

  it("chunks each sender's list at WeCom's 10,000 ids", () => {
    expect(WECOM_LIMITS.msgTemplateExternalUsers).toBe(10_000);
    const cands = Array.from({ length: 20_001 }, (_, i) => rel(`wm${String(i).padStart(5, "0")}`, "u1"));
    const p = plan(cands, { rules: { windows: [], quietHours: [] } });
    expect(p.tasks[0]!.chunks.map((c) => c.length)).toEqual([10_000, 10_000, 1]);
    expect(p.tasks[0]!.chunks[1]![0]).toBe("wm10000");
    expect(() => plan(cands, { chunkSize: 10_001 })).toThrow(RangeError);
  });
});

describe("planGroupAudience", () => {
  it("plans each group under its owner, with the group rules; dismissed groups and capped ones are left out", () => {
    const ledger = new Map<string, LedgerEntry[]>([["g3", [{ at: "2025-03-05T01:00:00Z", source: "personal", state: "delivered" }]]]);
    const p = planGroupAudience({
      filter: { chatType: "group", owners: ["o1", "o2"] },
      candidates: [
        { chatId: "g2", ownerUserId: "o1", active: true },
        { chatId: "g1", ownerUserId: "o2", active: true },
        { chatId: "g1", ownerUserId: "o1", active: true }, // mid-transfer read model
        { chatId: "g3", ownerUserId: "o1", active: true },
        { chatId: "g4", ownerUserId: "o2", active: false },
        { chatId: "g5", ownerUserId: "o3", active: true },
      ],
      ledger,
      rules: DAY,
      at: AT,
      timeZone: SH,
      chunkSize: 1,
    });
    expect(p.tasks).toEqual([{ sender: "o1", chunks: [["g1"], ["g2"]], count: 2 }]);
    expect(p.duplicates).toEqual([{ chatId: "g1", ownerUserId: "o2", routedTo: "o1" }]);
    expect(p.excluded.map((e) => [e.chatId, e.reason])).toEqual([
      ["g3", "quota"],
      ["g4", "not-a-follower"],
    ]);
    expect(p.counts).toMatchObject({ audience: 4, planned: 2, excluded: { quota: 1, "not-a-follower": 1, duplicate: 1 } });
    expect(WECOM_LIMITS.msgTemplateChatIds).toBe(2000);
  });

  it("quiet hours hold for groups too", () => {
    const p = planGroupAudience({
      filter: { chatType: "group", chatIds: ["g1"] },
      candidates: [{ chatId: "g1", ownerUserId: "o1", active: true }],
      ledger: new Map(),
      rules: { windows: [], quietHours: [{ from: "22:00", to: "08:00" }] },
      at: new Date("2025-03-05T15:00:00Z"),
      timeZone: SH,
    });
    expect(p.tasks).toEqual([]);
    expect(p.excluded).toEqual([{ chatId: "g1", reason: "quiet-hours", ownerUserId: "o1" }]);
  });
});

describe("planAudience: properties", () => {
  const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const customers = ids(12, "c");
  const staff = ids(4, "u");
  const tagIds = ids(4, "t");
  const base = Date.UTC(2025, 0, 27);
  const instant = fc.integer({ min: base, max: base + 10 * 86_400_000 });
  const candidate = fc.record({
    externalUserId: fc.constantFrom(...customers),
    userId: fc.constantFrom(...staff),
    channelId: fc.constantFrom("ch1", "ch2"),
    addedAt: fc.integer({ min: base - 30 * 86_400_000, max: base }).map((t) => new Date(t).toISOString()),
    tagIds: fc.uniqueArray(fc.constantFrom(...tagIds), { maxLength: 3 }),
    active: fc.constantFrom(true, true, true, false),
    lastInteractionAt: fc.option(instant.map((t) => new Date(t).toISOString()), { nil: undefined }),
  });
  const entry = fc.record({
    at: instant.map((t) => new Date(t).toISOString()),
    latestAt: fc.option(instant.map((t) => new Date(t + 86_400_000).toISOString()), { nil: undefined }),
    source: fc.constantFrom("siyu" as const, "personal" as const),
    state: fc.constantFrom("planned" as const, "delivered" as const, "not-delivered" as const),
  });
  const filter: fc.Arbitrary<CustomerFilter> = fc.record(
    {
      chatType: fc.constant("single" as const),
      tags: fc.record({ allOf: fc.array(fc.uniqueArray(fc.constantFrom(...tagIds), { minLength: 1, maxLength: 2 }), { maxLength: 2 }), noneOf: fc.uniqueArray(fc.constantFrom(...tagIds), { maxLength: 1 }) }),
      staff: fc.uniqueArray(fc.constantFrom(...staff), { minLength: 1 }),
      channels: fc.constant(["ch1"]),
      externalUserIds: fc.uniqueArray(fc.constantFrom(...customers), { minLength: 1 }),
    },
    { requiredKeys: ["chatType"] },
  );
  const rules: fc.Arbitrary<QuotaRules> = fc.record({
    windows: fc.tuple(
      fc.constantFrom(WECOM_RECEIVE_RULES.day, WECOM_RECEIVE_RULES.week, WECOM_RECEIVE_RULES.month),
      fc.option(fc.record({ kind: fc.constantFrom("day" as const, "week" as const, "month" as const), limit: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
    ).map(([w, cap]) => (cap ? [w, cap] : [w])),
    quietHours: fc.constantFrom([], [{ from: "22:00", to: "08:00" }]),
  });
  const input = fc.record({
    filter,
    candidates: fc.array(candidate, { maxLength: 30 }),
    ledger: fc.dictionary(fc.constantFrom(...customers), fc.array(entry, { maxLength: 8 })).map((d) => new Map(Object.entries(d))),
    rules,
    at: instant.map((t) => new Date(t)),
    deadlineAfter: fc.option(fc.integer({ min: 1, max: 3 * 86_400_000 }), { nil: undefined }),
    timeZone: fc.constantFrom(SH, "America/New_York"),
    chunkSize: fc.integer({ min: 1, max: 4 }),
  });
  const run = (i: any) => {
    const deadline = i.deadlineAfter ? new Date(i.at.getTime() + i.deadlineAfter) : undefined;
    return { deadline, p: planAudience({ ...i, deadline }) as CustomerAudiencePlan };
  };
  const plannedIds = (p: CustomerAudiencePlan) => p.tasks.flatMap((t) => t.chunks.flat());

  it("every matched customer is planned exactly once or excluded exactly once; counts add up; chunks fit", () => {
    fc.assert(
      fc.property(input, (i) => {
        const { p } = run(i);
        const planned = plannedIds(p);
        const excluded = p.excluded.map((e) => e.externalUserId);
        expect(new Set(planned).size).toBe(planned.length);
        expect(new Set(excluded).size).toBe(excluded.length);
        expect(planned.filter((id) => excluded.includes(id))).toEqual([]);
        // oracle: a customer is matched when one of its relations passes every filter
        const f = i.filter as CustomerFilter;
        const matchedRelations = (i.candidates as Candidate[])
          .filter((c) => !f.staff || f.staff.includes(c.userId))
          .filter((c) => !f.channels || f.channels.includes(c.channelId))
          .filter((c) => !f.externalUserIds || f.externalUserIds.includes(c.externalUserId))
          .filter((c) => !f.tags || f.tags.allOf.every((g) => g.some((t) => c.tagIds.includes(t))));
        const matched = new Set(matchedRelations.map((c) => c.externalUserId));
        // a planned customer's other active matching relations are exactly its duplicates
        for (const id of planned) {
          const others = matchedRelations.filter((r) => r.externalUserId === id && r.active).length - 1;
          expect(p.duplicates.filter((d) => d.externalUserId === id)).toHaveLength(others);
        }
        expect(p.duplicates.every((d) => planned.includes(d.externalUserId))).toBe(true);
        expect(new Set([...planned, ...excluded])).toEqual(matched);
        const c = p.counts;
        const customerExcluded = c.excluded.quota + c.excluded["not-a-follower"] + c.excluded["quiet-hours"] + c.excluded["excluded-tag"];
        expect(c.audience).toBe(matched.size);
        expect(c.audience).toBe(c.planned + customerExcluded);
        expect(customerExcluded).toBe(p.excluded.length);
        expect(c.excluded.duplicate).toBe(p.duplicates.length);
        expect(Object.values(c.perSender).reduce((a, b) => a + b, 0)).toBe(c.planned);
        for (const t of p.tasks) {
          expect(t.count).toBeGreaterThan(0);
          expect(t.chunks.every((ch) => ch.length >= 1 && ch.length <= i.chunkSize)).toBe(true);
          expect(c.perSender[t.sender]).toBe(t.count);
        }
        // each planned customer is routed to one of its active relations; duplicates are other members
        for (const t of p.tasks) for (const id of t.chunks.flat()) expect((i.candidates as Candidate[]).some((r) => r.externalUserId === id && r.userId === t.sender && r.active)).toBe(true);
        if (p.quietUntil) expect(planned).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("no customer is planned past the rule: after adding this run, every window's count stays within its limit", () => {
    fc.assert(
      fc.property(input, (i) => {
        const { p, deadline } = run(i);
        const { windows } = runContext(i.rules, i.at, deadline, i.timeZone);
        for (const id of plannedIds(p)) {
          const after = [...(i.ledger.get(id) ?? []), plannedLedgerEntry(i.at, deadline)];
          for (const w of windows) expect(countIn(after, w)).toBeLessThanOrEqual(w.limit);
        }
        for (const e of p.excluded.filter((x) => x.reason === "quota")) {
          const after = [...(i.ledger.get(e.externalUserId) ?? []), plannedLedgerEntry(i.at, deadline)];
          expect(windows.some((w) => countIn(after, w) > w.limit)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic: the same input, or the same candidates in another order, gives the same plan", () => {
    fc.assert(
      fc.property(input, fc.integer(), (i, seed) => {
        const key = (k: number) => (Math.imul(k + 1, 2654435761) ^ seed) >>> 0;
        const shuffled = i.candidates.map((c, k) => ({ c, k: key(k) })).sort((a, b) => a.k - b.k).map((x) => x.c);
        expect(run(i).p).toEqual(run(i).p);
        expect(run({ ...i, candidates: shuffled }).p).toEqual(run(i).p);
      }),
      { numRuns: 150 },
    );
  });
});
