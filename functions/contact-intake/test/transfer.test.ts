import { AppError, parseEnvelope } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInput } from "../src/domain/errors.ts";
import {
  interpretTransferResult,
  interpretTransferStart,
  parseTransferRequest,
  planTransfer,
  TRANSFER_ENDPOINTS,
  transferAutoCompleteAt,
  transferAvailability,
  transferCompletedEvent,
} from "../src/domain/transfer.ts";
import { problemOf } from "../src/http/problems.ts";

const SH = "Asia/Shanghai";
const NOW = new Date("2024-06-01T04:00:00Z"); // 2024-06-01 12:00 Shanghai
const ids = (n: number) => Array.from({ length: n }, (_, i) => `wm${i}`);

describe("transfer request validation", () => {
  const pathsOf = (input: unknown) => {
    try {
      parseTransferRequest(input);
      return [];
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(InvalidInput);
      const e = problemOf(thrown);
      expect(e).toBeInstanceOf(AppError);
      return (e as AppError).errors?.map((i) => i.path);
    }
  };

  it("defaults to an on-job transfer", () => {
    expect(parseTransferRequest({ fromUserId: "a", toUserId: "b" })).toEqual({ fromUserId: "a", toUserId: "b", resigned: false });
  });

  it("rejects same members, long messages, a message on a resigned transfer and an empty customer list", () => {
    expect(pathsOf({ fromUserId: "a", toUserId: "a" })).toEqual(["toUserId"]);
    expect(pathsOf({ fromUserId: "a", toUserId: "b", successMessage: "好".repeat(201) })).toEqual(["successMessage"]);
    expect(pathsOf({ fromUserId: "a", toUserId: "b", successMessage: "好".repeat(200) })).toEqual([]);
    expect(pathsOf({ fromUserId: "a", toUserId: "b", resigned: true, successMessage: "hi" })).toEqual(["successMessage"]);
    expect(pathsOf({ fromUserId: "a", toUserId: "b", externalUserIds: [] })).toEqual(["externalUserIds"]);
  });
});

describe("planTransfer batching", () => {
  const req = parseTransferRequest({ fromUserId: "leaver", toUserId: "taker", successMessage: "您好,我是新顾问" });

  it("splits into calls of at most 100 customers", () => {
    for (const [n, sizes] of [
      [1, [1]],
      [100, [100]],
      [101, [100, 1]],
      [250, [100, 100, 50]],
    ] as const) {
      const plan = planTransfer(req, { now: NOW, timeZone: SH, history: {}, customersOfHandover: ids(n) });
      expect(plan.batches.map((b) => b.external_userid.length)).toEqual(sizes);
      expect(plan.included).toEqual(ids(n));
    }
  });

  it("builds WeCom bodies for the on-job endpoint", () => {
    const plan = planTransfer({ ...req, externalUserIds: ["x1", "x2"] }, { now: NOW, timeZone: SH, history: {} });
    expect(plan.endpoint).toBe(TRANSFER_ENDPOINTS.onJob);
    expect(plan.batches).toEqual([
      { handover_userid: "leaver", takeover_userid: "taker", external_userid: ["x1", "x2"], transfer_success_msg: "您好,我是新顾问" },
    ]);
  });

  it("uses the resigned endpoint without a message", () => {
    const plan = planTransfer(parseTransferRequest({ fromUserId: "l", toUserId: "t", resigned: true, externalUserIds: ["x"] }), {
      now: NOW,
      timeZone: SH,
      history: {},
    });
    expect(plan.endpoint).toBe(TRANSFER_ENDPOINTS.resigned);
    expect(plan.batches).toEqual([{ handover_userid: "l", takeover_userid: "t", external_userid: ["x"] }]);
  });

  it("excludes duplicates, non-followers and transfers in progress", () => {
    const plan = planTransfer(
      { ...req, externalUserIds: ["x1", "x2", "x1", "stranger", "x3"] },
      { now: NOW, timeZone: SH, history: {}, customersOfHandover: ["x1", "x2", "x3"], inProgress: new Set(["x2"]) },
    );
    expect(plan.included).toEqual(["x1", "x3"]);
    expect(plan.excluded).toEqual([
      { externalUserId: "x2", reason: "in-progress" },
      { externalUserId: "x1", reason: "duplicate" },
      { externalUserId: "stranger", reason: "not-a-follower" },
    ]);
  });

  it("needs the handover's customers when the request names none", () => {
    expect(() => planTransfer(req, { now: NOW, timeZone: SH, history: {} })).toThrow(TypeError);
  });

  it("plans nothing when every customer is excluded", () => {
    const plan = planTransfer({ ...req, externalUserIds: ["x"] }, { now: NOW, timeZone: SH, history: {}, inProgress: new Set(["x"]) });
    expect(plan.batches).toEqual([]);
  });

  it("property: batches partition the included customers in order, each ≤ 100", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 450 }), (n) => {
        const plan = planTransfer(req, { now: NOW, timeZone: SH, history: {}, customersOfHandover: ids(n) });
        expect(plan.batches.flatMap((b) => b.external_userid)).toEqual(ids(n));
        for (const b of plan.batches) expect(b.external_userid.length).toBeGreaterThan(0);
        for (const b of plan.batches) expect(b.external_userid.length).toBeLessThanOrEqual(100);
        expect(plan.batches).toHaveLength(Math.ceil(n / 100));
      }),
    );
  });
});

describe("≤ 2 transfers per customer per 90 days", () => {
  const req = parseTransferRequest({ fromUserId: "a", toUserId: "b", externalUserIds: ["x"] });
  // corp days in Shanghai; NOW is on 2024-06-01
  const onDay = (day: string) => `${day}T04:00:00Z`;

  it("allows a customer with one recent transfer", () => {
    expect(planTransfer(req, { now: NOW, timeZone: SH, history: { x: [onDay("2024-05-01")] } }).included).toEqual(["x"]);
  });

  it("excludes a customer with two transfers in the window, saying when it becomes possible", () => {
    const plan = planTransfer(req, { now: NOW, timeZone: SH, history: { x: [onDay("2024-04-01"), onDay("2024-05-20")] } });
    expect(plan.included).toEqual([]);
    expect(plan.excluded).toEqual([
      // 2024-04-01 leaves the window after 2024-06-30 (day + 90): free from 2024-07-01 00:00 Shanghai
      { externalUserId: "x", reason: "too-frequent", recentTransfers: 2, eligibleAt: new Date("2024-06-30T16:00:00Z") },
    ]);
  });

  it("counts the window in corp days, conservatively: day D blocks through D+90", () => {
    // 2024-03-03 + 90 days = 2024-06-01 (today): still counted
    expect(transferAvailability([onDay("2024-03-03"), onDay("2024-05-01")], NOW, SH).recent).toBe(2);
    // 2024-03-02 + 90 = 2024-05-31: out of the window today
    expect(transferAvailability([onDay("2024-03-02"), onDay("2024-05-01")], NOW, SH)).toEqual({ recent: 1 });
  });

  it("uses the corp timezone for the days", () => {
    // 2024-03-02T16:30Z is 2024-03-03 00:30 in Shanghai but 2024-03-02 in UTC
    const history = ["2024-03-02T16:30:00Z", onDay("2024-05-01")];
    expect(transferAvailability(history, NOW, SH).recent).toBe(2);
    expect(transferAvailability(history, NOW, "UTC").recent).toBe(1);
  });

  it("with three in the window, waits for the second oldest to leave", () => {
    const a = transferAvailability([onDay("2024-05-10"), onDay("2024-04-01"), onDay("2024-03-15")], NOW, SH);
    expect(a.recent).toBe(3);
    expect(a.eligibleAt?.toISOString()).toBe("2024-06-30T16:00:00.000Z"); // 2024-04-01 + 91 days, Shanghai midnight
  });

  it("does not apply the rule to resigned transfers unless asked", () => {
    const resigned = parseTransferRequest({ fromUserId: "a", toUserId: "b", resigned: true, externalUserIds: ["x"] });
    const history = { x: [onDay("2024-05-01"), onDay("2024-05-20")] };
    expect(planTransfer(resigned, { now: NOW, timeZone: SH, history }).included).toEqual(["x"]);
    expect(planTransfer(resigned, { now: NOW, timeZone: SH, history, policy: { applyToResigned: true } }).included).toEqual([]);
  });

  it("accepts a stricter policy (e.g. one per 90 days, as errcode 40128's text says)", () => {
    const plan = planTransfer(req, { now: NOW, timeZone: SH, history: { x: [onDay("2024-05-01")] }, policy: { maxPerWindow: 1 } });
    expect(plan.excluded[0]).toMatchObject({ reason: "too-frequent", eligibleAt: new Date("2024-07-30T16:00:00Z") });
  });

  it("property: eligibleAt is in the future and the customer is transferable from then on", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 5 }),
        (daysAgo) => {
          const history = daysAgo.map((d) => new Date(NOW.getTime() - d * 86_400_000));
          const a = transferAvailability(history, NOW, SH);
          if (a.eligibleAt === undefined) {
            expect(a.recent).toBeLessThan(2);
            return;
          }
          expect(a.eligibleAt.getTime()).toBeGreaterThan(NOW.getTime());
          expect(transferAvailability(history, a.eligibleAt, SH).eligibleAt).toBeUndefined();
          expect(transferAvailability(history, new Date(a.eligibleAt.getTime() - 1), SH).eligibleAt).toBeDefined();
        },
      ),
    );
  });
});

describe("interpreting WeCom answers", () => {
  it("maps per-customer start errcodes", () => {
    expect(
      interpretTransferStart([
        { external_userid: "a", errcode: 0 },
        { external_userid: "b", errcode: 40128 },
        { external_userid: "c", errcode: 40129 },
        { external_userid: "d", errcode: 40099 },
        { external_userid: "e", errcode: 40131 },
        { external_userid: "f", errcode: 12345 },
      ]),
    ).toEqual({
      started: ["a"],
      failed: [
        { externalUserId: "b", errcode: 40128, reason: "too-frequent" },
        { externalUserId: "c", errcode: 40129, reason: "in-progress" },
        { externalUserId: "d", errcode: 40099, reason: "taker-at-cap" },
        { externalUserId: "e", errcode: 40131, reason: "not-a-follower" },
        { externalUserId: "f", errcode: 12345, reason: "error" },
      ],
    });
  });

  it("interprets transfer_result statuses into final / not final", () => {
    const r = (status: number, takeover_time?: number) => interpretTransferResult({ external_userid: "x", status, takeover_time });
    expect(r(1, 1717214400)).toEqual({
      externalUserId: "x",
      state: "done",
      final: true,
      succeeded: true,
      takeoverAt: new Date("2024-06-01T04:00:00Z"),
    });
    expect(r(2, 1717300800)).toMatchObject({ state: "waiting", final: false, succeeded: false, takeoverAt: new Date("2024-06-02T04:00:00Z") });
    expect(r(3)).toEqual({ externalUserId: "x", state: "refused", final: true, succeeded: false });
    expect(r(4)).toMatchObject({ state: "taker-at-cap", final: true, succeeded: false });
    expect(r(5)).toMatchObject({ state: "no-record", final: true, succeeded: false });
    expect(r(9)).toMatchObject({ state: "unknown", final: false, succeeded: false });
    expect(r(3, 0).takeoverAt).toBeUndefined();
  });

  it("expects automatic completion 24 h after the start", () => {
    expect(transferAutoCompleteAt(NOW).toISOString()).toBe("2024-06-02T04:00:00.000Z");
  });

  it("builds contact.transferred with an id stable across polls", () => {
    const t = { corpId: "ww", fromUserId: "a", toUserId: "b", externalUserId: "x", channelId: "ch", takeoverAt: NOW };
    const e1 = transferCompletedEvent(t);
    const e2 = transferCompletedEvent({ ...t });
    expect(e1.id).toBe(e2.id);
    expect(transferCompletedEvent({ ...t, takeoverAt: new Date(NOW.getTime() + 1000) }).id).not.toBe(e1.id);
    expect(e1).toMatchObject({ type: "contact.transferred", occurredAt: "2024-06-01T04:00:00.000Z", data: { transferredAt: "2024-06-01T04:00:00.000Z" } });
    expect(parseEnvelope(JSON.parse(JSON.stringify(e1)))).toEqual(e1);
  });
});
