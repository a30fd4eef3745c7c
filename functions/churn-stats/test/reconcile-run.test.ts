import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  GROUP_STATISTIC_OWNERS_PER_CALL,
  groupStatisticChunks,
  notAskedReason,
  reconcileStaff,
  reconciliation,
  reconciliationMembers,
} from "../src/domain/index.ts";

describe("a reconciliation run's rules", () => {
  it("reconciles everyone either side knows, once each, sorted", () => {
    expect(reconciliationMembers(["u2", "u1"], ["u3", "u1"], ["u4", "u2"])).toEqual(["u1", "u2", "u3", "u4"]);
  });

  it("asks groupchat/statistic for every owner, in chunks of at most 100 (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 350 }), (owners) => {
        const chunks = groupStatisticChunks(owners);
        expect(chunks.flat()).toEqual(owners);
        for (const c of chunks) expect(c.length).toBeGreaterThan(0);
        for (const c of chunks) expect(c.length).toBeLessThanOrEqual(GROUP_STATISTIC_OWNERS_PER_CALL);
        expect(chunks.length).toBe(Math.ceil(owners.length / GROUP_STATISTIC_OWNERS_PER_CALL));
      }),
    );
  });

  it("says why a member was not asked", () => {
    expect(notAskedReason({ behavior: false, reason: "the day has not begun" }, undefined)).toBe("the day has not begun");
    expect(notAskedReason({ behavior: false }, undefined)).toBe("WeCom statistics are not available for this day");
    expect(notAskedReason({ behavior: true }, "WeCom answered 45009")).toBe("not asked: the run stopped early");
    expect(notAskedReason({ behavior: true }, undefined)).toBeUndefined();
  });

  it("counts mismatches and errors, and says whether group statistics were fetched", () => {
    const staff = [
      reconcileStaff("u1", { added: 1, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0 }, { newContactCnt: 2, negativeFeedbackCnt: 0 }),
      reconcileStaff("u2", undefined, null, { errcode: 60111, message: "userid not found" }),
      reconcileStaff("u3", undefined, { newContactCnt: 0, negativeFeedbackCnt: 0 }),
    ];
    const base = { day: "2024-03-01", ranAt: new Date("2024-03-02T06:30:00Z"), timeZone: "Asia/Shanghai", partial: false, staff, groupChatStats: [], wecomCalls: 4 };
    expect(reconciliation({ ...base, groupReason: undefined, stoppedEarly: undefined })).toEqual({
      date: "2024-03-01",
      ranAt: "2024-03-02T06:30:00.000Z",
      timeZone: "Asia/Shanghai",
      partial: false,
      staffCount: 3,
      mismatches: 1,
      errors: 1,
      groupChats: { fetched: true, owners: 0 },
      wecomCalls: 4,
      staff,
      groupChatStats: [],
    });
    expect(reconciliation({ ...base, groupReason: "no", stoppedEarly: "45009" })).toMatchObject({ groupChats: { fetched: false, reason: "no", owners: 0 }, stoppedEarly: "45009" });
  });
});
