import { ManualClock } from "@siyu/kernel";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  WECOM_LIMITS as L,
  type MessageAttachment,
  type MomentAttachment,
  TokenCache,
  WecomClient,
  WecomLimitError,
  WecomValidationError,
} from "../src/index.ts";
import { type FakeWecom, startFakeWecom } from "./support/fake-wecom.ts";

// Minimal valid success bodies for APIs whose response has required fields.
const RESPONSES: Record<string, Record<string, unknown>> = {
  "externalcontact/add_contact_way": { config_id: "cfg1", qr_code: "https://qr" },
  "externalcontact/get_contact_way": { contact_way: { config_id: "cfg1", type: 1, user: ["u1"], state: "ch1" } },
  "externalcontact/get": {
    external_contact: { external_userid: "wm1", name: "Ann", type: 1 },
    follow_user: [{ userid: "u1", createtime: "1700000000", tags: [{ group_name: "g", tag_name: "t", tag_id: "et1", type: 1 }], state: "ch1", add_way: 1 }],
  },
  "externalcontact/batch/get_by_user": {
    external_contact_list: [{ external_contact: { external_userid: "wm1" }, follow_info: { userid: "u1", tag_id: ["et1"] } }],
    next_cursor: "c2",
  },
  "externalcontact/add_corp_tag": { tag_group: { group_id: "g1", group_name: "G", tag: [{ id: "et1", name: "t" }] } },
  "externalcontact/add_msg_template": { msgid: "msg1", fail_list: ["wm9"] },
  "externalcontact/add_moment_task": { jobid: "job1" },
  "externalcontact/get_moment_task_result": { status: 3, type: "add_moment_task", result: { errcode: 0, moment_id: "mom1" } },
  "externalcontact/groupchat/add_join_way": { config_id: "jw1" },
  "externalcontact/groupchat/get_join_way": { join_way: { config_id: "jw1", chat_id_list: ["wr1"], state: "s" } },
  "externalcontact/groupchat/get": {
    group_chat: { chat_id: "wr1", owner: "u1", member_list: [{ userid: "wm1", type: 2, join_scene: 3, join_time: 1700000000 }], member_version: "v1" },
  },
  "externalcontact/group_welcome_template/add": { template_id: "tpl1" },
};

let fake: FakeWecom;
let client: WecomClient;
const clock = new ManualClock("2025-06-01T00:00:00Z");
const NOW = Math.floor(clock.now().getTime() / 1000);
const DAY = 86_400;

beforeAll(async () => {
  fake = await startFakeWecom((req) => (req.api in RESPONSES ? { errcode: 0, errmsg: "ok", ...RESPONSES[req.api] } : undefined));
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  client = new WecomClient({ baseUrl: fake.baseUrl, corpId: "wwcorp", secret: "sec", clock, tokenCache: new TokenCache() });
});

const apiCalls = () => fake.requests.filter((r) => r.api !== "gettoken");
const last = () => apiCalls().at(-1)!;
const ids = (n: number, p = "id") => Array.from({ length: n }, (_, i) => `${p}${i}`);
const img = (n: number): MessageAttachment[] => Array.from({ length: n }, (_, i) => ({ msgtype: "image", image: { media_id: `m${i}` } }));

describe("endpoints: path, method and payload", () => {
  const cases: [string, string, "GET" | "POST", (c: WecomClient) => Promise<unknown>, Record<string, unknown> | undefined][] = [
    ["add_contact_way", "externalcontact/add_contact_way", "POST", (c) => c.addContactWay({ type: 1, scene: 2, user: ["u1"], state: "ch1" }), { type: 1, scene: 2, user: ["u1"], state: "ch1" }],
    ["get_contact_way", "externalcontact/get_contact_way", "POST", (c) => c.getContactWay("cfg1"), { config_id: "cfg1" }],
    ["list_contact_way", "externalcontact/list_contact_way", "POST", (c) => c.listContactWay({ limit: 1000 }), { limit: 1000 }],
    ["update_contact_way", "externalcontact/update_contact_way", "POST", (c) => c.updateContactWay({ config_id: "cfg1", user: ["u1", "u2"] }), { config_id: "cfg1", user: ["u1", "u2"] }],
    ["del_contact_way", "externalcontact/del_contact_way", "POST", (c) => c.delContactWay("cfg1"), { config_id: "cfg1" }],
    ["close_temp_chat", "externalcontact/close_temp_chat", "POST", (c) => c.closeTempChat("u1", "wm1"), { userid: "u1", external_userid: "wm1" }],
    ["send_welcome_msg", "externalcontact/send_welcome_msg", "POST", (c) => c.sendWelcomeMsg({ welcome_code: "W", text: { content: "hi" } }), { welcome_code: "W", text: { content: "hi" } }],
    ["group_welcome_template/add", "externalcontact/group_welcome_template/add", "POST", (c) => c.addGroupWelcomeTemplate({ text: { content: "hi" } }), { text: { content: "hi" } }],
    ["group_welcome_template/edit", "externalcontact/group_welcome_template/edit", "POST", (c) => c.editGroupWelcomeTemplate("tpl1", { text: { content: "x" } }), { template_id: "tpl1", text: { content: "x" } }],
    ["group_welcome_template/get", "externalcontact/group_welcome_template/get", "POST", (c) => c.getGroupWelcomeTemplate("tpl1"), { template_id: "tpl1" }],
    ["group_welcome_template/del", "externalcontact/group_welcome_template/del", "POST", (c) => c.delGroupWelcomeTemplate("tpl1"), { template_id: "tpl1" }],
    ["get", "externalcontact/get", "GET", (c) => c.getExternalContact("wm1"), undefined],
    ["batch/get_by_user", "externalcontact/batch/get_by_user", "POST", (c) => c.batchGetByUser({ userid_list: ["u1"], limit: 100 }), { userid_list: ["u1"], limit: 100 }],
    ["list", "externalcontact/list", "GET", (c) => c.listExternalContacts("u1"), undefined],
    ["get_follow_user_list", "externalcontact/get_follow_user_list", "GET", (c) => c.getFollowUserList(), undefined],
    ["remark", "externalcontact/remark", "POST", (c) => c.remark({ userid: "u1", external_userid: "wm1", remark: "VIP" }), { userid: "u1", external_userid: "wm1", remark: "VIP" }],
    ["get_corp_tag_list", "externalcontact/get_corp_tag_list", "POST", (c) => c.getCorpTagList({ group_id: ["g1"] }), { group_id: ["g1"] }],
    ["add_corp_tag", "externalcontact/add_corp_tag", "POST", (c) => c.addCorpTag({ group_name: "G", tag: [{ name: "t" }] }), { group_name: "G", tag: [{ name: "t" }] }],
    ["edit_corp_tag", "externalcontact/edit_corp_tag", "POST", (c) => c.editCorpTag({ id: "et1", name: "n" }), { id: "et1", name: "n" }],
    ["del_corp_tag", "externalcontact/del_corp_tag", "POST", (c) => c.delCorpTag({ tag_id: ["et1"] }), { tag_id: ["et1"] }],
    ["mark_tag", "externalcontact/mark_tag", "POST", (c) => c.markTag({ userid: "u1", external_userid: "wm1", add_tag: ["et1"] }), { userid: "u1", external_userid: "wm1", add_tag: ["et1"] }],
    ["add_msg_template", "externalcontact/add_msg_template", "POST", (c) => c.addMsgTemplate({ external_userid: ["wm1"], text: { content: "hi" } }), { external_userid: ["wm1"], text: { content: "hi" } }],
    ["get_groupmsg_list_v2", "externalcontact/get_groupmsg_list_v2", "POST", (c) => c.getGroupMsgListV2({ chat_type: "single", start_time: NOW - DAY, end_time: NOW }), { chat_type: "single", start_time: NOW - DAY, end_time: NOW }],
    ["get_groupmsg_task", "externalcontact/get_groupmsg_task", "POST", (c) => c.getGroupMsgTask({ msgid: "msg1" }), { msgid: "msg1" }],
    ["get_groupmsg_send_result", "externalcontact/get_groupmsg_send_result", "POST", (c) => c.getGroupMsgSendResult({ msgid: "msg1", userid: "u1" }), { msgid: "msg1", userid: "u1" }],
    ["remind_groupmsg_send", "externalcontact/remind_groupmsg_send", "POST", (c) => c.remindGroupMsgSend("msg1"), { msgid: "msg1" }],
    ["cancel_groupmsg_send", "externalcontact/cancel_groupmsg_send", "POST", (c) => c.cancelGroupMsgSend("msg1"), { msgid: "msg1" }],
    ["add_moment_task", "externalcontact/add_moment_task", "POST", (c) => c.addMomentTask({ text: { content: "post" } }), { text: { content: "post" } }],
    ["get_moment_task_result", "externalcontact/get_moment_task_result", "GET", (c) => c.getMomentTaskResult("job1"), undefined],
    ["cancel_moment_task", "externalcontact/cancel_moment_task", "POST", (c) => c.cancelMomentTask("mom1"), { moment_id: "mom1" }],
    ["get_moment_list", "externalcontact/get_moment_list", "POST", (c) => c.getMomentList({ start_time: NOW - DAY, end_time: NOW, limit: 20 }), { start_time: NOW - DAY, end_time: NOW, limit: 20 }],
    ["get_moment_task", "externalcontact/get_moment_task", "POST", (c) => c.getMomentTask({ moment_id: "mom1" }), { moment_id: "mom1" }],
    ["get_moment_customer_list", "externalcontact/get_moment_customer_list", "POST", (c) => c.getMomentCustomerList({ moment_id: "mom1", userid: "u1" }), { moment_id: "mom1", userid: "u1" }],
    ["get_moment_send_result", "externalcontact/get_moment_send_result", "POST", (c) => c.getMomentSendResult({ moment_id: "mom1", userid: "u1", limit: 5000 }), { moment_id: "mom1", userid: "u1", limit: 5000 }],
    ["get_moment_comments", "externalcontact/get_moment_comments", "POST", (c) => c.getMomentComments("mom1", "u1"), { moment_id: "mom1", userid: "u1" }],
    ["add_join_way", "externalcontact/groupchat/add_join_way", "POST", (c) => c.addJoinWay({ scene: 2, chat_id_list: ["wr1"], state: "s" }), { scene: 2, chat_id_list: ["wr1"], state: "s" }],
    ["get_join_way", "externalcontact/groupchat/get_join_way", "POST", (c) => c.getJoinWay("jw1"), { config_id: "jw1" }],
    ["update_join_way", "externalcontact/groupchat/update_join_way", "POST", (c) => c.updateJoinWay({ config_id: "jw1", scene: 2, chat_id_list: ["wr2"] }), { config_id: "jw1", scene: 2, chat_id_list: ["wr2"] }],
    ["del_join_way", "externalcontact/groupchat/del_join_way", "POST", (c) => c.delJoinWay("jw1"), { config_id: "jw1" }],
    ["groupchat/list", "externalcontact/groupchat/list", "POST", (c) => c.listGroupChats({ limit: 1000 }), { limit: 1000 }],
    ["groupchat/get", "externalcontact/groupchat/get", "POST", (c) => c.getGroupChat("wr1", true), { chat_id: "wr1", need_name: 1 }],
    ["groupchat/transfer", "externalcontact/groupchat/transfer", "POST", (c) => c.transferGroupChats(["wr1"], "u2"), { chat_id_list: ["wr1"], new_owner: "u2" }],
    ["groupchat/onjob_transfer", "externalcontact/groupchat/onjob_transfer", "POST", (c) => c.onjobTransferGroupChats(["wr1"], "u2"), { chat_id_list: ["wr1"], new_owner: "u2" }],
    ["get_user_behavior_data", "externalcontact/get_user_behavior_data", "POST", (c) => c.getUserBehaviorData({ userid: ["u1"], start_time: NOW - 7 * DAY, end_time: NOW }), { userid: ["u1"], start_time: NOW - 7 * DAY, end_time: NOW }],
    ["groupchat/statistic", "externalcontact/groupchat/statistic", "POST", (c) => c.groupChatStatistic({ day_begin_time: NOW - DAY, owner_filter: { userid_list: ["u1"] } }), { day_begin_time: NOW - DAY, owner_filter: { userid_list: ["u1"] } }],
    ["groupchat/statistic_group_by_day", "externalcontact/groupchat/statistic_group_by_day", "POST", (c) => c.groupChatStatisticByDay({ day_begin_time: NOW - DAY, owner_filter: { userid_list: ["u1"] } }), { day_begin_time: NOW - DAY, owner_filter: { userid_list: ["u1"] } }],
    ["transfer_customer", "externalcontact/transfer_customer", "POST", (c) => c.transferCustomer({ handover_userid: "u1", takeover_userid: "u2", external_userid: ["wm1"] }), { handover_userid: "u1", takeover_userid: "u2", external_userid: ["wm1"] }],
    ["transfer_result", "externalcontact/transfer_result", "POST", (c) => c.transferResult({ handover_userid: "u1", takeover_userid: "u2" }), { handover_userid: "u1", takeover_userid: "u2" }],
    ["resigned/transfer_customer", "externalcontact/resigned/transfer_customer", "POST", (c) => c.resignedTransferCustomer({ handover_userid: "u1", takeover_userid: "u2", external_userid: ["wm1"] }), { handover_userid: "u1", takeover_userid: "u2", external_userid: ["wm1"] }],
    ["resigned/transfer_result", "externalcontact/resigned/transfer_result", "POST", (c) => c.resignedTransferResult({ handover_userid: "u1", takeover_userid: "u2", cursor: "c" }), { handover_userid: "u1", takeover_userid: "u2", cursor: "c" }],
    ["get_unassigned_list", "externalcontact/get_unassigned_list", "POST", (c) => c.getUnassignedList({ page_size: 1000 }), { page_size: 1000 }],
    ["message/send", "message/send", "POST", (c) => c.sendAppMessage({ touser: "u1|u2", agentid: 1000002, msgtype: "text", text: { content: "hi" } }), { touser: "u1|u2", agentid: 1000002, msgtype: "text", text: { content: "hi" } }],
  ];

  it.each(cases)("%s", async (_name, api, method, invoke, body) => {
    await invoke(client);
    const req = last();
    expect(req.api).toBe(api);
    expect(req.method).toBe(method);
    expect(req.query.get("access_token")).toMatch(/^TOKEN-\d+$/);
    if (body) expect(req.body).toEqual(body);
    else expect(req.body).toBeUndefined();
  });

  it("GET endpoints carry their parameters in the query string", async () => {
    await client.getExternalContact("wm1", "cur");
    expect(last().query.get("external_userid")).toBe("wm1");
    expect(last().query.get("cursor")).toBe("cur");
    await client.getExternalContact("wm1");
    expect(last().query.has("cursor")).toBe(false);
    await client.listExternalContacts("u1");
    expect(last().query.get("userid")).toBe("u1");
    await client.getMomentTaskResult("job1");
    expect(last().query.get("jobid")).toBe("job1");
  });
});

describe("responses are typed and normalised", () => {
  it("externalcontact/get: numeric strings become numbers, missing lists default to []", async () => {
    const res = await client.getExternalContact("wm1");
    expect(res.external_contact.external_userid).toBe("wm1");
    expect(res.follow_user[0]?.createtime).toBe(1_700_000_000);
    expect(res.follow_user[0]?.remark_mobiles).toEqual([]);
    expect(res.follow_user[0]?.tags[0]).toMatchObject({ tag_id: "et1", type: 1 });
  });

  it("unknown fields pass through", async () => {
    const res = await client.addContactWay({ type: 1, scene: 2, user: ["u1"] });
    expect(res).toMatchObject({ config_id: "cfg1", qr_code: "https://qr", errmsg: "ok" });
  });

  it("list endpoints give empty arrays when WeCom omits them", async () => {
    expect((await client.getGroupMsgTask({ msgid: "m" })).task_list).toEqual([]);
    expect((await client.getMomentComments("m", "u")).like_list).toEqual([]);
    expect((await client.getFollowUserList()).follow_user).toEqual([]);
  });

  it("typed results of creation calls", async () => {
    expect((await client.addMsgTemplate({ sender: "u1", text: { content: "x" } })).msgid).toBe("msg1");
    expect((await client.addMomentTask({ text: { content: "x" } })).jobid).toBe("job1");
    expect((await client.getMomentTaskResult("job1")).result?.moment_id).toBe("mom1");
    expect((await client.getGroupChat("wr1")).group_chat.member_list[0]?.join_scene).toBe(3);
    expect((await client.batchGetByUser({ userid_list: ["u1"] })).external_contact_list[0]?.follow_info.tag_id).toEqual(["et1"]);
  });
});

/** Expect a pre-call rejection: the right error, the right field, and no request sent. */
async function rejects(p: () => Promise<unknown>, field: string, limit?: number) {
  const before = apiCalls().length;
  const err = await p().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WecomValidationError);
  expect((err as WecomValidationError).field).toBe(field);
  if (limit !== undefined) {
    expect(err).toBeInstanceOf(WecomLimitError);
    expect((err as WecomLimitError).limit).toBe(limit);
  }
  expect(apiCalls().length).toBe(before);
}

const text = (bytes: number) => ({ content: "a".repeat(bytes) });
const zh = (chars: number) => "字".repeat(chars); // 3 UTF-8 bytes each

describe("limits are enforced before calling WeCom (at the limit passes, one over fails)", () => {
  it("welcome text ≤ 4000 UTF-8 bytes, not chars", async () => {
    await client.sendWelcomeMsg({ welcome_code: "W", text: text(4000) });
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", text: text(4001) }), "text.content", 4000);
    // 1334 CJK chars = 4002 bytes: over, although far under 4000 chars
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", text: { content: zh(1334) } }), "text.content", 4000);
  });

  it("welcome attachments ≤ 9, and not both empty", async () => {
    await client.sendWelcomeMsg({ welcome_code: "W", attachments: img(9) });
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: img(10) }), "attachments", 9);
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W" }), "text");
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "", text: { content: "x" } }), "welcome_code");
  });

  it("attachment fields: link title/desc/url bytes, miniprogram title, required media", async () => {
    const link = (o: Partial<{ title: string; desc: string; url: string }>): MessageAttachment[] => [
      { msgtype: "link", link: { title: "t", url: "https://x", ...o } },
    ];
    await client.sendWelcomeMsg({ welcome_code: "W", attachments: link({ title: "a".repeat(128), desc: "d".repeat(512) }) });
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: link({ title: "a".repeat(129) }) }), "attachments[0].link.title", 128);
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: link({ desc: "d".repeat(513) }) }), "attachments[0].link.desc", 512);
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: link({ url: `https://${"u".repeat(2041)}` }) }), "attachments[0].link.url", 2048);
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: link({ url: "" }) }), "attachments[0].link.url");
    const mp = (title: string): MessageAttachment[] => [{ msgtype: "miniprogram", miniprogram: { title, pic_media_id: "p", appid: "wxa", page: "/i" } }];
    await client.sendWelcomeMsg({ welcome_code: "W", attachments: mp("a".repeat(64)) });
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: mp("a".repeat(65)) }), "attachments[0].miniprogram.title", 64);
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: [{ msgtype: "image", image: {} }] }), "attachments[0].image");
    await rejects(() => client.sendWelcomeMsg({ welcome_code: "W", attachments: [{ msgtype: "video", video: { media_id: "" } }] }), "attachments[0].video.media_id");
    await rejects(
      () => client.sendWelcomeMsg({ welcome_code: "W", attachments: [{ msgtype: "voice" } as unknown as MessageAttachment] }),
      "attachments[0].msgtype",
    );
  });

  it("contact way: state and remark ≤ 30 chars, ≤ 100 users, type 1 has one user", async () => {
    await client.addContactWay({ type: 2, scene: 2, user: ids(100), state: zh(30), remark: zh(30) });
    await rejects(() => client.addContactWay({ type: 2, scene: 2, user: ids(101) }), "user", 100);
    await rejects(() => client.addContactWay({ type: 2, scene: 2, user: ["u"], state: "s".repeat(31) }), "state", 30);
    await rejects(() => client.addContactWay({ type: 2, scene: 2, user: ["u"], remark: zh(31) }), "remark", 30);
    await rejects(() => client.addContactWay({ type: 1, scene: 2, user: ["a", "b"] }), "user");
    await rejects(() => client.addContactWay({ type: 1, scene: 2, user: ["a"], party: [1] }), "party");
    await rejects(() => client.updateContactWay({ config_id: "c", user: ids(101) }), "user", 100);
    await rejects(() => client.updateContactWay({ config_id: "c", state: "s".repeat(31) }), "state", 30);
    await rejects(() => client.addContactWay({ type: 1, scene: 2, user: ["a"], is_temp: true, expires_in: 14 * DAY + 1 }), "expires_in", 14 * DAY);
    await rejects(() => client.addContactWay({ type: 1, scene: 2, user: ["a"], conclusions: { text: text(4001) } }), "conclusions.text.content", 4000);
    await rejects(() => client.listContactWay({ limit: 1001 }), "limit", 1000);
  });

  it("customers: batch/get_by_user ≤ 100 users and limit ≤ 100; remark lengths", async () => {
    await client.batchGetByUser({ userid_list: ids(100) });
    await rejects(() => client.batchGetByUser({ userid_list: ids(101) }), "userid_list", 100);
    await rejects(() => client.batchGetByUser({ userid_list: [] }), "userid_list");
    await rejects(() => client.batchGetByUser({ userid_list: ["u"], limit: 101 }), "limit", 100);
    await rejects(() => client.remark({ userid: "u", external_userid: "w", remark: zh(21) }), "remark", 20);
    await rejects(() => client.remark({ userid: "u", external_userid: "w", description: zh(151) }), "description", 150);
  });

  it("tags: names ≤ 30 chars, no empty groups, mark_tag not empty", async () => {
    await client.addCorpTag({ group_name: zh(30), tag: [{ name: zh(30) }] });
    await rejects(() => client.addCorpTag({ group_name: zh(31), tag: [{ name: "t" }] }), "group_name", 30);
    await rejects(() => client.addCorpTag({ group_name: "g", tag: [{ name: zh(31) }] }), "tag[0].name", 30);
    await rejects(() => client.addCorpTag({ group_name: "g", tag: [] }), "tag");
    await rejects(() => client.editCorpTag({ id: "et", name: zh(31) }), "name", 30);
    await rejects(() => client.delCorpTag({}), "tag_id");
    await rejects(() => client.markTag({ userid: "u", external_userid: "w" }), "add_tag");
  });

  it("mass messages: ≤ 10,000 customers, ≤ 2000 groups, ≤ 100 tags per group, audience rules", async () => {
    await client.addMsgTemplate({ external_userid: ids(10_000), text: { content: "x" } });
    await rejects(() => client.addMsgTemplate({ external_userid: ids(10_001), text: { content: "x" } }), "external_userid", 10_000);
    await client.addMsgTemplate({ chat_type: "group", sender: "u", chat_id_list: ids(2000), text: { content: "x" } });
    await rejects(() => client.addMsgTemplate({ chat_type: "group", sender: "u", chat_id_list: ids(2001), text: { content: "x" } }), "chat_id_list", 2000);
    await rejects(
      () => client.addMsgTemplate({ sender: "u", tag_filter: { group_list: [{ tag_list: ["a"] }, { tag_list: ids(101) }] }, text: { content: "x" } }),
      "tag_filter.group_list[1].tag_list",
      100,
    );
    await rejects(() => client.addMsgTemplate({ chat_type: "group", chat_id_list: ["wr"], text: { content: "x" } }), "sender");
    await rejects(() => client.addMsgTemplate({ text: { content: "x" } }), "external_userid");
    await rejects(() => client.addMsgTemplate({ sender: "u", text: text(4001) }), "text.content", 4000);
    await rejects(() => client.addMsgTemplate({ sender: "u", attachments: img(10) }), "attachments", 9);
    await rejects(() => client.addMsgTemplate({ sender: "u" }), "text");
    await rejects(() => client.getGroupMsgListV2({ chat_type: "single", start_time: NOW - 32 * DAY, end_time: NOW }), "end_time", L.groupMsgListSpanSeconds);
    await rejects(() => client.getGroupMsgListV2({ chat_type: "single", start_time: NOW, end_time: NOW - 1 }), "end_time");
    await rejects(() => client.getGroupMsgListV2({ chat_type: "single", start_time: NOW - DAY, end_time: NOW, limit: 101 }), "limit", 100);
    await rejects(() => client.getGroupMsgTask({ msgid: "m", limit: 1001 }), "limit", 1000);
    await rejects(() => client.getGroupMsgSendResult({ msgid: "m", userid: "u", limit: 1001 }), "limit", 1000);
    await rejects(() => client.getGroupMsgTask({ msgid: "m", limit: 0 }), "limit");
  });

  it("moments: ≤ 9 images or 1 video or 1 link, one type, text ≤ 2000 chars", async () => {
    const images = (n: number): MomentAttachment[] => Array.from({ length: n }, (_, i) => ({ msgtype: "image", image: { media_id: `m${i}` } }));
    const video: MomentAttachment = { msgtype: "video", video: { media_id: "v" } };
    const link: MomentAttachment = { msgtype: "link", link: { title: "t", url: "https://x", media_id: "cover" } };
    await client.addMomentTask({ attachments: images(9) });
    await client.addMomentTask({ attachments: [video] });
    await client.addMomentTask({ text: { content: zh(2000) }, attachments: [link] });
    await rejects(() => client.addMomentTask({ attachments: images(10) }), "attachments", 9);
    await rejects(() => client.addMomentTask({ attachments: [video, video] }), "attachments", 1);
    await rejects(() => client.addMomentTask({ attachments: [link, link] }), "attachments", 1);
    await rejects(() => client.addMomentTask({ attachments: [...images(1), video] }), "attachments");
    await rejects(() => client.addMomentTask({ text: { content: zh(2001) } }), "text.content", 2000);
    await rejects(() => client.addMomentTask({ attachments: [{ msgtype: "link", link: { title: "a".repeat(65), url: "u", media_id: "m" } }] }), "attachments[0].link.title", 64);
    await rejects(() => client.addMomentTask({ attachments: [{ msgtype: "link", link: { url: "u", media_id: "" } }] }), "attachments[0].link.media_id");
    await rejects(() => client.addMomentTask({}), "text");
    await rejects(
      () => client.addMomentTask({ text: { content: "x" }, visible_range: { sender_list: { user_list: ids(100_001) } } }),
      "visible_range.sender_list.user_list",
      100_000,
    );
    await rejects(() => client.getMomentList({ start_time: NOW - 31 * DAY, end_time: NOW }), "end_time", 30 * DAY);
    await rejects(() => client.getMomentList({ start_time: NOW - DAY, end_time: NOW, limit: 21 }), "limit", 20);
    await rejects(() => client.getMomentTask({ moment_id: "m", limit: 1001 }), "limit", 1000);
    await rejects(() => client.getMomentSendResult({ moment_id: "m", userid: "u", limit: 5001 }), "limit", 5000);
  });

  it("join ways: 1–5 groups, state ≤ 30, room_base_name ≤ 40 chars", async () => {
    await client.addJoinWay({ scene: 2, chat_id_list: ids(5), state: zh(30), room_base_name: zh(40) });
    await rejects(() => client.addJoinWay({ scene: 2, chat_id_list: ids(6) }), "chat_id_list", 5);
    await rejects(() => client.addJoinWay({ scene: 2, chat_id_list: [] }), "chat_id_list");
    await rejects(() => client.addJoinWay({ scene: 2, chat_id_list: ["a"], state: zh(31) }), "state", 30);
    await rejects(() => client.addJoinWay({ scene: 2, chat_id_list: ["a"], room_base_name: zh(41) }), "room_base_name", 40);
    await rejects(() => client.updateJoinWay({ config_id: "c", scene: 2, chat_id_list: ids(6) }), "chat_id_list", 5);
  });

  it("group chats: list limit 1–1000, owner filter ≤ 100, transfers ≤ 100 groups", async () => {
    await rejects(() => client.listGroupChats({ limit: 1001 }), "limit", 1000);
    await rejects(() => client.listGroupChats({ limit: 0 }), "limit");
    await rejects(() => client.listGroupChats({ limit: 10, owner_filter: { userid_list: ids(101) } }), "owner_filter.userid_list", 100);
    await client.transferGroupChats(ids(100), "u");
    await rejects(() => client.transferGroupChats(ids(101), "u"), "chat_id_list", 100);
    await rejects(() => client.onjobTransferGroupChats([], "u"), "chat_id_list");
  });

  it("statistics: ≤ 100 users/parties, span ≤ 30 days, last 180 days", async () => {
    await client.getUserBehaviorData({ userid: ids(100), start_time: NOW - 30 * DAY, end_time: NOW });
    await rejects(() => client.getUserBehaviorData({ userid: ids(101), start_time: NOW - DAY, end_time: NOW }), "userid", 100);
    await rejects(() => client.getUserBehaviorData({ partyid: Array.from({ length: 101 }, (_, i) => i), start_time: NOW - DAY, end_time: NOW }), "partyid", 100);
    await rejects(() => client.getUserBehaviorData({ start_time: NOW - DAY, end_time: NOW }), "userid");
    await rejects(() => client.getUserBehaviorData({ userid: ["u"], start_time: NOW - 31 * DAY, end_time: NOW }), "end_time", 30 * DAY);
    await rejects(() => client.getUserBehaviorData({ userid: ["u"], start_time: NOW - 200 * DAY, end_time: NOW - 190 * DAY }), "start_time", 180 * DAY);
    await client.groupChatStatistic({ day_begin_time: NOW - 180 * DAY, owner_filter: { userid_list: ids(100) } });
    await rejects(() => client.groupChatStatistic({ day_begin_time: NOW - DAY, owner_filter: { userid_list: ids(101) } }), "owner_filter.userid_list", 100);
    await rejects(() => client.groupChatStatistic({ day_begin_time: NOW - 40 * DAY, day_end_time: NOW, owner_filter: { userid_list: ["u"] } }), "day_end_time", 30 * DAY);
    await rejects(() => client.groupChatStatisticByDay({ day_begin_time: NOW - 182 * DAY, owner_filter: { userid_list: ["u"] } }), "day_begin_time", 180 * DAY);
  });

  it("transfers: ≤ 100 customers, message ≤ 200 chars, distinct members; unassigned page ≤ 1000", async () => {
    await client.transferCustomer({ handover_userid: "a", takeover_userid: "b", external_userid: ids(100), transfer_success_msg: zh(200) });
    await rejects(() => client.transferCustomer({ handover_userid: "a", takeover_userid: "b", external_userid: ids(101) }), "external_userid", 100);
    await rejects(() => client.transferCustomer({ handover_userid: "a", takeover_userid: "b", external_userid: [] }), "external_userid");
    await rejects(
      () => client.transferCustomer({ handover_userid: "a", takeover_userid: "b", external_userid: ["w"], transfer_success_msg: zh(201) }),
      "transfer_success_msg",
      200,
    );
    await rejects(() => client.transferCustomer({ handover_userid: "a", takeover_userid: "a", external_userid: ["w"] }), "takeover_userid");
    await rejects(() => client.resignedTransferCustomer({ handover_userid: "a", takeover_userid: "b", external_userid: ids(101) }), "external_userid", 100);
    await rejects(() => client.getUnassignedList({ page_size: 1001 }), "page_size", 1000);
  });

  it("app messages: text ≤ 2048 bytes, ≤ 1000 users, a target required", async () => {
    await client.sendAppMessage({ touser: ids(1000).join("|"), agentid: 1, msgtype: "text", text: text(2048) });
    await client.sendAppMessage({ touser: "@all", agentid: 1, msgtype: "markdown", markdown: { content: "**hi**" } });
    await rejects(() => client.sendAppMessage({ touser: "u", agentid: 1, msgtype: "text", text: text(2049) }), "text.content", 2048);
    await rejects(() => client.sendAppMessage({ touser: ids(1001).join("|"), agentid: 1, msgtype: "text", text: { content: "x" } }), "touser", 1000);
    await rejects(() => client.sendAppMessage({ agentid: 1, msgtype: "text", text: { content: "x" } }), "touser/toparty/totag");
  });

  it("group welcome template text and link limits", async () => {
    // 入群欢迎语素材: 3000 bytes (document 92366), not the 4000 of other messages
    await rejects(() => client.addGroupWelcomeTemplate({ text: text(3001) }), "text.content", 3000);
    await rejects(() => client.editGroupWelcomeTemplate("t", { link: { title: "a".repeat(129), url: "u" } }), "link.title", 128);
  });

  it("limit errors say what and how much", async () => {
    const err = await client.sendWelcomeMsg({ welcome_code: "W", attachments: img(12) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ api: "externalcontact/send_welcome_msg", field: "attachments", limit: 9, actual: 12, unit: "items" });
    expect((err as Error).message).toBe("externalcontact/send_welcome_msg: attachments is 12 items, WeCom allows at most 9");
  });
});
