import { afterEach, describe, expect, it } from "vitest";
import type { SimulatorOptions } from "../src/index.ts";
import { closeStarted, type Sim, startSim } from "./support/harness.ts";

let s: Sim;
afterEach(closeStarted);

type Violations = { violations: { api: string; errcode: number; rule: string; detail: Record<string, unknown> }[] };
type Confirm = { sent: string[]; capped: string[]; notFriend: string[] };

/** Members a and b; customers c[0..n) added to a through a contact way. */
async function world(opts: Partial<SimulatorOptions>, n = 3, start?: string) {
  s = await startSim(opts, start);
  await s.ok("POST", "staff", { userId: "a", name: "甲" });
  await s.ok("POST", "staff", { userId: "b", name: "乙" });
  const way = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["a"] });
  const c: string[] = [];
  for (let i = 0; i < n; i++) c.push((await s.ok<{ externalUserId: string }>("POST", "scan-contact-way", { configId: way.config_id, name: `c${i}` })).externalUserId);
  return c;
}

const send = (external_userid: string[], extra: Record<string, unknown> = {}) =>
  s.api("externalcontact/add_msg_template", { chat_type: "single", external_userid, text: { content: "春季上新" }, ...extra });

describe("mass messages", () => {
  it("creates one task per sender; nothing is delivered until the member confirms", async () => {
    const c = await world({});
    const m = await send([c[0]!, c[1]!, "wmNOBODY"]);
    expect(m.errcode).toBe(0);
    expect(m.fail_list).toEqual(["wmNOBODY"]);
    const task = await s.api("externalcontact/get_groupmsg_task", { msgid: m.msgid });
    expect(task.task_list).toEqual([{ userid: "a", status: 0 }]);
    const before = await s.api("externalcontact/get_groupmsg_send_result", { msgid: m.msgid, userid: "a" });
    expect(before.send_list.map((r: { status: number }) => r.status)).toEqual([0, 0]);

    s.clock.advance(60_000);
    expect(await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" })).toEqual({ sent: [c[0], c[1]], capped: [], notFriend: [] });
    const task2 = await s.api("externalcontact/get_groupmsg_task", { msgid: m.msgid });
    expect(task2.task_list).toEqual([{ userid: "a", status: 2, send_time: Math.floor(Date.parse("2025-03-10T02:01:00Z") / 1000) }]);
    const after = await s.api("externalcontact/get_groupmsg_send_result", { msgid: m.msgid, userid: "a" });
    expect(after.send_list).toEqual([
      { external_userid: c[0], userid: "a", status: 1, send_time: task2.task_list[0].send_time },
      { external_userid: c[1], userid: "a", status: 1, send_time: task2.task_list[0].send_time },
    ]);
    expect((await s.world("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" })).status).toBe(409);

    const list = await s.api("externalcontact/get_groupmsg_list_v2", {
      chat_type: "single",
      start_time: Math.floor(Date.parse("2025-03-01T00:00:00Z") / 1000),
      end_time: Math.floor(Date.parse("2025-03-20T00:00:00Z") / 1000),
    });
    expect(list.group_msg_list).toEqual([expect.objectContaining({ msgid: m.msgid, create_type: 0, text: { content: "春季上新" } })]);
    expect(list.group_msg_list[0].creator).toBeUndefined();
  });

  it("receive frequency 1/day: a capped customer is not delivered to (status 3) and the attempt is a violation", async () => {
    const c = await world({ receiveFrequency: "day" });
    const m1 = await send([c[0]!]);
    await s.ok("POST", "staff-confirm-broadcast", { msgId: m1.msgid, userId: "a" });

    // only capped receivers → 41048, recorded
    expect((await send([c[0]!])).errcode).toBe(41048);
    // a mix: the task is created, the capped one gets status 3 on confirm
    const m3 = await send([c[0]!, c[2]!]);
    expect(m3.errcode).toBe(0);
    expect(await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: m3.msgid, userId: "a" })).toEqual({ sent: [c[2]], capped: [c[0]], notFriend: [] });
    const result = await s.api("externalcontact/get_groupmsg_send_result", { msgid: m3.msgid, userid: "a" });
    expect(result.send_list.map((r: { external_userid: string; status: number }) => [r.external_userid, r.status])).toEqual([
      [c[0], 3],
      [c[2], 1],
    ]);

    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.rule, x.detail.externalUserId, x.detail.cap])).toEqual([
      ["externalcontact/add_msg_template", "mass.receive-frequency", c[0], 1],
      ["externalcontact/add_msg_template", "mass.receive-frequency", c[0], 1],
    ]);

    // the next corp day (Asia/Shanghai midnight = 16:00Z) the customer can receive again
    s.clock.set("2025-03-10T15:59:00Z");
    expect((await send([c[0]!])).errcode).toBe(41048);
    s.clock.set("2025-03-10T16:00:00Z");
    const next = await send([c[0]!]);
    expect(next.errcode).toBe(0);
    expect((await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: next.msgid, userId: "a" })).sent).toEqual([c[0]]);
  });

  it("default rule is days-in-month per natural month (28 in February 2025)", async () => {
    const c = await world({}, 1, "2025-02-01T02:00:00Z");
    for (let i = 0; i < 28; i++) {
      const m = await send([c[0]!]);
      expect(m.errcode).toBe(0);
      expect((await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" })).sent).toHaveLength(1);
      s.clock.advance(3_600_000);
    }
    const over = await send([c[0]!]);
    expect(over.errcode).toBe(41048);
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations).toHaveLength(1);
    expect(v.violations[0]?.detail).toMatchObject({ received: 28, cap: 28, period: "month:2025-02" });
    s.clock.set("2025-02-28T16:00:00Z"); // March 1st in Shanghai
    expect((await send([c[0]!])).errcode).toBe(0);
  });

  it("7/week counts Monday to Sunday; tasks confirmed over the cap are status 3", async () => {
    const c = await world({ receiveFrequency: "week" }, 1); // Monday 2025-03-10
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await send([c[0]!])).msgid);
    // created before any delivery, so all 8 tasks exist; the 8th confirmed one hits the cap
    const outcomes: Confirm[] = [];
    for (const id of ids) outcomes.push(await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: id, userId: "a" }));
    expect(outcomes.map((o) => o.sent.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(outcomes[7]?.capped).toEqual([c[0]]);
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.rule])).toEqual([["client:confirm-mass-message", "mass.receive-frequency"]]);
    s.clock.set("2025-03-16T15:59:00Z"); // Sunday 23:59 Shanghai
    expect((await send([c[0]!])).errcode).toBe(41048);
    s.clock.set("2025-03-16T16:00:00Z"); // Monday
    expect((await send([c[0]!])).errcode).toBe(0);
  });

  it("non-strict mode behaves the same but records nothing", async () => {
    const c = await world({ receiveFrequency: "day", strict: false });
    const m = await send([c[0]!]);
    await s.ok("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" });
    expect((await send([c[0]!])).errcode).toBe(41048);
    expect((await s.ok<Violations>("GET", "violations")).violations).toEqual([]);
  });

  it("remind_groupmsg_send allows 3 per message per 24 h; cancel stops unsent tasks", async () => {
    const c = await world({});
    const m = await send([c[0]!]);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await s.api("externalcontact/remind_groupmsg_send", { msgid: m.msgid })).errcode);
      s.clock.advance(3_600_000);
    }
    expect(codes).toEqual([0, 0, 0, 45009]);
    s.clock.advance(21 * 3_600_000); // the first reminder is now 25 h old
    expect((await s.api("externalcontact/remind_groupmsg_send", { msgid: m.msgid })).errcode).toBe(0);
    expect((await s.api("externalcontact/remind_groupmsg_send", { msgid: "nope" })).errcode).toBe(41047);
    expect((await s.ok<Violations>("GET", "violations")).violations.map((v) => v.rule)).toEqual(["mass.remind-3-per-24h"]);

    expect((await s.api("externalcontact/cancel_groupmsg_send", { msgid: m.msgid })).errcode).toBe(0);
    expect((await s.world("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" })).status).toBe(409);
  });

  it("a cancelled task stays unsent: get_groupmsg_task status 0, send result status 0, confirm 409, no delivery", async () => {
    const c = await world({ receiveFrequency: "day" });
    const m = await s.api("externalcontact/add_msg_template", { chat_type: "single", external_userid: [c[0], c[1]], text: { content: "x" } });
    expect((await s.api("externalcontact/cancel_groupmsg_send", { msgid: m.msgid })).errcode).toBe(0);
    const confirm = await s.world("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" });
    expect(confirm.status).toBe(409);
    expect(confirm.body).toMatchObject({ error: "the task was cancelled" });
    expect((await s.api("externalcontact/get_groupmsg_task", { msgid: m.msgid })).task_list).toEqual([{ userid: "a", status: 0 }]);
    const result = await s.api("externalcontact/get_groupmsg_send_result", { msgid: m.msgid, userid: "a" });
    expect(result.send_list).toEqual([
      { external_userid: c[0], userid: "a", status: 0 },
      { external_userid: c[1], userid: "a", status: 0 },
    ]);
    // nothing was delivered, so the 1/day quota is untouched
    const next = await send([c[0]!]);
    expect(next.errcode).toBe(0);
    expect((await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: next.msgid, userId: "a" })).sent).toEqual([c[0]]);
  });

  it("tag_filter: OR within a group, AND across groups; sender only = all of the sender's customers", async () => {
    const c = await world({});
    const g1 = await s.api("externalcontact/add_corp_tag", { group_name: "等级", tag: [{ name: "A" }, { name: "B" }] });
    const g2 = await s.api("externalcontact/add_corp_tag", { group_name: "兴趣", tag: [{ name: "X" }] });
    const [A, B] = g1.tag_group.tag.map((t: { id: string }) => t.id);
    const X = g2.tag_group.tag[0].id;
    await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c[0], add_tag: [A, X] });
    await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c[1], add_tag: [B] });
    await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c[2], add_tag: [A] });
    const targets = async (msgid: string) =>
      (await s.api("externalcontact/get_groupmsg_send_result", { msgid, userid: "a" })).send_list.map((r: { external_userid: string }) => r.external_userid);

    const both = await s.api("externalcontact/add_msg_template", { sender: "a", tag_filter: { group_list: [{ tag_list: [A, B] }, { tag_list: [X] }] }, text: { content: "x" } });
    expect(await targets(both.msgid)).toEqual([c[0]]);
    const either = await s.api("externalcontact/add_msg_template", { sender: "a", tag_filter: { group_list: [{ tag_list: [A, B] }] }, text: { content: "x" } });
    expect(await targets(either.msgid)).toEqual([c[0], c[1], c[2]]);
    const none = await s.api("externalcontact/add_msg_template", { sender: "b", text: { content: "x" } });
    expect(none.errcode).toBe(41048);
  });

  it("group mass messages: sender required, only the sender's groups, send result lists sent rows", async () => {
    const c = await world({});
    const g1 = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "a", name: "群1", externalUserIds: [c[0]] });
    const g2 = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "b", name: "群2" });
    expect((await s.api("externalcontact/add_msg_template", { chat_type: "group", text: { content: "x" } })).errcode).toBe(41009);
    const m = await s.api("externalcontact/add_msg_template", { chat_type: "group", sender: "a", chat_id_list: [g1.chatId, g2.chatId], text: { content: "x" } });
    expect(m.fail_list).toEqual([g2.chatId]);
    expect((await s.api("externalcontact/get_groupmsg_send_result", { msgid: m.msgid, userid: "a" })).send_list).toEqual([]);
    await s.ok("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" });
    const r = await s.api("externalcontact/get_groupmsg_send_result", { msgid: m.msgid, userid: "a" });
    expect(r.send_list).toEqual([expect.objectContaining({ chat_id: g1.chatId, userid: "a", status: 1 })]);
  });

  it("limits: >10,000 customers, >9 attachments, text >4000 bytes, list span >1 month", async () => {
    const c = await world({}, 1);
    const many = Array.from({ length: 10_001 }, (_, i) => `wm${i}`);
    expect((await send(many)).errcode).toBe(40058);
    expect((await send([c[0]!], { attachments: Array.from({ length: 10 }, () => ({ msgtype: "image", image: { media_id: "m" } })) })).errcode).toBe(40058);
    expect((await send([c[0]!], { text: { content: "a".repeat(4001) } })).errcode).toBe(40058);
    const span = await s.api("externalcontact/get_groupmsg_list_v2", { chat_type: "single", start_time: 0, end_time: 32 * 86_400 });
    expect(span.errcode).toBe(40058);
    expect((await s.ok<Violations>("GET", "violations")).violations.map((v) => v.rule)).toEqual([
      "mass.max-10000-customers",
      "mass.max-9-attachments",
      "mass.text-4000-bytes",
      "mass.list-span-1-month",
    ]);
  });
});

type Personal = Confirm & { msgId: string };
type ListRow = { msgid: string; creator?: string; create_type: number; text?: { content: string } };

const range = { start_time: Math.floor(Date.parse("2025-03-01T00:00:00Z") / 1000), end_time: Math.floor(Date.parse("2025-03-20T00:00:00Z") / 1000) };

describe("personal mass messages (POST /_sim/staff-personal-broadcast)", () => {
  it("creates a create_type 1 message already sent by the member; defaults to all of the member's customers", async () => {
    const c = await world({});
    s.clock.advance(60_000);
    const p = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", text: "我的新品" });
    expect(p).toEqual({ msgId: expect.any(String), sent: c, capped: [], notFriend: [] });
    const sendTime = Math.floor(Date.parse("2025-03-10T02:01:00Z") / 1000);

    const task = await s.api("externalcontact/get_groupmsg_task", { msgid: p.msgId });
    expect(task.task_list).toEqual([{ userid: "a", status: 2, send_time: sendTime }]);
    const result = await s.api("externalcontact/get_groupmsg_send_result", { msgid: p.msgId, userid: "a" });
    expect(result.send_list).toEqual(c.map((ext) => ({ external_userid: ext, userid: "a", status: 1, send_time: sendTime })));
    // already sent: the client has nothing left to confirm
    expect((await s.world("POST", "staff-confirm-broadcast", { msgId: p.msgId, userId: "a" })).status).toBe(409);
  });

  it("get_groupmsg_list_v2 returns it with creator and create_type 1 for filter_type 1 and 2, not 0", async () => {
    const c = await world({});
    const corp = await send([c[0]!]);
    const p = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", externalUserIds: [c[1]], text: "我的新品" });
    const list = async (extra: Record<string, unknown>) =>
      (await s.api("externalcontact/get_groupmsg_list_v2", { chat_type: "single", ...range, ...extra })).group_msg_list as ListRow[];

    const personal = expect.objectContaining({ msgid: p.msgId, creator: "a", create_type: 1, text: { content: "我的新品" } });
    expect(await list({ filter_type: 1 })).toEqual([personal]);
    expect(await list({ filter_type: 2 })).toEqual([expect.objectContaining({ msgid: corp.msgid, create_type: 0 }), personal]);
    expect(await list({})).toHaveLength(2); // filter_type defaults to 2
    expect((await list({ filter_type: 0 })).map((r) => r.msgid)).toEqual([corp.msgid]);
    expect(await list({ filter_type: 1, creator: "a" })).toEqual([personal]);
    expect(await list({ filter_type: 1, creator: "b" })).toEqual([]);
    // group messages are listed under chat_type group only
    expect(await list({ chat_type: "group", filter_type: 1 })).toEqual([]);
  });

  it("not the member's customer → status 2; deliveries consume quota; capped → status 3 with no violation", async () => {
    const c = await world({ receiveFrequency: "day" });
    await s.ok("POST", "customer-deletes-staff", { externalUserId: c[2], userId: "a" });
    const p1 = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", externalUserIds: [c[0], c[2], "wmNOBODY", c[0]] });
    expect(p1).toMatchObject({ sent: [c[0]], capped: [], notFriend: [c[2], "wmNOBODY"] });
    const r1 = await s.api("externalcontact/get_groupmsg_send_result", { msgid: p1.msgId, userid: "a" });
    expect(r1.send_list.map((r: { external_userid: string; status: number }) => [r.external_userid, r.status])).toEqual([
      [c[0], 1],
      [c[2], 2],
      ["wmNOBODY", 2],
    ]);

    // the personal delivery used c0's 1/day quota: a corp message to c0 alone is now refused (and that is Siyu's violation)
    expect((await send([c[0]!])).errcode).toBe(41048);
    // a second personal send the same day: c0 capped (status 3), c1 delivered, no violation for the personal send
    const p2 = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", externalUserIds: [c[0], c[1]] });
    expect(p2).toMatchObject({ sent: [c[1]], capped: [c[0]], notFriend: [] });
    const r2 = await s.api("externalcontact/get_groupmsg_send_result", { msgid: p2.msgId, userid: "a" });
    expect(r2.send_list.map((r: { status: number }) => r.status)).toEqual([3, 1]);
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.detail.msgid])).toEqual([["externalcontact/add_msg_template", expect.any(String)]]);
    expect(v.violations.some((x) => x.detail.msgid === p1.msgId || x.detail.msgid === p2.msgId)).toBe(false);

    // and a corp task confirmed after a personal send hits the cap as usual (that one is a violation)
    s.clock.set("2025-03-10T16:00:00Z"); // next day in Shanghai
    const corp = await send([c[1]!]);
    await s.ok("POST", "staff-personal-broadcast", { userId: "a", externalUserIds: [c[1]] });
    expect(await s.ok<Confirm>("POST", "staff-confirm-broadcast", { msgId: corp.msgid, userId: "a" })).toEqual({ sent: [], capped: [c[1]], notFriend: [] });
    const v2 = await s.ok<Violations>("GET", "violations");
    expect(v2.violations.map((x) => [x.api, x.detail.msgid])).toEqual([
      ["externalcontact/add_msg_template", expect.any(String)],
      ["client:confirm-mass-message", corp.msgid],
    ]);
  });

  it("chatIds: a group message to the member's own groups; a group not owned (or dismissed) is status 2", async () => {
    const c = await world({ receiveFrequency: "day" });
    const g1 = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "a", name: "群1", externalUserIds: [c[0]] });
    const g2 = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "b", name: "群2" });
    const g3 = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "a", name: "群3" });
    await s.ok("POST", "dismiss-group", { chatId: g3.chatId });

    const p = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", chatIds: [g1.chatId, g2.chatId, g3.chatId], text: "群发" });
    expect(p).toMatchObject({ sent: [g1.chatId], capped: [], notFriend: [g2.chatId, g3.chatId] });
    const r = await s.api("externalcontact/get_groupmsg_send_result", { msgid: p.msgId, userid: "a" });
    expect(r.send_list).toEqual([expect.objectContaining({ chat_id: g1.chatId, userid: "a", status: 1 })]);
    const list = await s.api("externalcontact/get_groupmsg_list_v2", { chat_type: "group", filter_type: 1, ...range });
    expect(list.group_msg_list).toEqual([expect.objectContaining({ msgid: p.msgId, creator: "a", create_type: 1 })]);

    // chatIds: [] = every group the member owns; g1 is now at its 1/day cap
    const all = await s.ok<Personal>("POST", "staff-personal-broadcast", { userId: "a", chatIds: [] });
    expect(all).toMatchObject({ sent: [], capped: [g1.chatId], notFriend: [] });
    expect((await s.ok<Violations>("GET", "violations")).violations).toEqual([]);
  });

  it("refuses an unknown member (404), a resigned one or one without customers (409), and both target kinds (400)", async () => {
    const c = await world({}, 1);
    expect((await s.world("POST", "staff-personal-broadcast", { userId: "nobody" })).status).toBe(404);
    expect((await s.world("POST", "staff-personal-broadcast", { userId: "b" })).status).toBe(409);
    expect((await s.world("POST", "staff-personal-broadcast", { userId: "a", externalUserIds: [c[0]], chatIds: [] })).status).toBe(400);
    expect((await s.world("POST", "staff-personal-broadcast", {})).status).toBe(400);
    await s.ok("POST", "staff-resigns", { userId: "a" });
    expect((await s.world("POST", "staff-personal-broadcast", { userId: "a" })).status).toBe(409);
  });
});
