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
