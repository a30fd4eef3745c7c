import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { corpDay } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * contact-intake against the WeCom simulator, all over HTTP: the simulator sends signed, encrypted
 * callbacks to the gateway exactly as WeCom would, and records every API call Siyu makes.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);

for (const [userId, name] of [["liming", "李明"], ["wangfang", "王芳"], ["zhaolei", "赵磊"]]) await sim("staff", { userId, name });
const vipTag = await sim<{ tagId: string }>("console-tag", { groupName: "渠道", tagName: "门店海报" });
await platform.drain();

describe("channel codes with daily caps", () => {
  let channel: Record<string, any>;

  it("creates a channel backed by a WeCom contact way", async () => {
    const res = await api("POST", "/v1/channels", {
      name: "上海门店海报",
      staff: [
        { userId: "liming", dailyCap: 2 },
        { userId: "wangfang", dailyCap: 2 },
      ],
      backupStaff: ["zhaolei"],
      tagIds: [vipTag.tagId],
      welcome: { text: "您好，欢迎关注！回复 1 领取新人礼。", attachments: [{ type: "link", title: "新人礼", url: "https://example.com/gift" }] },
    });
    expect(res.status, res.text).toBe(201);
    channel = res.json!;
    expect(channel.channelId).toMatch(/^[0-9a-z]{10}$/);
    expect(channel.configId).toBeTruthy();
    expect(channel.qrCode).toMatch(/^https?:/);
    expect([...channel.currentStaff].sort()).toEqual(["liming", "wangfang"]);
    const page = await api("GET", `/c/${channel.channelId}`, undefined, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text).toContain(channel.qrCode);
  });

  it("routes 5 scans: 2 to each staff member, the 5th to the backup; one welcome each within 2 s; tags applied", async () => {
    const scans: { externalUserId: string; userId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const scan = await sim<{ externalUserId: string; userId: string; callbackStatus: number }>("scan-contact-way", { configId: channel.configId, name: `顾客${i + 1}` });
      expect(scan.callbackStatus).toBe(200);
      scans.push(scan);
      // let the add (and any contact-way update it causes) settle before the next customer scans
      await platform.drain();
    }
    const perStaff: Record<string, number> = {};
    for (const s of scans) perStaff[s.userId] = (perStaff[s.userId] ?? 0) + 1;
    expect(perStaff).toEqual({ liming: 2, wangfang: 2, zhaolei: 1 });
    expect(scans[4]!.userId).toBe("zhaolei");

    const { welcomeMessages } = await sim<{ welcomeMessages: { externalUserId: string; delayMs: number }[] }>("welcome-messages");
    for (const s of scans) {
      const mine = welcomeMessages.filter((w) => w.externalUserId === s.externalUserId);
      expect(mine, s.externalUserId).toHaveLength(1);
      expect(mine[0]!.delayMs).toBeLessThanOrEqual(2000);
    }
    const state = await sim<{ customers: { externalUserId: string; follows: { userid: string; tagIds: string[] }[] }[] }>("state");
    for (const s of scans) {
      const follow = state.customers.find((c) => c.externalUserId === s.externalUserId)!.follows.find((f) => f.userid === s.userId)!;
      expect(follow.tagIds).toContain(vipTag.tagId);
    }
    const stored = await api("GET", `/v1/channels/${channel.channelId}`);
    expect(stored.json!.currentStaff).toEqual(["zhaolei"]);
  });

  it("changes nothing when WeCom redelivers every callback", async () => {
    const before = await sim<{ requests: unknown[] }>("requests");
    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    const { welcomeMessages } = await sim<{ welcomeMessages: unknown[] }>("welcome-messages");
    expect(welcomeMessages).toHaveLength(5);
    const after = await sim<{ requests: { api: string }[] }>("requests");
    // no WeCom call at all was caused by the redelivered callbacks
    expect(after.requests.slice(before.requests.length).filter((r) => r.api !== "gettoken")).toEqual([]);
    const stored = await api("GET", `/v1/channels/${channel.channelId}`);
    expect(stored.json!.currentStaff).toEqual(["zhaolei"]);
  });

  it("broke no WeCom rule", async () => {
    const { violations } = await sim<{ violations: unknown[] }>("violations");
    expect(violations).toEqual([]);
  });
});

describe("round-robin rotation", () => {
  it("narrows the code to the next member after each add, in order", async () => {
    for (const [userId, name] of [["rr-a", "一"], ["rr-b", "二"], ["rr-c", "三"]]) await sim("staff", { userId, name });
    const created = await api("POST", "/v1/channels", { name: "轮询", staff: ["rr-a", "rr-b", "rr-c"], rotation: "round-robin" });
    expect(created.status, created.text).toBe(201);
    const ch = created.json!;
    expect(ch.currentStaff).toEqual(["rr-a"]);
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      served.push((await sim<{ userId: string }>("scan-contact-way", { configId: ch.configId, name: `轮询客户${i}` })).userId);
      await platform.drain();
    }
    expect(served).toEqual(["rr-a", "rr-b", "rr-c", "rr-a", "rr-b", "rr-c"]);
    expect((await api("GET", `/v1/channels/${ch.channelId}`)).json!.currentStaff).toEqual(["rr-a"]);
  });
});

describe("caps under a burst", () => {
  it("counts every concurrent add exactly once and updates the contact way once per change of the eligible set", async () => {
    for (const [userId, name] of [["burst-a", "甲"], ["burst-b", "乙"], ["burst-c", "丙"]]) await sim("staff", { userId, name });
    const created = await api("POST", "/v1/channels", {
      name: "直播间",
      staff: [
        { userId: "burst-a", dailyCap: 3 },
        { userId: "burst-b", dailyCap: 3 },
      ],
      backupStaff: ["burst-c"],
    });
    expect(created.status, created.text).toBe(201);
    const ch = created.json!;
    const updatesBefore = (await sim<{ requests: unknown[] }>("requests?api=externalcontact%2Fupdate_contact_way")).requests.length;
    // 8 customers scan at once: WeCom still routes them all to the two pool members
    const scans = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sim<{ userId: string }>("scan-contact-way", { configId: ch.configId, name: `直播客户${i}` })),
    );
    await platform.drain();
    const adds: Record<string, number> = {};
    for (const s of scans) adds[s.userId] = (adds[s.userId] ?? 0) + 1;
    const { Items } = await platform.dynamo.send(
      new QueryCommand({
        TableName: platform.tableName("contact-intake"),
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": `CAP#${ch.channelId}#${corpDay(new Date(), "Asia/Shanghai")}` },
      }),
    );
    const counted = Object.fromEntries((Items ?? []).map((i) => [i.sk as string, Number(i.count)]));
    expect(counted).toEqual(adds);
    // WeCom split the burst at random: whoever is under the cap stays, else the backup takes over,
    // with at most one contact-way update per member who reached the cap
    const capped = ["burst-a", "burst-b"].filter((u) => (adds[u] ?? 0) >= 3);
    const expected = ["burst-a", "burst-b"].filter((u) => !capped.includes(u));
    const stored = await api("GET", `/v1/channels/${ch.channelId}`);
    expect([...stored.json!.currentStaff].sort()).toEqual(expected.length ? expected : ["burst-c"]);
    // the console's "today vs cap": the same counters, per member of the channel
    const today = Object.fromEntries(stored.json!.today.members.map((m: { userId: string; added: number; cap: number; reachedCap: boolean }) => [m.userId, m]));
    for (const u of ["burst-a", "burst-b"]) expect(today[u]).toEqual({ userId: u, added: adds[u] ?? 0, cap: 3, reachedCap: (adds[u] ?? 0) >= 3 });
    const updates = (await sim<{ requests: unknown[] }>("requests?api=externalcontact%2Fupdate_contact_way")).requests.length - updatesBefore;
    expect(updates).toBeGreaterThanOrEqual(1);
    expect(updates).toBeLessThanOrEqual(capped.length);
    // a redelivery of the whole burst counts nothing more and updates nothing
    await sim("redeliver", { count: 8 });
    await platform.drain();
    const again = await platform.dynamo.send(
      new QueryCommand({
        TableName: platform.tableName("contact-intake"),
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": `CAP#${ch.channelId}#${corpDay(new Date(), "Asia/Shanghai")}` },
      }),
    );
    expect(Object.fromEntries((again.Items ?? []).map((i) => [i.sk as string, Number(i.count)]))).toEqual(adds);
    expect((await sim<{ requests: unknown[] }>("requests?api=externalcontact%2Fupdate_contact_way")).requests.length - updatesBefore).toBe(updates);
  });
});

describe("bad callbacks", () => {
  const intakeDepth = async () => {
    const r = await platform.sqs.send(new ReceiveMessageCommand({ QueueUrl: platform.queueUrl("contact-intake", "intake"), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    return r.Messages?.length ?? 0;
  };

  it("answers forged, wrong-corp and garbage callbacks with 4xx problems and queues nothing", async () => {
    await platform.drain();
    const q = "msg_signature=0000000000000000000000000000000000000000&timestamp=1700000000&nonce=1";
    const forged = await fetch(`${platform.gatewayUrl}/wecom/callback?${q}`, { method: "POST", body: "<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>" });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toContain("application/problem+json");
    const garbage = await fetch(`${platform.gatewayUrl}/wecom/callback?${q}`, { method: "POST", body: "not xml at all" });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    const noQuery = await fetch(`${platform.gatewayUrl}/wecom/callback`, { method: "POST", body: "<xml/>" });
    expect(noQuery.status).toBe(400);
    expect(await intakeDepth()).toBe(0);
  });
});

describe("validation", () => {
  it("lists every failing field of a bad channel", async () => {
    const res = await api("POST", "/v1/channels", {
      name: "",
      staff: [{ userId: "liming", dailyCap: 0 }],
      welcome: { text: "好".repeat(1400), attachments: Array.from({ length: 10 }, () => ({ type: "file", mediaId: "m" })) },
    });
    expect(res.status).toBe(400);
    const paths = (res.json!.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.name", "body.staff.0.dailyCap", "body.welcome.text", "body.welcome.attachments"]));
  });

  it("rejects a channel without a token", async () => {
    expect((await api("POST", "/v1/channels", { name: "x", staff: ["liming"] }, { token: null })).status).toBe(401);
  });
});
