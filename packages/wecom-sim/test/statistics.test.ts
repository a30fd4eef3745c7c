import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Sim, startSim } from "./support/harness.ts";

let s: Sim;
afterEach(closeStarted);

// 2025-03-10 starts at 2025-03-09T16:00:00Z in Asia/Shanghai
const DAY0 = Date.parse("2025-03-09T16:00:00Z") / 1000;
const DAY1 = DAY0 + 86_400;

describe("statistics derived from the world's activity", () => {
  it("get_user_behavior_data: daily buckets of new contacts, messages and deletions per member", async () => {
    s = await startSim();
    await s.ok("POST", "staff", { userId: "a", name: "甲" });
    await s.ok("POST", "staff", { userId: "b", name: "乙" });
    const way = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["a"] });
    const scans: { externalUserId: string; welcomeCode: string }[] = [];
    for (let i = 0; i < 3; i++) scans.push(await s.ok("POST", "scan-contact-way", { configId: way.config_id, name: `c${i}` }));
    await s.api("externalcontact/send_welcome_msg", { welcome_code: scans[0]?.welcomeCode, text: { content: "hi" } });
    await s.ok("POST", "customer-deletes-staff", { externalUserId: scans[1]?.externalUserId, userId: "a" });
    await s.ok("POST", "clock", { advanceMs: 86_400_000 });
    await s.ok("POST", "scan-contact-way", { configId: way.config_id, name: "c3" });

    const a = await s.api("externalcontact/get_user_behavior_data", { userid: ["a"], start_time: DAY0 + 100, end_time: DAY1 + 100 });
    expect(a.errcode).toBe(0);
    expect(a.behavior_data).toEqual([
      { stat_time: DAY0, new_apply_cnt: 0, new_contact_cnt: 3, chat_cnt: 1, message_cnt: 1, negative_feedback_cnt: 1 },
      { stat_time: DAY1, new_apply_cnt: 0, new_contact_cnt: 1, chat_cnt: 0, message_cnt: 0, negative_feedback_cnt: 0 },
    ]);
    const b = await s.api("externalcontact/get_user_behavior_data", { userid: ["b"], start_time: DAY0, end_time: DAY0 });
    expect(b.behavior_data).toEqual([{ stat_time: DAY0, new_apply_cnt: 0, new_contact_cnt: 0, chat_cnt: 0, message_cnt: 0, negative_feedback_cnt: 0 }]);

    const tooLong = await s.api("externalcontact/get_user_behavior_data", { userid: ["a"], start_time: DAY1 - 31 * 86_400, end_time: DAY1 });
    expect(tooLong.errcode).toBe(40058);
    const tooOld = await s.api("externalcontact/get_user_behavior_data", { userid: ["a"], start_time: DAY1 - 181 * 86_400, end_time: DAY1 - 170 * 86_400 });
    expect(tooOld.errcode).toBe(40058);
    const v = await s.ok<{ violations: { rule: string }[] }>("GET", "violations");
    expect(v.violations.map((x) => x.rule)).toEqual(["stats.behavior.span-30-days", "stats.behavior.last-180-days"]);
  });

  it("groupchat/statistic and statistic_group_by_day: per owner, up to yesterday", async () => {
    s = await startSim();
    await s.ok("POST", "staff", { userId: "a", name: "甲" });
    await s.ok("POST", "staff", { userId: "b", name: "乙" });
    const c0 = (await s.ok<{ externalUserId: string }>("POST", "customers", { name: "c0" })).externalUserId;
    const g = (await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "a", name: "群", externalUserIds: [c0] })).chatId;
    await s.ok("POST", "groups", { ownerUserId: "b", name: "乙的群" });
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [g] });
    const j1 = await s.ok<{ externalUserId: string }>("POST", "join-group", { configId: way.config_id });
    await s.ok("POST", "join-group", { configId: way.config_id });
    await s.ok("POST", "leave-group", { chatId: g, externalUserId: j1.externalUserId });
    const m = await s.api("externalcontact/add_msg_template", { chat_type: "group", sender: "a", text: { content: "群发" } });
    await s.ok("POST", "staff-confirm-broadcast", { msgId: m.msgid, userId: "a" });

    // today's numbers are not served yet
    expect((await s.api("externalcontact/groupchat/statistic", { day_begin_time: DAY0, owner_filter: { userid_list: ["a"] } })).errcode).toBe(40058);
    s.clock.advance(86_400_000);
    const stat = await s.api("externalcontact/groupchat/statistic", { day_begin_time: DAY0, owner_filter: { userid_list: ["a", "b"] }, order_by: 4 });
    expect(stat.total).toBe(2);
    expect(stat.items[0]).toEqual({
      owner: "a",
      data: { new_chat_cnt: 1, chat_total: 1, chat_has_msg: 1, new_member_cnt: 2, member_total: 3, member_has_msg: 0, msg_total: 1 },
    });
    expect(stat.items[1]).toMatchObject({ owner: "b", data: { new_chat_cnt: 1, member_total: 1 } });

    const byDay = await s.api("externalcontact/groupchat/statistic_group_by_day", { day_begin_time: DAY0, day_end_time: DAY0, owner_filter: { userid_list: ["a"] } });
    expect(byDay.items).toEqual([{ stat_time: DAY0, data: expect.objectContaining({ new_member_cnt: 2, member_total: 3 }) }]);
  });
});
