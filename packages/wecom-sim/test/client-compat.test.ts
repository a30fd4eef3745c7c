import { TokenCache, WecomApiError, WecomClient } from "@siyu/wecom";
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

  it("uploads moment media as multipart and creates a moment task with it; the id is refused after 3 days", async () => {
    s = await startSim({ seed: "demo" });
    const client = new WecomClient({ corpId: CREDS.corpId, secret: CREDS.secret, baseUrl: s.sim.url, clock: s.clock, tokenCache: new TokenCache() });
    const bytes = new Uint8Array(256 * 1024).map((_, i) => i % 251);
    const image = await client.uploadAttachment("image", { filename: "海报.jpg", contentType: "image/jpeg", bytes });
    expect(image).toMatchObject({ type: "image", created_at: Math.floor(s.clock.now().getTime() / 1000) });
    const video = await client.uploadAttachment("video", { filename: "clip.mp4", contentType: "video/mp4", bytes: bytes.subarray(0, 1000) });
    const media = await s.ok<{ media: { mediaId: string; kind: string; filename: string; contentType: string; bytes: number }[] }>("GET", "media");
    expect(media.media.map((m) => [m.mediaId, m.kind, m.filename, m.contentType, m.bytes])).toEqual([
      [image.media_id, "image", "海报.jpg", "image/jpeg", bytes.length],
      [video.media_id, "video", "clip.mp4", "video/mp4", 1000],
    ]);

    const job = await client.addMomentTask({
      text: { content: "新品" },
      attachments: [{ msgtype: "image", image: { media_id: image.media_id } }],
      visible_range: { sender_list: { user_list: ["lina"] } },
    });
    await client.getMomentTaskResult(job.jobid);
    const done = await client.getMomentTaskResult(job.jobid);
    expect(done.result?.moment_id).toMatch(/^mom/);
    await client.addMomentTask({ attachments: [{ msgtype: "link", link: { title: "详情", url: "https://example.com", media_id: image.media_id } }] });
    await client.cancelMomentTask(done.result?.moment_id ?? "");
    expect((await s.ok<{ violations: unknown[] }>("GET", "violations")).violations).toEqual([]);

    s.clock.advance(3 * 86_400_000 + 1000);
    const late = await client.addMomentTask({ attachments: [{ msgtype: "video", video: { media_id: video.media_id } }] }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WecomApiError);
    expect((late as WecomApiError).errcode).toBe(40007);
    const v = await s.ok<{ violations: { rule: string }[] }>("GET", "violations");
    expect(v.violations.map((x) => x.rule)).toEqual(["moment.media-3-days"]);
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
