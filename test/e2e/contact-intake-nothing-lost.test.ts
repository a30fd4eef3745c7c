import { describe, expect, it } from "vitest";
import { apiClient, drainQueue, readTap, simClient, tapTopic } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * No add is ever lost (issue 10): whatever the code's `state`, whatever mark_tag or
 * externalcontact/get answer, the relation, timeline, cap count and `contact.added` are recorded; a
 * failed side effect is retried on its own and shows on the customer; a poison contact-way update is
 * parked with its reason at once instead of holding its channel's FIFO group.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const world = platform.simulator!.world;

for (const [userId, name] of [["liming", "李明"], ["wangfang", "王芳"]]) await sim("staff", { userId, name });
const added = await tapTopic(platform, ["contact.added"]);
await platform.drain();

type Customer = { relations: { userId: string; channelId: string; state?: string; tagIds: string[]; tagStatus?: Record<string, any> }[]; timeline: { kind: string }[] };
const customer = async (externalUserId: string) => api("GET", `/v1/customers/${encodeURIComponent(externalUserId)}`);
const simFollow = async (externalUserId: string, userId: string) => {
  const state = await sim<{ customers: { externalUserId: string; follows: { userid: string; tagIds: string[] }[] }[] }>("state");
  return state.customers.find((c) => c.externalUserId === externalUserId)?.follows.find((f) => f.userid === userId);
};
// every message parked so far, per DLQ (a receive hides what it returned, so keep what was seen)
const parked = new Map<string, { body: Record<string, any>; reason: string | undefined }[]>();
const dlqMessages = async (queue: string) => {
  const seen = parked.get(queue) ?? [];
  for (const m of await drainQueue(platform, platform.dlqUrl("contact-intake", queue))) seen.push({ body: JSON.parse(m.body), reason: m.attributes["siyu-park-reason"] });
  parked.set(queue, seen);
  return seen;
};

describe("every add is recorded, whatever its State", () => {
  // other tools' states, a '#', unicode, none: none of them is a Siyu channel id
  for (const state of ["poster#1", "海报🎉活动", "other-tool:campaign/2024", ""]) {
    it(`records an add on a code with state ${JSON.stringify(state)} under channel unknown, raw state kept`, async () => {
      const way = world.contactWays.add({ type: 1, scene: 2, state, user: ["liming"] });
      const scan = await sim<{ externalUserId: string; userId: string; callbackStatus: number }>("scan-contact-way", { configId: way.configId, name: "别家工具的客户" });
      expect(scan.callbackStatus).toBe(200);
      await platform.drain();
      const res = await customer(scan.externalUserId);
      expect(res.status, res.text).toBe(200);
      const c = res.json as Customer;
      expect(c.relations).toHaveLength(1);
      expect(c.relations[0]).toMatchObject({ userId: "liming", channelId: "unknown", status: "active" });
      if (state) expect(c.relations[0]!.state).toBe(state);
      expect(c.timeline.map((t) => t.kind)).toContain("added");
      const events = await readTap(platform, added);
      expect(events.filter((e) => e.data.externalUserId === scan.externalUserId).map((e) => e.data.channelId)).toEqual(["unknown"]);
    });
  }

  it("answers malformed ids on every route with 404 (problem or HTML), never 500", async () => {
    for (const id of ["%23", "a%23b", "%E6%B5%B7%E6%8A%A5", "x".repeat(30), "%25"]) {
      const page = await api("GET", `/c/${id}`, undefined, { token: null });
      expect(page.status, `/c/${id}`).toBe(404);
      expect(page.headers.get("content-type")).toContain("text/html");
      for (const path of [`/v1/channels/${id}`, `/v1/customers/${id}`, `/v1/transfers/${id}`]) {
        const res = await api("GET", path);
        expect(res.status, `${path}: ${res.text}`).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
        expect(res.headers.get("content-type"), path).toContain("application/problem+json");
      }
    }
  });
});

describe("side effects never block the record", () => {
  const tagged = async (name: string) => {
    const tag = await sim<{ tagId: string }>("console-tag", { groupName: "渠道", tagName: name });
    await platform.drain();
    return tag.tagId;
  };

  it("a mark_tag over frequency (45009): the add is recorded at once with tags pending, then applied by its own retry", async () => {
    const tagId = await tagged("限流标签");
    const ch = (await api("POST", "/v1/channels", { name: "限流渠道", staff: ["liming"], tagIds: [tagId], welcome: { text: "您好，欢迎！" } })).json!;
    await sim("faults", { api: "externalcontact/mark_tag", errcode: 45009, times: 1 });
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "限流顾客" });
    // recorded well before the retry is due (5 s)
    const first = await eventually(
      async () => {
        const res = await customer(scan.externalUserId);
        return res.status === 200 && (res.json as Customer).relations.length > 0 ? (res.json as Customer) : undefined;
      },
      4000,
      "the add recorded",
    );
    expect(first.relations[0]).toMatchObject({ channelId: ch.channelId, status: "active" });
    expect(first.relations[0]!.tagStatus).toMatchObject({ status: "pending", errcode: 45009, attempt: 1 });
    expect((await readTap(platform, added)).some((e) => e.data.externalUserId === scan.externalUserId)).toBe(true);
    await eventually(
      async () => (await sim<{ welcomeMessages: { externalUserId: string }[] }>("welcome-messages")).welcomeMessages.some((w) => w.externalUserId === scan.externalUserId),
      4000,
      "the welcome",
    );
    // the follow-up's first retry comes 5 s later
    const after = await eventually(
      async () => {
        const c = (await customer(scan.externalUserId)).json as Customer;
        return c.relations[0]!.tagStatus?.status === "applied" ? c : undefined;
      },
      20_000,
      "tags applied by the follow-up",
    );
    expect(after.relations[0]!.tagIds).toContain(tagId);
    expect((await simFollow(scan.externalUserId, "liming"))?.tagIds).toContain(tagId);
    // the tag filter finds the relation
    const listed = await api("GET", `/v1/customers?tagId=${tagId}`);
    expect(listed.json!.items.map((r: { externalUserId: string }) => r.externalUserId)).toContain(scan.externalUserId);
  });

  it("a tag deleted in WeCom (40068): the add is recorded, the missing tag is dropped from the channel, the others applied", async () => {
    const gone = await tagged("已删除标签");
    const kept = await tagged("保留标签");
    const ch = (await api("POST", "/v1/channels", { name: "删标签渠道", staff: ["wangfang"], tagIds: [gone, kept] })).json!;
    // an admin deletes the tag in the WeCom console; the change_external_tag callback never reached Siyu
    world.tags.delete([gone], []);
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "删标签顾客" });
    await platform.drain();
    const rel = await eventually(
      async () => {
        const c = (await customer(scan.externalUserId)).json as Customer;
        return c.relations[0]?.tagStatus?.status === "applied" ? c.relations[0] : undefined;
      },
      10_000,
      "tags settled",
    );
    expect(rel.channelId).toBe(ch.channelId);
    expect(rel.tagStatus).toMatchObject({ status: "applied", dropped: [gone] });
    expect(rel.tagIds).toContain(kept);
    expect(rel.tagIds).not.toContain(gone);
    expect((await simFollow(scan.externalUserId, "wangfang"))?.tagIds).toEqual([kept]);
    expect((await api("GET", `/v1/channels/${ch.channelId}`)).json!.tagIds).toEqual([kept]);
    // the next add applies the remaining tag inline, with no error at all
    const next = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "删标签顾客二" });
    await platform.drain();
    await eventually(async () => ((await customer(next.externalUserId)).json as Customer).relations[0]?.tagStatus?.status === "applied", 10_000, "second add tagged");
    expect(await dlqMessages("intake")).toEqual([]);
    expect(await dlqMessages("followups")).toEqual([]);
  });

  it("a mark_tag refused for good is recorded as failed with its errcode, and the add is still complete", async () => {
    const tagId = await tagged("无权限标签");
    const ch = (await api("POST", "/v1/channels", { name: "拒绝渠道", staff: ["liming"], tagIds: [tagId] })).json!;
    // 48002: the app has no permission for the API
    await sim("faults", { api: "externalcontact/mark_tag", errcode: 48002, times: 1 });
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "拒绝顾客" });
    await platform.drain();
    const c = (await customer(scan.externalUserId)).json as Customer;
    expect(c.relations[0]).toMatchObject({ channelId: ch.channelId, status: "active" });
    expect(c.relations[0]!.tagStatus).toMatchObject({ status: "failed", errcode: 48002 });
    expect(c.timeline.map((t) => t.kind)).toContain("added");
  });

  it("a failing externalcontact/get (busy) does not hold up the add; the profile comes with its retry", async () => {
    const ch = (await api("POST", "/v1/channels", { name: "资料渠道", staff: ["liming"] })).json!;
    await sim("faults", { api: "externalcontact/get", errcode: 45033, times: 1 });
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "资料顾客" });
    await platform.drain();
    const first = await customer(scan.externalUserId);
    expect(first.status).toBe(200);
    expect((first.json as Customer).relations[0]).toMatchObject({ channelId: ch.channelId, status: "active" });
    const withName = await eventually(
      async () => {
        const c = (await customer(scan.externalUserId)).json as { profile?: { name?: string } };
        return c.profile?.name ? c : undefined;
      },
      20_000,
      "profile fetched by the follow-up",
    );
    expect(withName.profile!.name).toBe("资料顾客");
  });
});

describe("the welcome lane", () => {
  it("tries a welcome WeCom answered busy (45033) once more while its code lives, and sends it once", async () => {
    const ch = (await api("POST", "/v1/channels", { name: "欢迎重试", staff: ["liming"], welcome: { text: "欢迎光临！" } })).json!;
    await sim("faults", { api: "externalcontact/send_welcome_msg", errcode: 45033, times: 1 });
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.configId, name: "欢迎重试顾客" });
    await platform.drain();
    const { welcomeMessages } = await sim<{ welcomeMessages: { externalUserId: string; delayMs: number }[] }>("welcome-messages");
    const mine = welcomeMessages.filter((w) => w.externalUserId === scan.externalUserId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.delayMs).toBeLessThanOrEqual(2000);
    const c = (await customer(scan.externalUserId)).json as { welcomes: { status: string }[] };
    expect(c.welcomes.map((w) => w.status)).toEqual(["sent"]);
  });
});

describe("permanent vs transient failures", () => {
  it("a contact-way update WeCom refuses for good is parked with its reason at once; the channel's next update goes through", async () => {
    const ch = (await api("POST", "/v1/channels", { name: "毒丸渠道", staff: ["liming"] })).json!;
    await platform.drain();
    // 60111: userid not found: the same update fails on every try
    await sim("faults", { api: "externalcontact/update_contact_way", errcode: 60111, times: 1 });
    const t0 = Date.now();
    expect((await api("PATCH", `/v1/channels/${ch.channelId}`, { staff: ["liming", "wangfang"] })).status).toBe(200);
    const parked = await eventually(async () => (await dlqMessages("channel-sync")).find((m) => m.body.data?.channelId === ch.channelId), 10_000, "parked sync");
    expect(parked.reason).toContain("60111");
    const current = (await api("GET", `/v1/channels/${ch.channelId}`)).json!;
    expect(current.currentStaff).toEqual(["liming"]);
    // the next edit of the same channel syncs at once: the parked update does not hold the FIFO group
    expect((await api("PATCH", `/v1/channels/${ch.channelId}`, { name: "毒丸渠道二" })).status).toBe(200);
    await eventually(
      async () => [...(await api("GET", `/v1/channels/${ch.channelId}`)).json!.currentStaff].sort().join() === "liming,wangfang",
      10_000,
      "a later update of the same channel",
    );
    expect([...world.contactWays.get(current.configId)!.user].sort()).toEqual(["liming", "wangfang"]);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("a record that fails on every receive is parked on its last one with the error as its reason", async () => {
    const ch = (await api("POST", "/v1/channels", { name: "忙碌渠道", staff: ["liming"] })).json!;
    await platform.drain();
    // busy through the client's own retries, on every receive
    await sim("faults", { api: "externalcontact/update_contact_way", errcode: -1, times: 100 });
    expect((await api("PATCH", `/v1/channels/${ch.channelId}`, { staff: ["liming", "wangfang"] })).status).toBe(200);
    const parked = await eventually(async () => (await dlqMessages("channel-sync")).find((m) => m.body.data?.channelId === ch.channelId), 45_000, "parked sync");
    expect(parked.reason).toMatch(/failed on each of 5 receives; last: .*errcode -1/);
    await sim("faults/clear", {});
  });

  it("broke no WeCom rule", async () => {
    const { violations } = await sim<{ violations: unknown[] }>("violations");
    expect(violations).toEqual([]);
  });
});
