import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

type Join = { externalUserId: string; chatId: string; createdChatId: string | null; alreadyMember: boolean; callbackStatus: number | null };

async function setup() {
  s = await startSim();
  await s.ok("POST", "staff", { userId: "owner", name: "群主" });
  await s.ok("POST", "staff", { userId: "other", name: "别人" });
}

const group = async (name: string, owner = "owner") => (await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: owner, name })).chatId;

describe("group join ways", () => {
  it("routes scans to the first non-full group (200 for QR joins), then the next, then auto-creates base+serial", async () => {
    await setup();
    const g1 = await group("福利群1");
    const g2 = await group("福利群2");
    const way = await s.api("externalcontact/groupchat/add_join_way", {
      scene: 2,
      chat_id_list: [g1, g2],
      auto_create_room: 1,
      room_base_name: "福利群",
      room_base_id: 10,
      state: "live-0610",
    });
    expect(way.errcode).toBe(0);
    const landed = new Map<string, number>();
    let last: Join | undefined;
    // each group holds the owner + 199 customers = 200
    for (let i = 0; i < 199 * 2 + 1; i++) {
      last = await s.ok<Join>("POST", "join-group", { configId: way.config_id });
      landed.set(last.chatId, (landed.get(last.chatId) ?? 0) + 1);
    }
    expect(landed.get(g1)).toBe(199);
    expect(landed.get(g2)).toBe(199);
    const created = last?.createdChatId;
    expect(created).toBeTruthy();
    expect(last?.chatId).toBe(created);

    const info = await s.api("externalcontact/groupchat/get", { chat_id: created, need_name: 1 });
    expect(info.group_chat).toMatchObject({ name: "福利群10", owner: "owner" });
    expect(info.group_chat.member_list).toHaveLength(2);
    expect(info.group_chat.member_list[1]).toMatchObject({ userid: last?.externalUserId, type: 2, join_scene: 3, state: "live-0610" });

    const full = await s.api("externalcontact/groupchat/get", { chat_id: g1 });
    expect(full.group_chat.member_list).toHaveLength(200);

    const jw = await s.api("externalcontact/groupchat/get_join_way", { config_id: way.config_id });
    expect(jw.join_way.chat_id_list).toEqual([g1, g2, created]);

    // the new group holds owner + 1; 198 more fill it, and the next auto-created group gets the next serial
    for (let i = 0; i < 198; i++) expect((await s.ok<Join>("POST", "join-group", { configId: way.config_id })).chatId).toBe(created);
    const next = await s.ok<Join>("POST", "join-group", { configId: way.config_id });
    expect((await s.api("externalcontact/groupchat/get", { chat_id: next.createdChatId })).group_chat.name).toBe("福利群11");
  }, 60_000);

  it("without auto_create_room a full join way refuses the scan; a freed seat is reused", async () => {
    await setup();
    const g1 = await group("小群");
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [g1], auto_create_room: 0 });
    const members: string[] = [];
    for (let i = 0; i < 199; i++) members.push((await s.ok<Join>("POST", "join-group", { configId: way.config_id })).externalUserId);
    const refused = await s.world<{ error: string }>("POST", "join-group", { configId: way.config_id });
    expect(refused.status).toBe(409);
    await s.ok("POST", "leave-group", { chatId: g1, externalUserId: members[0] });
    expect((await s.ok<Join>("POST", "join-group", { configId: way.config_id })).chatId).toBe(g1);
    // the same customer scanning again is already in
    const again = await s.ok<Join>("POST", "join-group", { configId: way.config_id, externalUserId: members[1] });
    expect(again).toMatchObject({ chatId: g1, alreadyMember: true, callbackStatus: null });
  }, 30_000);

  it("sends change_external_chat create / update add_member / del_member with member versions matching groupchat/get", async () => {
    rx = await startReceiver();
    await setup();
    await s.ok("POST", "config", { callbackUrl: rx.url });
    const g1 = await group("群A");
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [g1], state: "s" });
    const j = await s.ok<Join>("POST", "join-group", { configId: way.config_id, name: "张三" });
    expect(j.callbackStatus).toBe(200);
    await s.ok("POST", "leave-group", { chatId: g1, externalUserId: j.externalUserId });

    const events = rx.received.map((r) => r.event);
    expect(events.map((e) => (e.kind === "change_external_chat" ? [e.changeType, e.chatId] : [e.kind]))).toEqual([
      ["create", g1],
      ["update", g1],
      ["update", g1],
    ]);
    const add = events[1]!;
    const del = events[2]!;
    if (add.kind !== "change_external_chat" || add.changeType !== "update") throw new Error("expected an update");
    if (del.kind !== "change_external_chat" || del.changeType !== "update") throw new Error("expected an update");
    expect(add).toMatchObject({ updateDetail: "add_member", joinScene: 3, memChangeCnt: 1, memChangeList: [j.externalUserId] });
    expect(del).toMatchObject({ updateDetail: "del_member", quitScene: 0, memChangeList: [j.externalUserId] });
    expect(del.lastMemVer).toBe(add.curMemVer);
    const now = await s.api("externalcontact/groupchat/get", { chat_id: g1 });
    expect(now.group_chat.member_version).toBe(del.curMemVer);
  });

  it("a burst of concurrent scans never routes a group past 200", async () => {
    await setup();
    const g1 = await group("爆满群");
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [g1], room_base_name: "爆满群", room_base_id: 2 });
    const joins = await Promise.all(Array.from({ length: 450 }, () => s.ok<Join>("POST", "join-group", { configId: way.config_id })));
    const byChat = new Map<string, number>();
    for (const j of joins) byChat.set(j.chatId, (byChat.get(j.chatId) ?? 0) + 1);
    const sizes: number[] = [];
    for (const chatId of byChat.keys()) sizes.push((await s.api("externalcontact/groupchat/get", { chat_id: chatId })).group_chat.member_list.length);
    expect(sizes).toEqual([200, 200, 53]); // owner + 199, owner + 199, owner + 52
  }, 60_000);

  it("join way rules: ≤5 chats (violation), state ≤30, full overwrite on update, get/del", async () => {
    await setup();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await group(`g${i}`));
    expect((await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: ids })).errcode).toBe(40058);
    expect((await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: ["wrNOPE"] })).errcode).toBe(40050);
    expect((await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: ids.slice(0, 1), state: "x".repeat(31) })).errcode).toBe(40058);
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: ids.slice(0, 5), remark: "r", state: "st" });
    expect(way.errcode).toBe(0);
    expect((await s.api("externalcontact/groupchat/update_join_way", { config_id: way.config_id, scene: 2, chat_id_list: [ids[5]] })).errcode).toBe(0);
    const got = await s.api("externalcontact/groupchat/get_join_way", { config_id: way.config_id });
    // full overwrite: remark and state were not sent, so they are now empty
    expect(got.join_way).toMatchObject({ chat_id_list: [ids[5]], remark: "", state: "", auto_create_room: 1 });
    expect(got.join_way.qr_code).toBe(`${s.sim.url}/_sim/qr/${way.config_id}.png`);
    expect((await s.api("externalcontact/groupchat/del_join_way", { config_id: way.config_id })).errcode).toBe(0);
    expect((await s.api("externalcontact/groupchat/get_join_way", { config_id: way.config_id })).errcode).toBe(41044);
    const v = await s.ok<{ violations: { rule: string }[] }>("GET", "violations");
    expect(v.violations.map((x) => x.rule)).toEqual(["join-way.max-5-chats", "join-way.state-30-chars"]);
  });

  it("group ownership transfer: resigned owner only for groupchat/transfer; on-job ≤ 2 per group per 90 days", async () => {
    rx = await startReceiver();
    await setup();
    await s.ok("POST", "config", { callbackUrl: rx.url });
    await s.ok("POST", "staff", { userId: "third", name: "第三" });
    const g = await group("交接群");
    const notResigned = await s.api("externalcontact/groupchat/transfer", { chat_id_list: [g, "wrNOPE"], new_owner: "other" });
    expect(notResigned.failed_chat_list.map((f: { errcode: number }) => f.errcode)).toEqual([90500, 40050]);

    const codes: number[][] = [];
    for (const to of ["other", "third", "owner"]) {
      const r = await s.api("externalcontact/groupchat/onjob_transfer", { chat_id_list: [g], new_owner: to });
      codes.push(r.failed_chat_list.map((f: { errcode: number }) => f.errcode));
    }
    expect(codes).toEqual([[], [], [45009]]);
    expect((await s.api("externalcontact/groupchat/get", { chat_id: g })).group_chat.owner).toBe("third");
    await expect.poll(() => rx?.received.filter((r) => r.event.kind === "change_external_chat" && r.event.changeType === "update").length).toBe(2);
    expect((await s.ok<{ violations: { rule: string }[] }>("GET", "violations")).violations.map((v) => v.rule)).toEqual([
      "groupchat.onjob-transfer-2-per-90-days",
    ]);
    s.clock.advance(90 * 86_400_000);
    expect((await s.api("externalcontact/groupchat/onjob_transfer", { chat_id_list: [g], new_owner: "owner" })).failed_chat_list).toEqual([]);

    await s.ok("POST", "staff-resigns", { userId: "owner" });
    const resigned = await s.api("externalcontact/groupchat/transfer", { chat_id_list: [g], new_owner: "other" });
    expect(resigned.failed_chat_list).toEqual([]);
  });

  it("group welcome templates: add, get, edit, del", async () => {
    await setup();
    const add = await s.api("externalcontact/group_welcome_template/add", { text: { content: "欢迎入群" }, link: { title: "福利", url: "https://e.x" } });
    expect(add.errcode).toBe(0);
    expect((await s.api("externalcontact/group_welcome_template/get", { template_id: add.template_id })).text).toEqual({ content: "欢迎入群" });
    expect((await s.api("externalcontact/group_welcome_template/edit", { template_id: add.template_id, text: { content: "新版" } })).errcode).toBe(0);
    const got = await s.api("externalcontact/group_welcome_template/get", { template_id: add.template_id });
    expect(got.text).toEqual({ content: "新版" });
    expect(got.link).toBeUndefined();
    expect((await s.api("externalcontact/group_welcome_template/add", { image: { media_id: "m" }, link: { title: "t", url: "u" } })).errcode).toBe(40058);
    expect((await s.api("externalcontact/group_welcome_template/del", { template_id: add.template_id })).errcode).toBe(0);
    expect((await s.api("externalcontact/group_welcome_template/get", { template_id: add.template_id })).errcode).toBe(40058);
  });

  it("group welcomes: no API binds a template to a group; once the owner picks it, every later joiner gets its current content", async () => {
    await setup();
    const g = await group("欢迎群");
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [g], auto_create_room: 0, state: "w" });
    const t = await s.api("externalcontact/group_welcome_template/add", { text: { content: "欢迎入群" }, notify: 0 });
    // before the owner picks it, joiners get nothing
    await s.ok("POST", "join-group", { configId: way.config_id });
    expect((await s.ok<{ deliveries: unknown[] }>("GET", "group-welcomes")).deliveries).toEqual([]);
    expect(await s.ok("POST", "group-welcome", { chatId: g, templateId: t.template_id })).toEqual({ chatId: g, templateId: t.template_id, by: "owner" });
    const first = await s.ok<Join>("POST", "join-group", { configId: way.config_id });
    await s.api("externalcontact/group_welcome_template/edit", { template_id: t.template_id, text: { content: "新版欢迎语" } });
    const second = await s.ok<Join>("POST", "join-group", { configId: way.config_id });
    const seen = await s.ok<{ bindings: unknown[]; deliveries: { externalUserId: string; content: { text: { content: string } } }[] }>("GET", "group-welcomes");
    expect(seen.bindings).toEqual([expect.objectContaining({ chatId: g, templateId: t.template_id })]);
    expect(seen.deliveries.map((d) => [d.externalUserId, d.content.text.content])).toEqual([
      [first.externalUserId, "欢迎入群"],
      [second.externalUserId, "新版欢迎语"],
    ]);
    // a deleted template greets nobody; an unknown one cannot be picked
    await s.api("externalcontact/group_welcome_template/del", { template_id: t.template_id });
    await s.ok("POST", "join-group", { configId: way.config_id });
    expect((await s.ok<{ deliveries: unknown[] }>("GET", "group-welcomes")).deliveries).toHaveLength(2);
    expect((await s.world("POST", "group-welcome", { chatId: g, templateId: "nope" })).status).toBe(404);
  });

  it("group welcome templates: text ≤ 3000 bytes (document 92366), ≤ 100 per corp (41055)", async () => {
    await setup();
    expect((await s.api("externalcontact/group_welcome_template/add", { text: { content: "a".repeat(3001) } })).errcode).toBe(40058);
    for (let i = 0; i < 100; i++) expect((await s.api("externalcontact/group_welcome_template/add", { text: { content: `t${i}` } })).errcode).toBe(0);
    expect((await s.api("externalcontact/group_welcome_template/add", { text: { content: "one too many" } })).errcode).toBe(41055);
  });

  it("groupchat/list filters by owner and pages", async () => {
    await setup();
    const a1 = await group("a1");
    const a2 = await group("a2");
    const b1 = await group("b1", "other");
    const all = await s.api("externalcontact/groupchat/list", { limit: 10 });
    expect(all.group_chat_list.map((g: { chat_id: string }) => g.chat_id)).toEqual([a1, a2, b1]);
    const p1 = await s.api("externalcontact/groupchat/list", { owner_filter: { userid_list: ["owner"] }, limit: 1 });
    expect(p1.group_chat_list).toEqual([{ chat_id: a1, status: 0 }]);
    const p2 = await s.api("externalcontact/groupchat/list", { owner_filter: { userid_list: ["owner"] }, limit: 1, cursor: p1.next_cursor });
    expect(p2.group_chat_list).toEqual([{ chat_id: a2, status: 0 }]);
    expect(p2.next_cursor).toBe("");
    expect((await s.api("externalcontact/groupchat/list", {})).errcode).toBe(40058);
  });
});
