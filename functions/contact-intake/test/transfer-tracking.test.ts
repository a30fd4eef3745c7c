import { describe, expect, it } from "vitest";
import {
  type CustomerTransferRecord,
  findPendingTransfer,
  historyForRule,
  interpretTransferStart,
  latestResults,
  parseTransferRequest,
  planTransfer,
  resolveOpenRow,
  statusesAfterStart,
  statusOfTransferFailure,
  summarizeTransfer,
  transferRequestSchema,
} from "../src/domain/transfer.ts";

const NOW = new Date("2024-06-01T04:00:00Z");
const sec = (d: Date | string) => Math.floor(new Date(d).getTime() / 1000);

describe("transfer request: `message` alias", () => {
  it("maps message to successMessage and checks it the same way", () => {
    expect(parseTransferRequest({ fromUserId: "a", toUserId: "b", message: "您好" })).toEqual({ fromUserId: "a", toUserId: "b", resigned: false, successMessage: "您好" });
    const paths = (body: unknown) => {
      const r = transferRequestSchema.safeParse(body);
      return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
    };
    expect(paths({ fromUserId: "a", toUserId: "b", message: "好".repeat(201) })).toEqual(["message"]);
    expect(paths({ fromUserId: "a", toUserId: "b", message: "x", successMessage: "y" })).toEqual(["message"]);
    expect(paths({ fromUserId: "a", toUserId: "b", resigned: true, message: "x" })).toEqual(["message"]);
    expect(paths({ fromUserId: "a#1", toUserId: "b", externalUserIds: ["wm#"] })).toEqual(["fromUserId", "externalUserIds.0"]);
  });
});

describe("tracking a transfer", () => {
  it("summarises counts and is final when nothing is pending or waiting", () => {
    expect(summarizeTransfer(["done", "waiting", "excluded"])).toMatchObject({ total: 3, final: false, counts: { done: 1, waiting: 1, excluded: 1, pending: 0 } });
    expect(summarizeTransfer(["done", "refused", "failed", "taker-at-cap", "excluded"]).final).toBe(true);
  });

  it("turns a start answer into waiting / failed rows", () => {
    expect(statusesAfterStart(interpretTransferStart([{ external_userid: "a", errcode: 0 }, { external_userid: "b", errcode: 40128 }]))).toEqual([
      { externalUserId: "a", status: "waiting" },
      { externalUserId: "b", status: "failed", errcode: 40128, reason: "too-frequent" },
    ]);
  });

  it("keeps the latest result per customer and ignores results older than this transfer", () => {
    const started = new Date("2024-06-01T00:00:00Z");
    const latest = latestResults(
      [
        { external_userid: "x", status: 3, takeover_time: sec("2024-05-01T00:00:00Z") }, // an older refused transfer
        { external_userid: "y", status: 3, takeover_time: sec("2024-05-01T00:00:00Z") },
        { external_userid: "y", status: 2, takeover_time: sec("2024-06-02T00:00:00Z") },
        { external_userid: "z", status: 1 },
      ],
      started,
    );
    expect(latest.has("x")).toBe(false);
    expect(latest.get("y")?.status).toBe(2);
    expect(latest.get("z")?.status).toBe(1);
  });

  it("resolves open rows from transfer_result", () => {
    const waiting = { externalUserId: "x", status: "waiting" as const, startedAt: NOW.toISOString() };
    const pending = { externalUserId: "x", status: "pending" as const, startedAt: NOW.toISOString() };
    const entry = (status: number, at?: string) => ({ external_userid: "x", status, ...(at ? { takeover_time: sec(at) } : {}) });
    expect(resolveOpenRow(waiting, entry(2, "2024-06-02T04:00:00Z"), NOW)).toBeUndefined();
    expect(resolveOpenRow(pending, entry(2, "2024-06-02T04:00:00Z"), NOW)).toEqual({ status: "waiting", takeoverAt: new Date("2024-06-02T04:00:00Z") });
    expect(resolveOpenRow(waiting, entry(1, "2024-06-02T04:00:00Z"), NOW)).toEqual({ status: "done", takeoverAt: new Date("2024-06-02T04:00:00Z") });
    expect(resolveOpenRow(waiting, entry(3), NOW)).toEqual({ status: "refused" });
    expect(resolveOpenRow(waiting, entry(4), NOW)).toEqual({ status: "taker-at-cap" });
    expect(resolveOpenRow(waiting, entry(5), NOW)).toEqual({ status: "failed", reason: "no-record" });
    expect(resolveOpenRow(waiting, entry(42), NOW)).toBeUndefined();
  });

  it("gives up on rows WeCom never answers for, only after generous waits", () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    const pending = { externalUserId: "x", status: "pending" as const, startedAt: NOW.toISOString() };
    expect(resolveOpenRow(pending, undefined, at(59 * 60_000))).toBeUndefined();
    expect(resolveOpenRow(pending, undefined, at(61 * 60_000))).toEqual({ status: "failed", reason: "unknown-outcome" });
    const waiting = { ...pending, status: "waiting" as const };
    expect(resolveOpenRow(waiting, undefined, at(71 * 3_600_000))).toBeUndefined();
    expect(resolveOpenRow(waiting, undefined, at(73 * 3_600_000))).toEqual({ status: "failed", reason: "no-record" });
    expect(resolveOpenRow({ externalUserId: "x", status: "pending" }, undefined, at(10 * 3_600_000))).toBeUndefined();
  });

  it("maps transfer_fail reasons", () => {
    expect(statusOfTransferFailure("customer_refused")).toBe("refused");
    expect(statusOfTransferFailure("customer_limit_exceed")).toBe("taker-at-cap");
    expect(statusOfTransferFailure("something_new")).toBe("failed");
  });
});

describe("a customer's transfer history", () => {
  const rec = (over: Partial<CustomerTransferRecord> & { externalUserId: string }): CustomerTransferRecord & { externalUserId: string } => ({
    transferId: "t",
    fromUserId: "a",
    toUserId: "b",
    resigned: false,
    channelId: "ch",
    status: "done",
    plannedAt: "2024-05-01T00:00:00.000Z",
    ...over,
  });

  it("feeds the 90-day rule with every started transfer (refused ones too) and marks open ones in progress", () => {
    const { history, inProgress } = historyForRule([
      rec({ externalUserId: "x", status: "done", startedAt: "2024-05-01T01:00:00.000Z" }),
      rec({ externalUserId: "x", status: "refused", startedAt: "2024-05-10T01:00:00.000Z" }),
      rec({ externalUserId: "y", status: "failed", startedAt: "2024-05-10T01:00:00.000Z" }),
      rec({ externalUserId: "y", status: "excluded" }),
      rec({ externalUserId: "z", status: "pending" }),
      rec({ externalUserId: "w", status: "waiting", startedAt: "2024-05-30T01:00:00.000Z" }),
    ]);
    expect(history).toEqual({ x: ["2024-05-01T01:00:00.000Z", "2024-05-10T01:00:00.000Z"], w: ["2024-05-30T01:00:00.000Z"] });
    expect([...inProgress].sort()).toEqual(["w", "z"]);
    const plan = planTransfer(parseTransferRequest({ fromUserId: "a", toUserId: "b", externalUserIds: ["x", "y", "z", "w"] }), { now: NOW, timeZone: "Asia/Shanghai", history, inProgress });
    expect(plan.included).toEqual(["y"]);
    expect(plan.excluded.map((e) => [e.externalUserId, e.reason])).toEqual([
      ["x", "too-frequent"],
      ["z", "in-progress"],
      ["w", "in-progress"],
    ]);
  });

  it("finds the open transfer of a customer to the member whose add event arrives", () => {
    const records = [
      rec({ externalUserId: "x", transferId: "old", toUserId: "b", status: "refused" }),
      rec({ externalUserId: "x", transferId: "open", toUserId: "b", status: "waiting", plannedAt: "2024-05-20T00:00:00.000Z" }),
      rec({ externalUserId: "x", transferId: "other", toUserId: "c", status: "waiting" }),
    ];
    expect(findPendingTransfer(records, "b")?.transferId).toBe("open");
    expect(findPendingTransfer(records, "d")).toBeUndefined();
    expect(findPendingTransfer(records.slice(0, 1), "b")).toBeUndefined();
  });
});
