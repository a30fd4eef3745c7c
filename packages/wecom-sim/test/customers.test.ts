import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

describe("demo seed, customers, tags, members, app messages", () => {
  it("seed 'demo' has 5 members, 3 tag groups, 10 customers (stable ids) and one group", async () => {
    s = await startSim({ seed: "demo" });
    const follow = await s.api("externalcontact/get_follow_user_list");
    expect(follow.follow_user).toEqual(["zhangwei", "wangfang", "lina", "liuyang", "chenjing"]);
    const user = await s.api("user/get", undefined, { userid: "zhangwei" });
    expect(user).toMatchObject({ errcode: 0, userid: "zhangwei", name: "张伟", status: 1 });
    const tags = await s.api("externalcontact/get_corp_tag_list", {});
    expect(tags.tag_group.map((g: { group_name: string; tag: unknown[] }) => [g.group_name, g.tag.length])).toEqual([
      ["客户等级", 2],
      ["来源渠道", 3],
      ["兴趣", 3],
    ]);
    const batch = await s.api("externalcontact/batch/get_by_user", { userid_list: ["zhangwei", "wangfang", "lina", "liuyang", "chenjing"], limit: 100 });
    const customers = new Set(batch.external_contact_list.map((r: { external_contact: { external_userid: string } }) => r.external_contact.external_userid));
    expect(customers.size).toBe(10);
    expect(batch.external_contact_list).toHaveLength(12); // two customers follow two members
    const groups = await s.api("externalcontact/groupchat/list", { limit: 100 });
    expect(groups.group_chat_list).toHaveLength(1);

    // same ids on every start, whatever `random` is
    const again = await startSim({ seed: "demo", random: () => 0.5 });
    const batch2 = await again.api("externalcontact/batch/get_by_user", { userid_list: ["zhangwei"], limit: 100 });
    expect(batch2.external_contact_list.map((r: { external_contact: { external_userid: string } }) => r.external_contact.external_userid)).toEqual(
      batch.external_contact_list.slice(0, 3).map((r: { external_contact: { external_userid: string } }) => r.external_contact.external_userid),
    );
    await again.close();
  });

  it("externalcontact/get shows every follow user with corp tags; list, batch paging and limits", async () => {
    s = await startSim({ seed: "demo" });
    const list = await s.api("externalcontact/list", undefined, { userid: "zhangwei" });
    expect(list.external_userid).toHaveLength(3);
    const jiang = list.external_userid[2];
    const detail = await s.api("externalcontact/get", undefined, { external_userid: jiang });
    expect(detail.external_contact.name).toBe("蒋琳");
    expect(detail.follow_user.map((f: { userid: string }) => f.userid).sort()).toEqual(["chenjing", "zhangwei"]);
    const zw = detail.follow_user.find((f: { userid: string }) => f.userid === "zhangwei");
    expect(zw).toMatchObject({ state: "live-0601", add_way: 1 });
    expect(zw.tags).toEqual([{ group_name: "来源渠道", tag_name: "直播", tag_id: expect.any(String), type: 1 }]);

    const p1 = await s.api("externalcontact/batch/get_by_user", { userid_list: ["zhangwei"], limit: 2 });
    expect(p1.external_contact_list).toHaveLength(2);
    const p2 = await s.api("externalcontact/batch/get_by_user", { userid_list: ["zhangwei"], limit: 2, cursor: p1.next_cursor });
    expect(p2.external_contact_list).toHaveLength(1);
    expect(p2.next_cursor).toBe("");
    expect(p2.external_contact_list[0].follow_info.tag_id).toEqual([zw.tags[0].tag_id]);

    expect((await s.api("externalcontact/batch/get_by_user", { userid_list: ["zhangwei"], limit: 101 })).errcode).toBe(40058);
    expect((await s.api("externalcontact/batch/get_by_user", { userid_list: Array(101).fill("zhangwei") })).errcode).toBe(40032);
    expect((await s.api("externalcontact/get", undefined, { external_userid: "wmNOPE" })).errcode).toBe(40096);
    expect((await s.api("externalcontact/list", undefined, { userid: "nobody" })).errcode).toBe(60111);
  });

  it("corp tags: add (into existing group by name, no duplicates), edit, mark_tag, delete (empty group goes)", async () => {
    s = await startSim();
    await s.ok("POST", "staff", { userId: "a", name: "甲" });
    const c = (await s.ok<{ externalUserId: string }>("POST", "customers", { name: "c" })).externalUserId;
    await s.ok("POST", "staff-adds-customer", { userId: "a", externalUserId: c });
    const g = await s.api("externalcontact/add_corp_tag", { group_name: "等级", tag: [{ name: "金" }, { name: "银" }, { name: "金" }] });
    expect(g.tag_group.tag.map((t: { name: string }) => t.name)).toEqual(["金", "银"]);
    const more = await s.api("externalcontact/add_corp_tag", { group_name: "等级", tag: [{ name: "银" }, { name: "铜" }] });
    expect(more.tag_group.group_id).toBe(g.tag_group.group_id);
    const [gold, silver] = g.tag_group.tag.map((t: { id: string }) => t.id);
    expect((await s.api("externalcontact/edit_corp_tag", { id: gold, name: "黄金" })).errcode).toBe(0);
    expect((await s.api("externalcontact/edit_corp_tag", { id: gold, name: "银" })).errcode).toBe(40071);
    expect((await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c, add_tag: [gold, silver] })).errcode).toBe(0);
    expect((await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c, add_tag: ["etNOPE"] })).errcode).toBe(40068);
    expect((await s.api("externalcontact/mark_tag", { userid: "a", external_userid: c })).errcode).toBe(40063);
    const detail = await s.api("externalcontact/get", undefined, { external_userid: c });
    expect(detail.follow_user[0].tags.map((t: { tag_name: string }) => t.tag_name).sort()).toEqual(["银", "黄金"]);

    expect((await s.api("externalcontact/del_corp_tag", { tag_id: [gold] })).errcode).toBe(0);
    const after = await s.api("externalcontact/get", undefined, { external_userid: c });
    expect(after.follow_user[0].tags.map((t: { tag_name: string }) => t.tag_name)).toEqual(["银"]);
    const all = (await s.api("externalcontact/get_corp_tag_list", {})).tag_group[0].tag.map((t: { id: string }) => t.id);
    await s.api("externalcontact/del_corp_tag", { tag_id: all });
    expect((await s.api("externalcontact/get_corp_tag_list", {})).tag_group).toEqual([]);
  });

  it("≤3000 corp tags per corp (40126, recorded)", async () => {
    s = await startSim();
    for (let g = 0; g < 3; g++) {
      const tag = Array.from({ length: 1000 }, (_, i) => ({ name: `t${g}-${i}` }));
      expect((await s.api("externalcontact/add_corp_tag", { group_name: `g${g}`, tag })).errcode).toBe(0);
    }
    expect((await s.api("externalcontact/add_corp_tag", { group_name: "g0", tag: [{ name: "t0-1" }] })).errcode).toBe(0); // existing: nothing new
    expect((await s.api("externalcontact/add_corp_tag", { group_name: "g3", tag: [{ name: "one-too-many" }] })).errcode).toBe(40126);
    const v = await s.ok<{ violations: { rule: string; errcode: number }[] }>("GET", "violations");
    expect(v.violations).toEqual([expect.objectContaining({ rule: "tags.corp-max-3000", errcode: 40126 })]);
  });

  it("a console-made tag sends change_external_tag; staff edits send edit_external_contact", async () => {
    rx = await startReceiver();
    s = await startSim({ seed: "demo", callbackUrl: rx.url });
    const t = await s.ok<{ tagId: string; callbackStatus: number }>("POST", "console-tag", { groupName: "兴趣", tagName: "彩妆" });
    expect(t.callbackStatus).toBe(200);
    expect(rx.received[0]?.event).toMatchObject({ kind: "change_external_tag", changeType: "create", id: t.tagId, tagType: "tag" });
    const list = await s.api("externalcontact/list", undefined, { userid: "lina" });
    await s.ok("POST", "staff-edits-customer", { userId: "lina", externalUserId: list.external_userid[0], addTagIds: [t.tagId] });
    expect(rx.received[1]?.event).toMatchObject({ changeType: "edit_external_contact", userId: "lina", externalUserId: list.external_userid[0] });
  });

  it("message/send records app messages; unknown users come back in invaliduser; ≤30 per member per minute", async () => {
    s = await startSim({ seed: "demo" });
    const r = await s.api("message/send", { touser: "lina|ghost", msgtype: "text", agentid: 1000002, text: { content: "有客户流失" } });
    expect(r).toMatchObject({ errcode: 0, invaliduser: "ghost" });
    expect((await s.api("message/send", { touser: "lina", msgtype: "text", agentid: 9, text: { content: "x" } })).errcode).toBe(40056);
    const log = await s.ok<{ appMessages: { touser: string[]; body: { text: { content: string } } }[] }>("GET", "app-messages");
    expect(log.appMessages).toEqual([expect.objectContaining({ touser: ["lina"], msgtype: "text", body: { text: { content: "有客户流失" } } })]);
    for (let i = 0; i < 29; i++) await s.api("message/send", { touser: "lina", msgtype: "text", agentid: 1000002, text: { content: `${i}` } });
    expect((await s.api("message/send", { touser: "lina", msgtype: "text", agentid: 1000002, text: { content: "31st" } })).errcode).toBe(45009);
  });

  it("reset forgets state and logs", async () => {
    s = await startSim({ seed: "demo" });
    await s.ok("POST", "customers", { name: "temp" });
    await s.ok("POST", "clock", { advanceMs: 5000 });
    await s.ok("POST", "reset", { seed: "empty" });
    expect((await s.ok<{ staff: unknown[]; customers: unknown[] }>("GET", "state")).staff).toEqual([]);
    expect((await s.ok<{ offsetMs: number }>("GET", "clock")).offsetMs).toBe(0);
    await s.ok("POST", "reset", {});
    expect((await s.ok<{ customers: unknown[] }>("GET", "state")).customers).toHaveLength(10);
  });
});
