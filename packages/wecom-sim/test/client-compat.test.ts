import { TokenCache, WecomClient } from "@siyu/wecom";
import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, CREDS, type Sim, startSim } from "./support/harness.ts";

/**
 * The simulator's responses, read through @siyu/wecom's WecomClient: every response is parsed by the
 * client's own schemas, so a shape the client does not accept fails here.
 */
let s: Sim;
afterEach(closeStarted);

describe("WecomClient against the simulator", () => {
  it("makes exactly one gettoken call for 100 concurrent calls on a cold cache (the simulator's request log)", async () => {
    s = await startSim({ seed: "demo" });
    const client = new WecomClient({ corpId: CREDS.corpId, secret: CREDS.secret, baseUrl: s.sim.url, clock: s.clock, tokenCache: new TokenCache() });
    const results = await Promise.all(Array.from({ length: 100 }, () => client.getFollowUserList()));
    expect(results.every((r) => r.follow_user.length === 5)).toBe(true);
    const log = await s.ok<{ requests: { api: string }[] }>("GET", "requests");
    expect(log.requests.filter((r) => r.api === "gettoken")).toHaveLength(1);
    expect(log.requests.filter((r) => r.api === "externalcontact/get_follow_user_list")).toHaveLength(100);
  });

  it("covers a day of operations with one gettoken", async () => {
    s = await startSim({ seed: "demo" });
    const client = new WecomClient({ corpId: CREDS.corpId, secret: CREDS.secret, baseUrl: s.sim.url, clock: s.clock, tokenCache: new TokenCache() });

    const way = await client.addContactWay({ type: 2, scene: 2, user: ["lina", "chenjing"], state: "poster-c" });
    expect((await client.getContactWay(way.config_id)).contact_way.state).toBe("poster-c");
    expect((await client.listContactWay({ limit: 100 })).contact_way).toHaveLength(1);
    const scan = await s.ok<{ externalUserId: string; userId: string; welcomeCode: string }>("POST", "scan-contact-way", { configId: way.config_id, name: "客" });
    await client.sendWelcomeMsg({ welcome_code: scan.welcomeCode, text: { content: "欢迎" } });
    const detail = await client.getExternalContact(scan.externalUserId);
    expect(detail.follow_user[0]?.state).toBe("poster-c");
    expect((await client.batchGetByUser({ userid_list: [scan.userId], limit: 100 })).external_contact_list.length).toBeGreaterThan(0);
    expect((await client.listExternalContacts(scan.userId)).external_userid).toContain(scan.externalUserId);
    expect((await client.getFollowUserList()).follow_user).toHaveLength(5);

    const tags = await client.getCorpTagList();
    const tagId = tags.tag_group[0]?.tag[0]?.id ?? "";
    await client.markTag({ userid: scan.userId, external_userid: scan.externalUserId, add_tag: [tagId] });
    const added = await client.addCorpTag({ group_name: "活动", tag: [{ name: "双11" }] });
    expect(added.tag_group.tag).toHaveLength(1);

    const msg = await client.addMsgTemplate({ external_userid: [scan.externalUserId], text: { content: "上新" } });
    await s.ok("POST", "staff-confirm-broadcast", { msgId: msg.msgid, userId: scan.userId });
    expect((await client.getGroupMsgTask({ msgid: msg.msgid })).task_list[0]?.status).toBe(2);
    expect((await client.getGroupMsgSendResult({ msgid: msg.msgid, userid: scan.userId })).send_list[0]?.status).toBe(1);
    await client.remindGroupMsgSend(msg.msgid);

    const job = await client.addMomentTask({ text: { content: "朋友圈" }, visible_range: { sender_list: { user_list: ["lina"] } } });
    await client.getMomentTaskResult(job.jobid);
    const done = await client.getMomentTaskResult(job.jobid);
    expect(done.status).toBe(3);

    const chat = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "lina", name: "群" });
    const jw = await client.addJoinWay({ scene: 2, chat_id_list: [chat.chatId], state: "g" });
    await s.ok("POST", "join-group", { configId: jw.config_id });
    expect((await client.getJoinWay(jw.config_id)).join_way.chat_id_list).toEqual([chat.chatId]);
    expect((await client.getGroupChat(chat.chatId, true)).group_chat.member_list).toHaveLength(2);
    expect((await client.listGroupChats({ limit: 100 })).group_chat_list).toHaveLength(2);

    const day = Math.floor(Date.parse("2025-03-09T16:00:00Z") / 1000);
    expect((await client.getUserBehaviorData({ userid: [scan.userId], start_time: day, end_time: day })).behavior_data[0]?.new_contact_cnt).toBe(1);

    const t = await client.transferCustomer({ handover_userid: scan.userId, takeover_userid: "zhangwei", external_userid: [scan.externalUserId] });
    expect(t.customer[0]?.errcode).toBe(0);
    expect((await client.transferResult({ handover_userid: scan.userId, takeover_userid: "zhangwei" })).customer[0]?.status).toBe(2);
    expect((await client.sendAppMessage({ touser: "lina", msgtype: "text", agentid: Number(CREDS.agentId), text: { content: "提醒" } })).invaliduser).toBe("");

    const requests = await s.ok<{ requests: { api: string }[] }>("GET", "requests?api=gettoken");
    expect(requests.requests).toHaveLength(1);
    expect((await s.ok<{ violations: unknown[] }>("GET", "violations")).violations).toEqual([]);
  });
});
