import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { apiClient, drainQueue, simClient } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * Group live codes in native mode against the strict simulator, with contact-intake turning WeCom's
 * group callbacks into events: a code over 7 groups; QR joins fill groups to the code's capacity; the
 * join way always lists ≤ 5 groups below capacity, a full group is swapped out (how fast: a benchmark's
 * question), a group
 * WeCom auto-created is adopted into the pool and never dropped by an update.
 */
const platform = await usePlatform({ services: ["contact-intake", "group-live-code"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const world = platform.simulator!.world;
const CAPACITY = 3;

for (const [userId, name] of [["zhangsan", "张三"], ["lisi", "李四"]]) await sim("staff", { userId, name });
const chatIds: string[] = [];
for (let i = 1; i <= 7; i++) {
  const { chatId } = await sim<{ chatId: string }>("groups", { ownerUserId: i % 2 ? "zhangsan" : "lisi", name: `会员${i}群` });
  chatIds.push(chatId);
}
await platform.drain();

const joinWayOf = (configId: string) => world.groups.getJoinWay(configId);
const membersOf = (chatId: string) => world.groups.get(chatId)!.members.size;
type AppMessage = { touser: string[]; body: { text: { content: string } } };
const appMessages = async () => (await sim<{ appMessages: AppMessage[] }>("app-messages")).appMessages;
type Welcomes = { templates: { templateId: string; content: { text?: { content: string } } }[]; bindings: { chatId: string; templateId: string }[]; deliveries: { chatId: string; externalUserId: string; templateId: string; content: { text?: { content: string } } }[] };
const welcomes = () => sim<Welcomes>("group-welcomes");
/** The welcome notices (one app message per owner, naming their groups) sent so far. */
const welcomeNotices = async () => (await appMessages()).filter((m) => m.body.text.content.includes("入群欢迎语"));
/** The groups a notice names ("· <group name>" lines), as chat ids. */
const namedGroups = (m: AppMessage) =>
  m.body.text.content
    .split("\n")
    .filter((l) => l.startsWith("· "))
    .map((l) => world.groups.all().find((g) => g.name === l.slice(2))!.chatId);
/** The test plays the owners: each group a notice names gets the template picked in the client. */
const ownersPick = async (templateId: string) => {
  for (const m of await welcomeNotices()) for (const chatId of namedGroups(m)) if (!world.groupWelcome.bindingOf(chatId)) await sim("group-welcome", { chatId, templateId });
};
const detail = async (id: string) => {
  const res = await api("GET", `/v1/group-codes/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.json! as Record<string, any>;
};

describe("validation", () => {
  it("answers every failing field at once and stores nothing; an unknown group is a field error", async () => {
    const res = await api("POST", "/v1/group-codes", { name: "", capacity: 500, groups: [{ chatId: "", ownerUserId: "zhangsan" }] });
    expect(res.status).toBe(400);
    expect((res.json!.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(expect.arrayContaining(["body.capacity", "body.name"]));
    const unknown = await api("POST", "/v1/group-codes", { name: "x", groups: [{ chatId: "wrNOPE", ownerUserId: "zhangsan" }] });
    expect(unknown.status, unknown.text).toBe(400);
    expect(unknown.json!.errors).toEqual([{ path: "body.groups.0.chatId", message: expect.stringContaining("does not know") }]);
    expect((await api("GET", "/v1/group-codes")).json!.items).toEqual([]);
    expect((await api("GET", "/v1/group-codes/NOT-AN-ID")).status).toBe(400);
  });
});

describe("a native code over 7 groups", () => {
  let codeId: string;
  let configId: string;

  let templateId: string;
  const everListed = new Set<string>();

  it("creates one join way listing the first 5 groups below capacity, and one welcome template whose pick the 5 groups' owners are asked for", async () => {
    const res = await api("POST", "/v1/group-codes", {
      name: "会员福利群",
      capacity: CAPACITY,
      welcome: { text: "欢迎加入会员福利群，回复 1 领取新人券" },
      groups: chatIds.map((chatId, i) => ({ chatId, ownerUserId: i % 2 ? "lisi" : "zhangsan" })),
    });
    expect(res.status, res.text).toBe(201);
    codeId = res.json!.codeId;
    await platform.drain();
    const d = await detail(codeId);
    configId = d.joinWay.configId;
    expect(configId).toEqual(expect.any(String));
    expect(joinWayOf(configId).chatIdList).toEqual(chatIds.slice(0, 5));
    expect(joinWayOf(configId).state).toBe(`glc.${codeId}`);
    expect(d.groups.map((g: { members: number }) => g.members)).toEqual(chatIds.map(membersOf));

    // one template in WeCom's library; each listed group's owner told once, in one message per owner
    expect(d.welcomeTemplate).toMatchObject({ state: "created", templateId: expect.any(String) });
    templateId = d.welcomeTemplate.templateId;
    expect((await welcomes()).templates.map((t) => t.content.text?.content)).toEqual(["欢迎加入会员福利群，回复 1 领取新人券"]);
    const notices = await welcomeNotices();
    expect(notices.map((m) => m.touser).sort()).toEqual([["lisi"], ["zhangsan"]]);
    expect(notices.flatMap(namedGroups).sort()).toEqual(chatIds.slice(0, 5).sort());
    for (const m of notices) for (const chatId of namedGroups(m)) expect(world.groups.get(chatId)!.owner).toBe(m.touser[0]);
    expect(d.groups.slice(0, 5).every((g: { welcome: { ownerNotifiedAt: string | null } | null }) => g.welcome?.ownerNotifiedAt)).toBe(true);
    expect(d.groups.slice(5).every((g: { welcome: unknown }) => g.welcome === null)).toBe(true);
    await ownersPick(templateId);
    for (const id of joinWayOf(configId).chatIdList) everListed.add(id);
  });

  it("swaps a group out once it reaches capacity, and never lists more than 5 or a full one", async () => {
    const swaps: number[] = [];
    let joins = 0;
    // fill until every group of the pool is at capacity
    while (chatIds.some((id) => membersOf(id) < CAPACITY)) {
      const listed = joinWayOf(configId).chatIdList;
      const { chatId } = await sim<{ chatId: string }>("join-group", { configId, name: `顾客${++joins}` });
      expect(membersOf(chatId)).toBeLessThanOrEqual(CAPACITY);
      if (membersOf(chatId) === CAPACITY && chatIds.some((id) => id !== chatId && membersOf(id) < CAPACITY)) {
        const started = Date.now();
        await eventually(async () => !joinWayOf(configId).chatIdList.includes(chatId), 10_000, `${chatId} swapped out`);
        swaps.push(Date.now() - started);
      }
      await platform.drain();
      // owners set the welcome on the groups they were just told about
      await ownersPick(templateId);
      const now = joinWayOf(configId).chatIdList;
      for (const id of now) everListed.add(id);
      const withRoom = chatIds.filter((id) => membersOf(id) < CAPACITY);
      expect(now.length).toBeLessThanOrEqual(5);
      if (withRoom.length > 0) expect(now.every((id) => membersOf(id) < CAPACITY)).toBe(true);
      expect(now.length).toBeGreaterThanOrEqual(Math.min(5, withRoom.length || listed.length));
    }
    expect(swaps.length).toBeGreaterThanOrEqual(2);
    // how fast is a benchmark's question (the 2 s goal belongs to `pnpm bench live-code`); here: it happens, every time
    console.log(`live-code swaps: ${swaps.length}, slowest ${Math.max(...swaps)} ms`);
    const d = await detail(codeId);
    expect(d.seats).toEqual({ free: 0, groupsWithRoom: 0 });
    expect(d.groups.every((g: { members: number; capacity: number }) => g.members === g.capacity)).toBe(true);
    // every group full and auto-create off: the code says why it cannot route, and its owner hears once
    expect(d.routing).toMatchObject({ state: "blocked", reason: "pool-full" });
    const alerts = (await sim<{ appMessages: { touser: string[]; body: { text: { content: string } } }[] }>("app-messages")).appMessages.filter((m) => m.body.text.content.includes("会员福利群") && !m.body.text.content.includes("入群欢迎语"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.touser).toEqual(["zhangsan"]);
    expect(alerts[0]!.body.text.content).toContain("已满员");

    // the welcome: every group the code routed to has it, every group's owner was told exactly once,
    // and every QR joiner of a group after its owner picked the template was greeted
    expect(everListed.size).toBe(7);
    const w = await welcomes();
    for (const chatId of everListed) expect(w.bindings.find((b) => b.chatId === chatId)?.templateId).toBe(templateId);
    const told = (await welcomeNotices()).flatMap(namedGroups);
    expect(told.sort()).toEqual([...chatIds].sort());
    const greeted = new Set(w.deliveries.map((x) => `${x.chatId}/${x.externalUserId}`));
    for (const chatId of chatIds) {
      const bound = world.groupWelcome.bindingOf(chatId)!.at;
      for (const m of world.groups.get(chatId)!.members.values()) {
        if (m.type === 2 && m.joinTime * 1000 >= bound) expect(greeted.has(`${chatId}/${m.userid}`), `${m.userid} greeted in ${chatId}`).toBe(true);
      }
    }
    expect(w.deliveries.length).toBeGreaterThan(0);
  });

  it("adopts a group WeCom auto-created into the pool and keeps it through the next update", async () => {
    // WeCom's auto_create_room: a new group appears in the join way's list, made by WeCom itself
    const way = joinWayOf(configId);
    const made = world.groups.create({ owner: "zhangsan", name: "会员福利群8", createdByJoinWay: configId });
    way.chatIdList.push(made.group.chatId);
    await made.delivery;
    await platform.drain();
    // a pool edit triggers a sync (get_join_way first: the update overwrites)
    const { chatId: extra } = await sim<{ chatId: string }>("groups", { ownerUserId: "lisi", name: "会员9群" });
    const res = await api("PATCH", `/v1/group-codes/${codeId}`, { addGroups: [{ chatId: extra, ownerUserId: "lisi" }] });
    expect(res.status, res.text).toBe(200);
    await platform.drain();
    const listed = joinWayOf(configId).chatIdList;
    expect(listed).toContain(made.group.chatId);
    expect(listed).toContain(extra);
    const d = await detail(codeId);
    expect(d.groups.find((g: { chatId: string }) => g.chatId === made.group.chatId)).toMatchObject({ autoCreated: true, listed: true });
    // room again: the episode is over
    expect(d.routing).toEqual({ state: "routing" });
    // the auto-created group's owner (read from WeCom on adoption) and the new group's were told too
    const told = (await welcomeNotices()).flatMap(namedGroups);
    expect(told).toContain(made.group.chatId);
    expect(told).toContain(extra);
    expect(new Set(told).size).toBe(told.length);
  });

  it("an edit of the welcome is one template edit: every group greets with the new text, nobody is asked again", async () => {
    await ownersPick(templateId);
    const before = (await welcomeNotices()).length;
    const res = await api("PATCH", `/v1/group-codes/${codeId}`, { welcome: { text: "新版欢迎语：本周会员日全场 8 折" } });
    expect(res.status, res.text).toBe(200);
    await platform.drain();
    expect((await detail(codeId)).welcomeTemplate.templateId).toBe(templateId);
    expect((await welcomes()).templates).toHaveLength(1);
    expect((await welcomeNotices()).length).toBe(before);
    const listed = joinWayOf(configId).chatIdList;
    const { chatId, externalUserId } = await sim<{ chatId: string; externalUserId: string }>("join-group", { configId, name: "新版欢迎语的顾客" });
    expect(listed).toContain(chatId);
    const got = (await welcomes()).deliveries.find((x) => x.externalUserId === externalUserId);
    expect(got).toMatchObject({ chatId, templateId, content: { text: { content: "新版欢迎语：本周会员日全场 8 折" } } });
    await platform.drain();
  });

  it("archives: the join way and the welcome template are deleted", async () => {
    const res = await api("POST", `/v1/group-codes/${codeId}/archive`);
    expect(res.status, res.text).toBe(200);
    expect(res.json!.status).toBe("archived");
    expect(() => joinWayOf(configId)).toThrow();
    expect((await welcomes()).templates).toEqual([]);
  });
});

describe("welcome failures never stall a code", () => {
  it("a refused template is shown and not resent, a changed one is; an owner notice that failed is sent once on the retry; the sweep then finds nothing to do", async () => {
    const g = (await sim<{ chatId: string }>("groups", { ownerUserId: "lisi", name: "欢迎失败测试群" })).chatId;
    await platform.drain();
    // WeCom refuses the template (41055: the library is full): the join way is made all the same
    await sim("faults", { api: "externalcontact/group_welcome_template/add", errcode: 41055, times: 1 });
    const res = await api("POST", "/v1/group-codes", { name: "欢迎失败码", welcome: { text: "第一版" }, groups: [{ chatId: g, ownerUserId: "lisi" }] });
    expect(res.status, res.text).toBe(201);
    const id = res.json!.codeId as string;
    await platform.drain();
    let d = await detail(id);
    expect(d.joinWay.configId).toEqual(expect.any(String));
    expect(d.welcomeTemplate).toMatchObject({ state: "refused", templateId: null, refused: { errcode: 41055 } });
    const adds = async () => (await sim<{ requests: unknown[] }>("requests?api=externalcontact/group_welcome_template/add")).requests.length;
    const before = await adds();
    // the sweep does not send the same content again
    await platform.runSchedule("group-live-code", "sweep");
    await platform.drain();
    expect(await adds()).toBe(before);
    // new content is tried; this time the owner's notice fails (WeCom busy past the client's retries):
    // its claim is given back, the sync is retried, and the owner is told exactly once
    await sim("faults", { api: "message/send", errcode: -1, times: 4 });
    expect((await api("PATCH", `/v1/group-codes/${id}`, { welcome: { text: "第二版" } })).status).toBe(200);
    await platform.drain();
    d = await detail(id);
    expect(d.welcomeTemplate).toMatchObject({ state: "created", templateId: expect.any(String) });
    expect(d.welcomeTemplate.refused).toBeUndefined();
    const noticesFor = async () => (await welcomeNotices()).filter((m) => m.body.text.content.includes("欢迎失败码"));
    expect(await noticesFor()).toHaveLength(1);
    expect(d.groups[0].welcome).toEqual({ ownerNotifiedAt: expect.any(String) });
    // the sweep finds nothing left to do
    await platform.runSchedule("group-live-code", "sweep");
    await platform.drain();
    expect(await noticesFor()).toHaveLength(1);
    expect(await adds()).toBe(before + 1);
    expect(await drainQueue(platform, platform.dlqUrl("group-live-code", "sync"))).toEqual([]);
    expect((await api("POST", `/v1/group-codes/${id}/archive`)).status).toBe(200);
  });
});

describe("a landing-mode code", () => {
  it("routes exactly as many of 1,000 concurrent visits as there are free seats, none past capacity, one QR per group", async () => {
    const pool: string[] = [];
    for (let i = 1; i <= 3; i++) pool.push((await sim<{ chatId: string }>("groups", { ownerUserId: "zhangsan", name: `落地页${i}群` })).chatId);
    await platform.drain();
    // each group holds its owner: 100 free seats each at capacity 101
    const waysBefore = (await sim<{ requests: unknown[] }>("requests?api=externalcontact/groupchat/add_join_way")).requests.length;
    const res = await api("POST", "/v1/group-codes", {
      name: "新品体验群",
      mode: "landing",
      capacity: 101,
      welcome: { text: "欢迎来到新品体验群" },
      groups: pool.map((chatId) => ({ chatId, ownerUserId: "zhangsan" })),
    });
    expect(res.status, res.text).toBe(201);
    const id = res.json!.codeId as string;
    const outcomes: string[] = [];
    const routed = new Map<string, number>();
    const visitOnce = async () => {
      const r = await fetch(`${platform.gatewayUrl}/g/${id}`);
      expect(r.status).toBe(200);
      const text = await r.text();
      const chat = /data-chat-id="([^"]+)"/.exec(text)?.[1];
      outcomes.push(chat ? "seat" : /data-outcome="full"/.test(text) ? "full" : "other");
      if (chat) routed.set(chat, (routed.get(chat) ?? 0) + 1);
    };
    const visits = Array.from({ length: 1000 }, () => visitOnce);
    for (let i = 0; i < visits.length; i += 100) await Promise.all(visits.slice(i, i + 100).map((v) => v()));
    expect(outcomes.filter((o) => o === "seat")).toHaveLength(300);
    expect(outcomes.filter((o) => o === "full")).toHaveLength(700);
    expect([...routed.values()].sort()).toEqual([100, 100, 100]);
    // one single-group join way per group, made once under a claim however many visits (and the code's
    // sync, which makes the next groups' QRs ahead of need) raced for it
    expect((await sim<{ requests: unknown[] }>("requests?api=externalcontact/groupchat/add_join_way")).requests.length - waysBefore).toBe(3);
    expect((await fetch(`${platform.gatewayUrl}/g/zzzz-nope`)).status).toBe(404);
    // the three groups the page routed to (one after the other, as each filled): their owner is told
    // once per group, as each starts taking visitors
    await platform.drain();
    const landingNotices = (await welcomeNotices()).filter((m) => m.body.text.content.includes("新品体验群"));
    expect(landingNotices.every((m) => m.touser[0] === "zhangsan")).toBe(true);
    expect(landingNotices.flatMap(namedGroups).sort()).toEqual([...pool].sort());

    // a visitor scans the group's QR: the join uses up their hold (no second seat); a leave frees one
    const seat = (await platform.dynamo.send(new GetCommand({ TableName: platform.tableName("group-live-code"), Key: { pk: `LC#${id}`, sk: `seat#${pool[0]}` } }))).Item!;
    expect(seat).toMatchObject({ taken: 101, members: 1 });
    const { externalUserId, chatId } = await sim<{ externalUserId: string; chatId: string }>("join-group", { configId: seat.configId, name: "扫码顾客" });
    expect(chatId).toBe(pool[0]);
    await platform.drain();
    const after = (await platform.dynamo.send(new GetCommand({ TableName: platform.tableName("group-live-code"), Key: { pk: `LC#${id}`, sk: `seat#${pool[0]}` } }))).Item!;
    expect(after).toMatchObject({ taken: 101, members: 2 });
    expect(after.holds).toHaveLength(99);
    expect(/data-outcome="full"/.test(await (await fetch(`${platform.gatewayUrl}/g/${id}`)).text())).toBe(true);
    await sim("leave-group", { chatId: pool[0], externalUserId });
    await platform.drain();
    const freed = await (await fetch(`${platform.gatewayUrl}/g/${id}`)).text();
    expect(/data-chat-id="([^"]+)"/.exec(freed)?.[1]).toBe(pool[0]);

    // the stats: views and joins are separate facts (the anchors count one as the other)
    const stats = await api("GET", `/v1/group-codes/${id}/stats`);
    expect(stats.status, stats.text).toBe(200);
    expect(stats.json!.totals).toMatchObject({ pageViews: 1002, joins: 1, joinsViaCode: 1, leaves: 1, groups: 3, routableGroups: 3 });
    expect(stats.json!.groups.find((g: { chatId: string }) => g.chatId === pool[0])).toMatchObject({ joins: 1, leaves: 1 });
    expect((await api("GET", "/v1/group-codes/zzzz/stats")).status).toBe(404);

    // a change_external_chat that never arrives: the next one's LastMemVer does not follow, so the
    // group is read again from WeCom and its count is exact (the counter never counts too few)
    const seat1 = (await platform.dynamo.send(new GetCommand({ TableName: platform.tableName("group-live-code"), Key: { pk: `LC#${id}`, sk: `seat#${pool[1]}` } }))).Item!;
    const { callbackUrl } = await sim<{ callbackUrl: string }>("config");
    await sim("config", { callbackUrl: null });
    await sim("join-group", { configId: seat1.configId, name: "回调丢失的顾客" });
    await sim("config", { callbackUrl });
    await sim("join-group", { configId: seat1.configId, name: "下一位顾客" });
    await platform.drain();
    const group1 = (await detail(id)).groups.find((g: { chatId: string }) => g.chatId === pool[1]);
    expect(group1.members).toBe(membersOf(pool[1]!));
    expect(group1.members).toBe(3);
    const seatAfter = (await platform.dynamo.send(new GetCommand({ TableName: platform.tableName("group-live-code"), Key: { pk: `LC#${id}`, sk: `seat#${pool[1]}` } }))).Item!;
    expect(seatAfter.members).toBe(3);
    expect(seatAfter.taken).toBeGreaterThanOrEqual(seatAfter.members);
    expect(/data-outcome="full"/.test(await (await fetch(`${platform.gatewayUrl}/g/${id}`)).text())).toBe(true);
  }, 60_000);
});

describe("the simulator", () => {
  it("saw no call WeCom would reject for a limit or frequency rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
