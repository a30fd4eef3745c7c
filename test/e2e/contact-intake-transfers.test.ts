
import { describe, expect, it } from "vitest";
import { apiClient, readTap, simClient, tapTopic } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * Customer transfer (在职/离职继承) end to end against the WeCom simulator: plan with the 90-day rule
 * checked before calling, batches through the transfers queue, refusals, the 24 h completion, the
 * result poller, follow relations moved with their channel, contact.transferred exactly once, and no
 * churn event for the transfer's own deletions.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const DAY = 86_400_000;

const wecomCalls = async (name: string) => (await sim<{ requests: { api: string }[] }>(`requests?api=${encodeURIComponent(name)}`)).requests.length;
const transfer = async (id: string, query = "") => {
  const res = await api("GET", `/v1/transfers/${id}${query}`);
  expect(res.status, res.text).toBe(200);
  return res.json!;
};
const customer = async (id: string) => (await api("GET", `/v1/customers/${id}`)).json!;
const relationOf = (c: Record<string, any>, userId: string) => (c.relations as { userId: string; status: string; channelId: string }[]).find((r) => r.userId === userId);
/** Let WeCom's 24 h pass: due transfers complete and their callbacks are sent. */
const afterOneDay = async () => {
  await sim("clock", { advanceMs: DAY + 60_000 });
  await platform.drain();
};

for (const [userId, name] of [["zhangsan", "张三"], ["lisi", "李四"], ["wangwu", "王五"]]) await sim("staff", { userId, name });
const channel = (await api("POST", "/v1/channels", { name: "直播间", staff: ["zhangsan"] })).json!;
const c: string[] = [];
for (let i = 1; i <= 4; i++) c.push((await sim<{ externalUserId: string }>("scan-contact-way", { configId: channel.configId, name: `顾客${i}` })).externalUserId);
await platform.drain();
const [c1, c2, c3, c4] = c as [string, string, string, string];
const churn = await tapTopic(platform, ["contact.lost", "contact.removed"]);
const addedTap = await tapTopic(platform, ["contact.added"]);
const transferredTap = await tapTopic(platform, ["contact.transferred"]);

describe("POST /v1/transfers validation", () => {
  it("answers field errors and sends nothing", async () => {
    const res = await api("POST", "/v1/transfers", { fromUserId: "zhangsan", toUserId: "zhangsan", message: "好".repeat(201), externalUserIds: [] });
    expect(res.status).toBe(400);
    expect((res.json!.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(["body.externalUserIds", "body.message", "body.toUserId"]);
    const resigned = await api("POST", "/v1/transfers", { fromUserId: "zhangsan", toUserId: "lisi", resigned: true, message: "hi" });
    expect(resigned.json!.errors).toEqual([{ path: "body.message", message: expect.stringContaining("resigned") }]);
    const badKey = await api("POST", "/v1/transfers", { fromUserId: "zhangsan", toUserId: "lisi" }, { headers: { "idempotency-key": "with space" } });
    expect(badKey.status).toBe(400);
    const none = await api("POST", "/v1/transfers", { fromUserId: "lisi", toUserId: "zhangsan", externalUserIds: [c1] });
    expect(none.status).toBe(422);
    expect(none.json).toMatchObject({ type: "https://siyu.dev/problems/transfer-nothing-to-send", excluded: [{ externalUserId: c1, reason: "not-a-follower" }] });
    expect(await wecomCalls("externalcontact/transfer_customer")).toBe(0);
    expect((await api("GET", "/v1/transfers")).json!.items).toEqual([]);
  });
});

describe("an on-job transfer end to end", () => {
  let transferId: string;
  const body = { fromUserId: "zhangsan", toUserId: "lisi", externalUserIds: [c1, c2, c3], message: "您好，我是您的新顾问李四" };

  it("plans, stores and sends one batch; the same Idempotency-Key answers the same transfer without a second call", async () => {
    const res = await api("POST", "/v1/transfers", body, { headers: { "idempotency-key": "handover-2024-06" } });
    expect(res.status, res.text).toBe(202);
    transferId = res.json!.transferId;
    expect(res.headers.get("location")).toBe(`/v1/transfers/${transferId}`);
    expect(res.json).toMatchObject({ state: "open", fromUserId: "zhangsan", toUserId: "lisi", resigned: false, batches: 1, total: 3, counts: { pending: 3 }, excluded: [] });
    await platform.drain();
    expect(await wecomCalls("externalcontact/transfer_customer")).toBe(1);
    const replay = await api("POST", "/v1/transfers", body, { headers: { "idempotency-key": "handover-2024-06" } });
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json!.transferId).toBe(transferId);
    await platform.drain();
    expect(await wecomCalls("externalcontact/transfer_customer")).toBe(1);
    const reused = await api("POST", "/v1/transfers", { ...body, externalUserIds: [c1] }, { headers: { "idempotency-key": "handover-2024-06" } });
    expect(reused.status).toBe(422);
    expect(reused.json!.type).toBe("https://siyu.dev/problems/idempotency-key-reused");
    const t = await transfer(transferId);
    expect(t.counts).toMatchObject({ waiting: 3, pending: 0 });
    expect(t.customers.map((r: { externalUserId: string }) => r.externalUserId).sort()).toEqual([c1, c2, c3].sort());
    // a customer already in a transfer is not sent twice
    const again = await api("POST", "/v1/transfers", { fromUserId: "zhangsan", toUserId: "wangwu", externalUserIds: [c1] });
    expect(again.status).toBe(422);
    expect(again.json!.excluded).toEqual([{ externalUserId: c1, reason: "in-progress" }]);
  });

  it("records a refusal from the transfer_fail callback", async () => {
    await sim("customer-refuses-transfer", { externalUserId: c2 });
    await platform.drain();
    const t = await transfer(transferId);
    expect(t.counts).toMatchObject({ waiting: 2, refused: 1 });
    expect((await transfer(transferId, "?status=refused")).customers).toEqual([expect.objectContaining({ externalUserId: c2, status: "refused" })]);
  });

  it("completes after 24 h: the taker's add is no channel add, the giver's delete is no churn, contact.transferred once per customer", async () => {
    await afterOneDay();
    for (const id of [c1, c3]) {
      const d = await customer(id);
      expect(relationOf(d, "zhangsan")).toMatchObject({ status: "transferred", channelId: channel.channelId });
      expect(relationOf(d, "lisi")).toMatchObject({ status: "active", channelId: channel.channelId });
      expect(d.timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(["transferred-in", "transferred-out", "added"]));
    }
    expect(relationOf(await customer(c2), "zhangsan")).toMatchObject({ status: "active" });

    const polled = (await platform.runSchedule("contact-intake", "transfer-results")) as Record<string, any>;
    expect(polled).toMatchObject({ published: 2, finalized: 1 });
    const t = await transfer(transferId);
    expect(t).toMatchObject({ state: "final", counts: { done: 2, refused: 1, waiting: 0 } });
    // polling again changes nothing and publishes nothing
    expect(await platform.runSchedule("contact-intake", "transfer-results")).toMatchObject({ published: 0, transfers: 0 });

    const transferred = await readTap(platform, transferredTap);
    expect(transferred.map((e) => e.data.externalUserId).sort()).toEqual([c1, c3].sort());
    for (const e of transferred) expect(e.data).toMatchObject({ fromUserId: "zhangsan", toUserId: "lisi", channelId: channel.channelId });
    expect(await readTap(platform, churn)).toEqual([]);
    expect((await readTap(platform, addedTap)).filter((e) => e.data.userId === "lisi")).toEqual([]);
    const lisi = (await api("GET", "/v1/customers?userId=lisi&status=active")).json!;
    expect(lisi.items.map((r: { externalUserId: string }) => r.externalUserId).sort()).toEqual([c1, c3].sort());
  });

  it("pages a transfer's customers and rejects foreign cursors and unknown ids", async () => {
    const p1 = await transfer(transferId, "?limit=2");
    expect(p1.customers).toHaveLength(2);
    const p2 = await transfer(transferId, `?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`);
    expect(p2.customers).toHaveLength(1);
    expect(p2.nextCursor).toBeNull();
    expect((await api("GET", `/v1/transfers/NOPE00000000000000000000`)).status).toBe(404);
    const list = (await api("GET", "/v1/transfers?limit=1")).json!;
    expect(list.items[0]).toMatchObject({ transferId });
    expect((await api("GET", `/v1/transfers/${transferId}?cursor=${encodeURIComponent(Buffer.from(JSON.stringify({ v: 1, k: { pk: "TRANSFER#other", sk: "C#x" } })).toString("base64url"))}`)).status).toBe(400);
  });
});

describe("≤ 2 transfers per customer per 90 days", () => {
  it("excludes a customer transferred twice, says when it becomes eligible, and still sends the others", async () => {
    // c1 goes back to zhangsan: its second transfer
    const back = await api("POST", "/v1/transfers", { fromUserId: "lisi", toUserId: "zhangsan", externalUserIds: [c1] });
    expect(back.status, back.text).toBe(202);
    await platform.drain();
    await afterOneDay();
    await platform.runSchedule("contact-intake", "transfer-results");
    expect((await transfer(back.json!.transferId)).counts).toMatchObject({ done: 1 });
    expect(relationOf(await customer(c1), "zhangsan")).toMatchObject({ status: "active", channelId: channel.channelId });

    const calls = await wecomCalls("externalcontact/transfer_customer");
    const third = await api("POST", "/v1/transfers", { fromUserId: "zhangsan", toUserId: "lisi", externalUserIds: [c1, c4] });
    expect(third.status, third.text).toBe(202);
    expect(third.json!.counts).toMatchObject({ pending: 1, excluded: 1 });
    const [ex] = third.json!.excluded;
    expect(ex).toMatchObject({ externalUserId: c1, reason: "too-frequent", recentTransfers: 2 });
    const eligibleIn = Date.parse(ex.eligibleAt) - Date.now();
    expect(eligibleIn).toBeGreaterThan(89 * DAY);
    expect(eligibleIn).toBeLessThan(92 * DAY);
    await platform.drain();
    expect(await wecomCalls("externalcontact/transfer_customer")).toBe(calls + 1);
    const t = await transfer(third.json!.transferId);
    expect(t.counts).toMatchObject({ waiting: 1, excluded: 1 });
    expect((await transfer(third.json!.transferId, "?status=excluded")).customers[0]).toMatchObject({ externalUserId: c1, reason: "too-frequent", eligibleAt: ex.eligibleAt });
    // WeCom never saw the over-frequent request
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});

describe("a resigned member's transfer (离职继承)", () => {
  it("moves all of the member's customers; the poller ends the giver's relation (WeCom sends them nothing)", async () => {
    const { externalUserId: c5 } = await sim<{ externalUserId: string }>("customers", { name: "王五的顾客" });
    await sim("staff-adds-customer", { userId: "wangwu", externalUserId: c5 });
    await platform.drain();
    await sim("staff-resigns", { userId: "wangwu" });
    const res = await api("POST", "/v1/transfers", { fromUserId: "wangwu", toUserId: "lisi", resigned: true });
    expect(res.status, res.text).toBe(202);
    expect(res.json).toMatchObject({ resigned: true, total: 1, counts: { pending: 1 } });
    await platform.drain();
    expect(await wecomCalls("externalcontact/resigned/transfer_customer")).toBe(1);
    await afterOneDay();
    const polled = (await platform.runSchedule("contact-intake", "transfer-results")) as Record<string, any>;
    expect(polled.published).toBeGreaterThanOrEqual(1);
    expect((await transfer(res.json!.transferId)).counts).toMatchObject({ done: 1 });
    const d = await customer(c5);
    expect(relationOf(d, "wangwu")).toMatchObject({ status: "transferred", channelId: "unknown" });
    expect(relationOf(d, "lisi")).toMatchObject({ status: "active", channelId: "unknown" });
    expect((await readTap(platform, transferredTap)).map((e) => e.data.externalUserId)).toContain(c5);
  });
});

describe("WeCom redelivers every callback", () => {
  it("changes nothing: no WeCom call, no event, same transfers and customers", async () => {
    const list = (await api("GET", "/v1/transfers?limit=100")).json!;
    const before = await Promise.all(list.items.map((t: { transferId: string }) => transfer(t.transferId)));
    const customersBefore = await Promise.all(c.map(customer));
    const calls = (await sim<{ requests: unknown[] }>("requests")).requests.length;
    await readTap(platform, transferredTap);
    await readTap(platform, addedTap);
    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    expect(await Promise.all(list.items.map((t: { transferId: string }) => transfer(t.transferId)))).toEqual(before);
    expect(await Promise.all(c.map(customer))).toEqual(customersBefore);
    const after = await sim<{ requests: { api: string }[] }>("requests");
    expect(after.requests.slice(calls).filter((r) => r.api !== "gettoken")).toEqual([]);
    expect(await readTap(platform, transferredTap)).toEqual([]);
    expect(await readTap(platform, addedTap)).toEqual([]);
    expect(await readTap(platform, churn)).toEqual([]);
  });

  it("broke no WeCom rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
