import { describe, expect, it } from "vitest";
import { reconcileStaff, reconciliationDay, statisticsWindow } from "../src/domain/index.ts";

describe("reconcileStaff", () => {
  const siyu = { added: 3, lost: 1, removed: 1, transferredIn: 0, transferredOut: 0 };

  it("matches when WeCom's new contacts and negative feedback equal Siyu's added and lost", () => {
    const r = reconcileStaff("u1", siyu, { newContactCnt: 3, negativeFeedbackCnt: 1 });
    expect(r).toMatchObject({ mismatch: false, differences: [] });
  });

  it("lists each difference", () => {
    const r = reconcileStaff("u1", siyu, { newContactCnt: 4, negativeFeedbackCnt: 0 });
    expect(r.mismatch).toBe(true);
    expect(r.differences).toEqual([
      { field: "added", siyu: 3, wecom: 4 },
      { field: "lost", siyu: 1, wecom: 0 },
    ]);
  });

  it("hints when the difference is the member's transfers in", () => {
    const r = reconcileStaff("u1", { ...siyu, transferredIn: 2 }, { newContactCnt: 5, negativeFeedbackCnt: 1 });
    expect(r).toMatchObject({ mismatch: true, hint: "transfers" });
  });

  it("treats a member Siyu never counted as zeros, and keeps an error without a comparison", () => {
    expect(reconcileStaff("u9", undefined, { newContactCnt: 1, negativeFeedbackCnt: 0 }).differences).toEqual([{ field: "added", siyu: 0, wecom: 1 }]);
    expect(reconcileStaff("u9", undefined, null, { errcode: 60111, message: "no such user" })).toMatchObject({ mismatch: false, wecom: null, error: { errcode: 60111 } });
  });
});

describe("statisticsWindow (§10)", () => {
  const now = new Date("2024-03-10T04:00:00Z"); // 2024-03-10 in Shanghai
  it("asks for behaviour data up to today (partial) and group statistics only for days that are over", () => {
    expect(statisticsWindow("2024-03-09", now, "Asia/Shanghai")).toEqual({ behavior: true, groupChats: true, partial: false });
    expect(statisticsWindow("2024-03-10", now, "Asia/Shanghai")).toMatchObject({ behavior: true, groupChats: false, partial: true });
    expect(statisticsWindow("2024-03-11", now, "Asia/Shanghai")).toMatchObject({ behavior: false, groupChats: false });
    expect(statisticsWindow("2023-09-01", now, "Asia/Shanghai")).toMatchObject({ behavior: false, groupChats: false });
  });

  it("reconciles the corp day before the scheduled run", () => {
    expect(reconciliationDay(new Date("2024-03-09T22:30:00Z"), "Asia/Shanghai")).toBe("2024-03-09");
  });
});
