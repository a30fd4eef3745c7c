import { describe, expect, it } from "vitest";
import { apiClient, drainQueue, readTap, simClient, tapTopic } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * Broadcasts (客户群发) end to end over HTTP against the strict WeCom simulator: the audience from
 * contact-intake's events (tags included), a preview with every left-out customer and why, one task per
 * sender, staff confirming in the client, tracking per staff and per customer, the funnel, reminders
 * within 3 per 24 h, the corp's `day` rule leaving a second campaign with no one and no call, cancel,
 * and a lost add_msg_template answer reconciled into exactly one task per member.
 */
const platform = await usePlatform({ services: ["contact-intake", "broadcast-scheduler"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const world = platform.simulator!.world;

const wecomCalls = async (name: string) => (await sim<{ requests: { api: string }[] }>(`requests?api=${encodeURIComponent(name)}`)).requests.length;
/** The operator's 同步数据: poll the campaign's open runs now (the track job does it on its own cadence). */
const sync = async (id: string) => {
  const res = await api("POST", `/v1/broadcasts/${id}/sync`);
  expect(res.status, res.text).toBe(200);
  return res.json! as Record<string, any>;
};
const detail = async (id: string) => {
  const res = await api("GET", `/v1/broadcasts/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.json! as Record<string, any>;
};
const recipients = async (id: string, query = "") => {
  const out: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const res = await api("GET", `/v1/broadcasts/${id}/recipients?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, res.text).toBe(200);
    out.push(...(res.json!.items as Record<string, any>[]));
    cursor = res.json!.nextCursor as string | null;
  } while (cursor);
  return out;
};
const create = async (body: Record<string, unknown>) => {
  const res = await api("POST", "/v1/broadcasts", body);
  expect(res.status, res.text).toBe(201);
  return res.json!.campaignId as string;
};
const tasksWithText = (text: string) => world.mass.all().filter((m) => m.text === text);
/** The msgid of a member's task among the campaign's messages (WeCom makes one message per add_msg_template call). */
const msgOf = (text: string, userId: string) => tasksWithText(text).find((m) => m.tasks.has(userId))!.msgid;

// ── the corp: two staff, tags, channels, customers ──
for (const [userId, name] of [["zhangsan", "张三"], ["lisi", "李四"]]) await sim("staff", { userId, name });
const tags = (await api("POST", "/v1/tags", { groupName: "会员", tags: [{ name: "金卡" }, { name: "银卡" }] })).json!;
const [gold, silver] = (tags.tags as { tagId: string }[]).map((t) => t.tagId) as [string, string];
const channel = async (name: string, staff: string[], tagIds: string[]) => (await api("POST", "/v1/channels", { name, staff, tagIds })).json!;
const goldZ = await channel("金卡-张三", ["zhangsan"], [gold]);
const goldL = await channel("金卡-李四", ["lisi"], [gold]);
const silverZ = await channel("银卡-张三", ["zhangsan"], [silver]);
const scan = async (configId: string, name: string, externalUserId?: string) =>
  (await sim<{ externalUserId: string }>("scan-contact-way", { configId, name, ...(externalUserId ? { externalUserId } : {}) })).externalUserId;
const z1 = await scan(goldZ.configId, "顾客1");
const z2 = await scan(goldZ.configId, "顾客2");
const z3 = await scan(goldZ.configId, "顾客3");
const l1 = await scan(goldL.configId, "顾客4");
const l2 = await scan(goldL.configId, "顾客5");
const s1 = await scan(silverZ.configId, "顾客6");
await platform.drain();
// z1 also adds 李四 (through the gold channel): followed by two members, one task only
await scan(goldL.configId, "顾客1", z1);
await platform.drain();
const delivered = await tapTopic(platform, ["broadcast.delivered"]);

describe("validation", () => {
  it("answers every failing field at once and stores nothing", async () => {
    const res = await api("POST", "/v1/broadcasts", {
      name: "",
      audience: { chatType: "single", tags: { allOf: [[]] } },
      content: { text: "好".repeat(1400), attachments: [{ type: "link", link: { title: "", url: "ftp://x" } }] },
      schedule: { kind: "at", at: "2020-01-01T00:00:00+08:00" },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const paths = (res.json!.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.name", "body.audience.tags.allOf.0", "body.content.text", "body.schedule.at"]));
    expect((await api("GET", "/v1/broadcasts")).json!.items).toEqual([]);
    expect((await api("POST", "/v1/broadcasts", "not json at all")).status).toBe(400);
    expect((await api("GET", "/v1/broadcasts/not-an-id!")).status).toBe(400);
    expect((await api("GET", "/v1/broadcasts/01J000000000000000000000")).status).toBe(404);
  });
});

describe("a tag-filtered campaign to two staff, confirmed and tracked to delivery", () => {
  let id: string;
  const text = "金卡会员专享：本周末全场8折";

  it("previews the audience with per-sender counts and every left-out customer with its reason", async () => {
    const res = await api("POST", "/v1/broadcasts/preview", { audience: { chatType: "single", tags: { allOf: [[gold]], noneOf: [silver] } } });
    expect(res.status, res.text).toBe(200);
    const p = res.json!;
    // z1 is routed to 李四 (the member added last is the one who last talked with them)
    expect(p.perSender).toEqual({ zhangsan: 2, lisi: 3 });
    expect(p.audience).toBe(5);
    expect(p.planned).toBe(5);
    expect(p.duplicates).toEqual([{ externalUserId: z1, userId: "zhangsan", routedTo: "lisi" }]);
    expect(p.excludedCounts.duplicate).toBe(1);
    const silverPreview = (await api("POST", "/v1/broadcasts/preview", { audience: { chatType: "single", tags: { allOf: [[gold, silver]], noneOf: [silver] } } })).json!;
    expect(silverPreview.excluded).toEqual([{ externalUserId: s1, reason: "excluded-tag", userId: "zhangsan" }]);
  });

  it("creates one task per sender with the sender named; nothing is sent until staff confirm", async () => {
    id = await create({ name: "金卡周末", audience: { chatType: "single", tags: { allOf: [[gold]] } }, content: { text }, schedule: { kind: "now" } });
    await platform.drain();
    // one message per call, each with the one task of its sender
    const tasks = tasksWithText(text);
    expect(tasks.map((m) => [...m.tasks.keys()]).sort()).toEqual([["lisi"], ["zhangsan"]]);
    expect(await wecomCalls("externalcontact/add_msg_template")).toBe(2);
    const d = await detail(id);
    expect(d.status).toBe("running");
    expect(d.run.funnel).toMatchObject({ planned: 5, tasked: 5, confirmed: 0, delivered: 0, waiting: 5 });
    expect(d.staff).toEqual([
      { userId: "lisi", task: "waiting", recipients: 3, sendTime: null },
      { userId: "zhangsan", task: "waiting", recipients: 2, sendTime: null },
    ]);
  });

  it("reminds at most 3 times per 24 h, then answers 429 with when the next may go", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await api("POST", `/v1/broadcasts/${id}/remind`);
      expect(r.status, r.text).toBe(200);
      expect(r.json!.reminded.sort()).toEqual(["lisi", "zhangsan"]);
    }
    const fourth = await api("POST", `/v1/broadcasts/${id}/remind`);
    expect(fourth.status).toBe(429);
    expect(fourth.json).toMatchObject({ type: "https://siyu.dev/problems/remind-budget-exhausted" });
    expect(fourth.json!.nextAt).toEqual(expect.any(String));
    expect(await wecomCalls("externalcontact/remind_groupmsg_send")).toBe(6);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });

  it("tracks each member's confirmation and each customer's result to the end of every page", async () => {
    // 张三 confirms; 李四's customer l2 deletes 李四 meanwhile (not a friend at delivery)
    await sim("staff-confirm-broadcast", { msgId: msgOf(text, "zhangsan"), userId: "zhangsan" });
    await sim("customer-deletes-staff", { userId: "lisi", externalUserId: l2 });
    let d = await sync(id);
    expect(d.staff.find((s: { userId: string }) => s.userId === "zhangsan").task).toBe("sent");
    expect(d.staff.find((s: { userId: string }) => s.userId === "lisi").task).toBe("waiting");
    expect(d.run.funnel).toMatchObject({ planned: 5, tasked: 5, confirmed: 2, delivered: 2, waiting: 3 });

    await sim("staff-confirm-broadcast", { msgId: msgOf(text, "lisi"), userId: "lisi" });
    d = await sync(id);
    const f = d.run.funnel;
    expect(f.planned).toBe(f.tasked + f.failed + f.pending);
    expect(f.tasked).toBe(f.confirmed + f.waiting + f.cancelled);
    expect(f.confirmed).toBe(f.delivered + f.notAFriend + f.quotaHit);
    expect(f.confirmed).toBe(5);
    const rows = await recipients(id);
    expect(rows.filter((r) => r.status !== "excluded")).toHaveLength(5);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r.status]));
    expect(byId[z2]).toBe("delivered");
    expect(byId[z1]).toBe("delivered");
    expect(byId[z3]).toBe("delivered");
    expect(byId[l1]).toBe("delivered");
    expect(byId[l2]).toBe("not-a-friend");
    await platform.drain();
    const seen = await readTap(platform, delivered);
    expect(new Set(seen.map((e) => e.data.recipientId)).size).toBe(f.delivered);
    expect(seen.every((e) => e.data.campaignId === id)).toBe(true);
  });
});

describe("the corp's receive rule set to day", () => {
  it("leaves every customer who got today's message out with reason quota, and creates no task", async () => {
    await sim("config", { receiveFrequency: "day" });
    const put = await api("PUT", "/v1/broadcasts/settings", { customers: { wecom: "day" } });
    expect(put.status, put.text).toBe(200);
    const delivered = (await recipients((await api("GET", "/v1/broadcasts")).json!.items[0].campaignId, "&status=delivered")).map((r) => r.id);
    expect(delivered.length).toBeGreaterThan(0);
    const before = await wecomCalls("externalcontact/add_msg_template");
    const audience = { chatType: "single", externalUserIds: delivered };
    const preview = (await api("POST", "/v1/broadcasts/preview", { audience })).json!;
    expect(preview.planned).toBe(0);
    expect(preview.excludedCounts.quota).toBe(delivered.length);
    expect(preview.excluded.every((e: { reason: string; quota: { kind: string } }) => e.reason === "quota" && e.quota.kind === "day")).toBe(true);
    const id = await create({ name: "再发一次", audience, content: { text: "第二条" }, schedule: { kind: "now" } });
    await platform.drain();
    expect(await wecomCalls("externalcontact/add_msg_template")).toBe(before);
    const d = await detail(id);
    expect(d.status).toBe("done"); // nothing to send: the campaign is over
    expect(d.run.state).toBe("done");
    expect(d.run.plan.excluded.quota).toBe(delivered.length);
    expect((await recipients(id, "&status=excluded")).every((r) => r.reason === "quota")).toBe(true);
    await sim("config", { receiveFrequency: "month" });
    await api("PUT", "/v1/broadcasts/settings", { customers: { wecom: "month" } });
  });
});

describe("cancel", () => {
  it("stops the unsent tasks in WeCom: the member can no longer send, the customers end cancelled", async () => {
    const text = "银卡限时活动";
    const id = await create({ name: "取消测试", audience: { chatType: "single", staff: ["zhangsan", "lisi"] }, content: { text }, schedule: { kind: "now" } });
    await platform.drain();
    await sim("staff-confirm-broadcast", { msgId: msgOf(text, "zhangsan"), userId: "zhangsan" });
    const res = await api("POST", `/v1/broadcasts/${id}/cancel`);
    expect(res.status, res.text).toBe(200);
    expect(res.json!.status).toBe("cancelled");
    expect(await wecomCalls("externalcontact/cancel_groupmsg_send")).toBe(1);
    const late = await fetch(`${platform.simulatorUrl}/_sim/staff-confirm-broadcast`, { method: "POST", body: JSON.stringify({ msgId: msgOf(text, "lisi"), userId: "lisi" }) });
    expect(late.status).toBe(409);
    const d = await detail(id);
    expect(d.run.state).toBe("cancelled");
    expect(d.staff.find((s: { userId: string }) => s.userId === "lisi").task).toBe("cancelled");
    expect(d.run.funnel.cancelled).toBeGreaterThan(0);
    expect(d.run.funnel.delivered).toBeGreaterThan(0);
    expect((await api("POST", `/v1/broadcasts/${id}/cancel`)).status).toBe(200);
    expect((await api("PATCH", `/v1/broadcasts/${id}`, { name: "改名" })).json!.type).toBe("https://siyu.dev/problems/campaign-finished");
  });
});

describe("a lost add_msg_template answer", () => {
  it("is reconciled with get_groupmsg_list_v2 before any retry: exactly one task per member", async () => {
    const text = "超时也只发一次";
    // the next add_msg_template takes 6 s: the client gives up after 5 s, WeCom still creates the task
    await sim("faults", { api: "externalcontact/add_msg_template", errcode: 0, delayMs: 6000, times: 1 });
    const id = await create({ name: "超时", audience: { chatType: "single", staff: ["zhangsan"] }, content: { text }, schedule: { kind: "now" } });
    await eventually(async () => {
      await platform.drain({ timeoutMs: 30_000 });
      return (await detail(id)).run?.funnel.tasked > 0;
    }, 40_000, "the timed-out chunk to be reconciled");
    expect(tasksWithText(text)).toHaveLength(1);
    expect(await wecomCalls("externalcontact/get_groupmsg_list_v2")).toBeGreaterThan(0);
    const d = await detail(id);
    expect(d.staff).toEqual([expect.objectContaining({ userId: "zhangsan", task: "waiting" })]);
  }, 60_000);
});

describe("a WeCom refusal to retry", () => {
  it("rate-limited add_msg_template (45033) gives the claim back and is retried: one task, nothing parked", async () => {
    const text = "限流后重试";
    await sim("faults", { api: "externalcontact/add_msg_template", errcode: 45033, times: 1 });
    const id = await create({ name: "限流", audience: { chatType: "single", staff: ["lisi"] }, content: { text }, schedule: { kind: "now" } });
    await eventually(async () => {
      await platform.drain({ timeoutMs: 30_000 });
      return (await detail(id)).run?.funnel.tasked > 0;
    }, 30_000, "the rate-limited chunk to be sent");
    expect(tasksWithText(text)).toHaveLength(1);
    for (const q of ["runs", "sends", "audience"]) expect(await drainQueue(platform, platform.dlqUrl("broadcast-scheduler", q))).toEqual([]);
  }, 60_000);
});

describe("the simulator", () => {
  it("saw no call WeCom would reject for a limit or frequency rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
