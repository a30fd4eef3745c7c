import { MAX_MEMBER_CHANGE_IDS, parseEnvelope } from "@siyu/kernel";
import { type ExternalContactEvent, parseCallbackEvent, type WecomEvent } from "@siyu/wecom";
import { describe, expect, it } from "vitest";
import { UNKNOWN_CHANNEL_ID } from "../src/domain/channel.ts";
import { channelIdFor, decideIntake, type IntakeContext, intakeEventId } from "../src/domain/events.ts";

const SH = "Asia/Shanghai";
const CORP = "ww_corp";
// 1704125400 = 2024-01-01T16:10:00Z = 2024-01-02 00:10 in Shanghai
const CREATE = 1704125400;

function xml(fields: Record<string, string>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join("");
  return `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${CREATE}</CreateTime><MsgType><![CDATA[event]]></MsgType>${body}</xml>`;
}
const contact = (changeType: string, more: Record<string, string> = {}) =>
  parseCallbackEvent(
    xml({ Event: "change_external_contact", ChangeType: changeType, UserID: "alice", ExternalUserID: "wmCUST1", ...more }),
  );

const ctx = (extra: Partial<IntakeContext> = {}): IntakeContext => ({ timeZone: SH, ...extra });
const channel = { channelId: "ch_store", tagIds: ["etTAG1", "etTAG2"] };

describe("add_external_contact", () => {
  const add = contact("add_external_contact", { State: "k3x9q2m7vd", WelcomeCode: "WC1" });

  it("records customer + relation, counts the add, tags, welcomes and publishes contact.added", () => {
    const d = decideIntake(add, ctx({ channel }));
    expect(d.kind).toBe("added");
    expect(d.customer).toEqual({ externalUserId: "wmCUST1", lastEventAt: "2024-01-01T16:10:00.000Z" });
    expect(d.relation).toEqual({
      userId: "alice",
      externalUserId: "wmCUST1",
      status: "active",
      channelId: "ch_store",
      at: "2024-01-01T16:10:00.000Z",
      state: "k3x9q2m7vd",
      confirmed: true,
      addedAt: "2024-01-01T16:10:00.000Z",
    });
    expect(d.countAdd).toEqual({ channelId: "ch_store", userId: "alice", day: "2024-01-02" }); // Shanghai day
    expect(d.markTags).toEqual({ userId: "alice", externalUserId: "wmCUST1", addTagIds: ["etTAG1", "etTAG2"] });
    expect(d.welcome).toEqual({
      userId: "alice",
      externalUserId: "wmCUST1",
      channelId: "ch_store",
      welcomeCode: "WC1",
      createTime: new Date(CREATE * 1000),
    });
    expect(d.syncProfile).toEqual({ userId: "alice", externalUserId: "wmCUST1" });
    expect(d.timeline).toHaveLength(1);
    expect(d.timeline[0]).toMatchObject({ kind: "added", channelId: "ch_store", detail: { halfAdd: false, state: "k3x9q2m7vd" } });
    expect(d.events).toHaveLength(1);
    const ev = d.events[0]!;
    expect(ev).toMatchObject({
      type: "contact.added",
      corpId: CORP,
      occurredAt: "2024-01-01T16:10:00.000Z",
      data: { userId: "alice", externalUserId: "wmCUST1", channelId: "ch_store", addedAt: "2024-01-01T16:10:00.000Z" },
    });
    expect(parseEnvelope(JSON.parse(JSON.stringify(ev)))).toEqual(ev);
  });

  it("uses the corp timezone for the cap day", () => {
    expect(decideIntake(add, { timeZone: "UTC", channel }).countAdd?.day).toBe("2024-01-01");
  });

  it("publishes the same ids for a retried callback, different ids for a different callback", () => {
    const again = contact("add_external_contact", { State: "k3x9q2m7vd", WelcomeCode: "WC1" });
    const a = decideIntake(add, ctx({ channel }));
    const b = decideIntake(again, ctx({ channel }));
    expect(b.events[0]!.id).toBe(a.events[0]!.id);
    expect(b.timeline[0]!.id).toBe(a.timeline[0]!.id);
    expect(a.events[0]!.id).toBe(intakeEventId("contact.added", add.dedupeKey));
    const other = parseCallbackEvent(
      xml({ Event: "change_external_contact", ChangeType: "add_external_contact", UserID: "bob", ExternalUserID: "wmCUST1" }),
    );
    expect(decideIntake(other, ctx()).events[0]!.id).not.toBe(a.events[0]!.id);
  });

  it("attributes an unknown State to channel `unknown` without tags, and never drops it", () => {
    const d = decideIntake(add, ctx({ channel: undefined }));
    expect(d.kind).toBe("added");
    expect(d.relation).toMatchObject({ channelId: UNKNOWN_CHANNEL_ID, state: "k3x9q2m7vd" });
    expect(d.events[0]!.data).toMatchObject({ channelId: UNKNOWN_CHANNEL_ID });
    expect(d.markTags).toBeUndefined();
    expect(d.countAdd?.channelId).toBe(UNKNOWN_CHANNEL_ID);
  });

  it("attributes an empty State to channel `unknown`", () => {
    const noState = contact("add_external_contact", { State: "" });
    const d = decideIntake(noState, ctx({ channel }));
    expect(d.relation?.channelId).toBe(UNKNOWN_CHANNEL_ID);
    expect(d.relation?.state).toBeUndefined();
    expect(d.welcome?.welcomeCode).toBeUndefined(); // still planned, to record no-code
    expect(channelIdFor(undefined, channel)).toBe(UNKNOWN_CHANNEL_ID);
    expect(channelIdFor("", channel)).toBe(UNKNOWN_CHANNEL_ID);
    expect(channelIdFor("s", channel)).toBe("ch_store");
  });

  it("treats an add after a loss as a new add (re-add)", () => {
    const d = decideIntake(add, ctx({ channel, existing: { status: "lost", channelId: "ch_old" } }));
    expect(d.kind).toBe("added");
    expect(d.relation?.channelId).toBe("ch_store");
    expect(d.timeline[0]!.detail).toMatchObject({ readd: true });
    expect(d.events.map((e) => e.type)).toEqual(["contact.added"]);
  });

  it("is a transfer completion, not a channel add, when a transfer to this member is pending", () => {
    const d = decideIntake(add, ctx({ channel, pendingTransfer: { fromUserId: "bob", channelId: "ch_orig" } }));
    expect(d.kind).toBe("transferred-in");
    expect(d.relation).toMatchObject({ status: "active", channelId: "ch_orig" });
    expect(d.events).toEqual([]);
    expect(d.countAdd).toBeUndefined();
    expect(d.welcome).toBeUndefined();
    expect(d.markTags).toBeUndefined();
    expect(d.timeline[0]).toMatchObject({ kind: "transferred-in", detail: { fromUserId: "bob" } });
  });
});

describe("announcing the relation's tags (contact.tags_changed, once they are written)", () => {
  const add = contact("add_external_contact", { State: "k3x9q2m7vd" });
  const tagsId = intakeEventId("contact.tags_changed", add.dedupeKey);

  it("every event that learns the tags announces them, with the callback's id and instant", () => {
    const at = new Date(CREATE * 1000);
    const who = { corpId: CORP, userId: "alice", externalUserId: "wmCUST1", at };
    expect(decideIntake(add, ctx({ channel })).announceTags).toEqual({ ...who, source: "add", id: tagsId });
    const active = { status: "active" as const, channelId: "ch_store", confirmed: false };
    expect(decideIntake(add, ctx({ channel, existing: active })).announceTags).toMatchObject({ source: "add", id: tagsId });
    expect(decideIntake(add, ctx({ pendingTransfer: { fromUserId: "bob", channelId: "ch_store" } })).announceTags).toMatchObject({ source: "transfer" });
    const edit = contact("edit_external_contact");
    expect(decideIntake(edit, ctx({ existing: active })).announceTags).toEqual({ ...who, source: "edit", id: intakeEventId("contact.tags_changed", edit.dedupeKey) });
  });

  it("a retried callback announces under the same id; no other event announces tags", () => {
    expect(decideIntake(contact("add_external_contact", { State: "k3x9q2m7vd" }), ctx({ channel })).announceTags?.id).toBe(tagsId);
    expect(tagsId).not.toBe(intakeEventId("contact.added", add.dedupeKey));
    for (const changeType of ["del_follow_user", "del_external_contact"]) expect(decideIntake(contact(changeType), ctx()).announceTags).toBeUndefined();
    expect(decideIntake(contact("transfer_fail", { FailReason: "customer_refused" }), ctx()).announceTags).toBeUndefined();
  });
});

describe("add_half_external_contact then add_external_contact", () => {
  const half = contact("add_half_external_contact", { State: "k3x9q2m7vd", WelcomeCode: "WCH" });
  const full = contact("add_external_contact", { State: "k3x9q2m7vd" });

  it("the half add is the add: counted, welcomed, published, unconfirmed", () => {
    const d = decideIntake(half, ctx({ channel }));
    expect(d.kind).toBe("added");
    expect(d.relation?.confirmed).toBe(false);
    expect(d.welcome?.welcomeCode).toBe("WCH");
    expect(d.countAdd).toBeDefined();
    expect(d.events.map((e) => e.type)).toEqual(["contact.added"]);
    expect(d.timeline[0]!.detail).toMatchObject({ halfAdd: true });
  });

  it("the confirmation is not a second add", () => {
    const d = decideIntake(full, ctx({ channel, existing: { status: "active", channelId: "ch_store", confirmed: false } }));
    expect(d.kind).toBe("confirmed");
    expect(d.relation).toMatchObject({ status: "active", confirmed: true, channelId: "ch_store" });
    expect(d.events).toEqual([]);
    expect(d.countAdd).toBeUndefined();
    expect(d.welcome).toBeUndefined(); // no code: the half add's code was used
    expect(d.timeline.map((t) => t.kind)).toEqual(["confirmed"]);
  });

  it("a confirmation that still carries a code gets the welcome", () => {
    const withCode = contact("add_external_contact", { State: "k3x9q2m7vd", WelcomeCode: "WC2" });
    const d = decideIntake(withCode, ctx({ existing: { status: "active", channelId: "ch_store", confirmed: false } }));
    expect(d.welcome).toMatchObject({ welcomeCode: "WC2", channelId: "ch_store" });
  });

  it("a repeated add of an active relation changes nothing", () => {
    const d = decideIntake(full, ctx({ channel, existing: { status: "active", channelId: "ch_store", confirmed: true } }));
    expect(d.kind).toBe("already-active");
    expect(d.timeline).toEqual([]);
    expect(d.events).toEqual([]);
    expect(d.countAdd).toBeUndefined();
  });
});

describe("deletions", () => {
  it("del_follow_user: the customer deleted the member → lost + contact.lost with the relation's channel", () => {
    const d = decideIntake(contact("del_follow_user"), ctx({ existing: { status: "active", channelId: "ch_store" } }));
    expect(d.kind).toBe("lost");
    expect(d.relation).toMatchObject({ status: "lost", channelId: "ch_store" });
    expect(d.events.map((e) => [e.type, (e.data as { channelId: string }).channelId])).toEqual([["contact.lost", "ch_store"]]);
    expect(d.timeline.map((t) => t.kind)).toEqual(["lost"]);
  });

  it("del_follow_user without a stored relation is still recorded, on channel unknown", () => {
    const d = decideIntake(contact("del_follow_user"), ctx());
    expect(d.events[0]!.data).toMatchObject({ channelId: UNKNOWN_CHANNEL_ID, lostAt: "2024-01-01T16:10:00.000Z" });
  });

  it("del_external_contact: the member removed the customer → removed + contact.removed", () => {
    const d = decideIntake(contact("del_external_contact"), ctx({ existing: { status: "active", channelId: "ch_store" } }));
    expect(d.kind).toBe("removed");
    expect(d.relation?.status).toBe("removed");
    expect(d.events.map((e) => e.type)).toEqual(["contact.removed"]);
  });

  it("del_external_contact by transfer is not churn", () => {
    const d = decideIntake(
      contact("del_external_contact", { Source: "DELETE_BY_TRANSFER" }),
      ctx({ existing: { status: "active", channelId: "ch_store" } }),
    );
    expect(d.kind).toBe("transferred-out");
    expect(d.relation).toMatchObject({ status: "transferred", channelId: "ch_store" });
    expect(d.events).toEqual([]);
    expect(d.timeline.map((t) => t.kind)).toEqual(["transferred-out"]);
  });
});

describe("other contact changes", () => {
  it("edit_external_contact syncs the profile", () => {
    const d = decideIntake(contact("edit_external_contact"), ctx({ existing: { status: "active", channelId: "ch_store" } }));
    expect(d).toMatchObject({ kind: "profile-edited", syncProfile: { userId: "alice", externalUserId: "wmCUST1" }, events: [] });
    expect(d.timeline[0]).toMatchObject({ kind: "profile-edited", channelId: "ch_store" });
    expect(d.relation).toBeUndefined();
  });

  it("transfer_fail records the failure with its reason", () => {
    const d = decideIntake(contact("transfer_fail", { FailReason: "customer_refused" }), ctx());
    expect(d.kind).toBe("transfer-failed");
    expect(d.transferFailure).toEqual({ userId: "alice", externalUserId: "wmCUST1", reason: "customer_refused" });
    expect(d.timeline[0]).toMatchObject({ kind: "transfer-failed", detail: { reason: "customer_refused" } });
    expect(d.events).toEqual([]);
  });
});

describe("group and tag events", () => {
  const chat = (fields: Record<string, string>) => parseCallbackEvent(xml({ Event: "change_external_chat", ...fields }));

  it("create → group.created and a group sync", () => {
    const d = decideIntake(chat({ ChangeType: "create", ChatId: "wrCHAT1" }), ctx());
    expect(d.kind).toBe("group-created");
    expect(d.events.map((e) => [e.type, e.data])).toEqual([["group.created", { chatId: "wrCHAT1", createdAt: "2024-01-01T16:10:00.000Z" }]]);
    expect(d.syncGroup).toEqual({ chatId: "wrCHAT1" });
  });

  it("dismiss → group.dismissed", () => {
    const d = decideIntake(chat({ ChangeType: "dismiss", ChatId: "wrCHAT1" }), ctx());
    expect(d.events.map((e) => e.type)).toEqual(["group.dismissed"]);
    expect(d.syncGroup).toBeUndefined();
  });

  /** A `change_external_chat update` whose `MemChangeList` holds `ids` as WeCom sends it (`<Item>`s). */
  const update = (fields: Record<string, string>, ids: readonly string[] = []) =>
    parseCallbackEvent(
      xml({ Event: "change_external_chat", ChangeType: "update", ChatId: "wrCHAT1", ...fields }).replace(
        "</xml>",
        `<MemChangeList>${ids.map((id) => `<Item><![CDATA[${id}]]></Item>`).join("")}</MemChangeList></xml>`,
      ),
    );

  it("update add_member → group.member_changed with count, both versions, the QR scene and who joined", () => {
    const d = decideIntake(update({ UpdateDetail: "add_member", JoinScene: "3", MemChangeCnt: "2", LastMemVer: "v1", CurMemVer: "v2" }, ["wmA", "wmB"]), ctx());
    expect(d.kind).toBe("group-updated");
    expect(d.events.map((e) => [e.type, e.data])).toEqual([
      [
        "group.member_changed",
        {
          chatId: "wrCHAT1",
          change: "add_member",
          memberChangeCount: 2,
          lastMemberVersion: "v1",
          memberVersion: "v2",
          joinScene: 3,
          memberIds: ["wmA", "wmB"],
          changedAt: "2024-01-01T16:10:00.000Z",
        },
      ],
    ]);
    // what the consumers will read: the published envelope validates against the kernel schema
    const ev = d.events[0]!;
    expect(parseEnvelope(JSON.parse(JSON.stringify(ev)))).toEqual(ev);
  });

  it("update del_member → the quit scene (removed) and who left; JoinScene 0 is kept, not dropped", () => {
    const del = decideIntake(update({ UpdateDetail: "del_member", QuitScene: "1", MemChangeCnt: "1", LastMemVer: "v2", CurMemVer: "v3" }, ["wmA"]), ctx());
    expect(del.events[0]!.data).toEqual({
      chatId: "wrCHAT1",
      change: "del_member",
      memberChangeCount: 1,
      lastMemberVersion: "v2",
      memberVersion: "v3",
      quitScene: 1,
      memberIds: ["wmA"],
      changedAt: "2024-01-01T16:10:00.000Z",
    });
    const left = decideIntake(update({ UpdateDetail: "del_member", QuitScene: "0" }, ["wmA"]), ctx());
    expect(left.events[0]!.data).toMatchObject({ quitScene: 0 });
    const invited = decideIntake(update({ UpdateDetail: "add_member", JoinScene: "0" }, ["wmA"]), ctx());
    expect(invited.events[0]!.data).toMatchObject({ joinScene: 0 });
  });

  it("update without a member list, scenes or versions (a rename, an older WeCom build) → only what was told", () => {
    const d = decideIntake(update({ UpdateDetail: "change_name" }), ctx());
    expect(d.events[0]!.data).toEqual({ chatId: "wrCHAT1", change: "change_name", changedAt: "2024-01-01T16:10:00.000Z" });
    const bare = decideIntake(chat({ ChangeType: "update", ChatId: "wrCHAT1", UpdateDetail: "add_member", MemChangeCnt: "1" }), ctx());
    expect(bare.events[0]!.data).toEqual({ chatId: "wrCHAT1", change: "add_member", memberChangeCount: 1, changedAt: "2024-01-01T16:10:00.000Z" });
  });

  it("a member list over the bound is left out instead of failing the event; count and versions still go", () => {
    const ids = Array.from({ length: MAX_MEMBER_CHANGE_IDS + 1 }, (_, i) => `wm${i}`);
    const over = decideIntake(update({ UpdateDetail: "add_member", MemChangeCnt: String(ids.length), LastMemVer: "v1", CurMemVer: "v2" }, ids), ctx());
    expect(over.events[0]!.data).toEqual({
      chatId: "wrCHAT1",
      change: "add_member",
      memberChangeCount: ids.length,
      lastMemberVersion: "v1",
      memberVersion: "v2",
      changedAt: "2024-01-01T16:10:00.000Z",
    });
    const atBound = decideIntake(update({ UpdateDetail: "add_member" }, ids.slice(0, MAX_MEMBER_CHANGE_IDS)), ctx());
    expect(atBound.events[0]!.data).toHaveProperty("memberIds", ids.slice(0, MAX_MEMBER_CHANGE_IDS));
    expect(parseEnvelope(JSON.parse(JSON.stringify(atBound.events[0])))).toEqual(atBound.events[0]);
  });

  it("change_external_tag → tag sync, nothing published", () => {
    const e = parseCallbackEvent(xml({ Event: "change_external_tag", ChangeType: "delete", Id: "etTAG1", TagType: "tag" }));
    expect(decideIntake(e, ctx())).toEqual({
      kind: "tag-changed",
      timeline: [],
      events: [],
      syncTags: { changeType: "delete", id: "etTAG1", tagType: "tag" },
    });
  });

  it("unknown events are kept for storage", () => {
    const e = parseCallbackEvent(xml({ Event: "change_something_new", ChangeType: "whatever" }));
    const d = decideIntake(e, ctx());
    expect(d.kind).toBe("unknown");
    expect(d.unknown).toMatchObject({ event: "change_something_new", changeType: "whatever" });
    expect(d.unknown?.raw).toContain("change_something_new");
    expect(d.events).toEqual([]);
  });
});

describe("decideIntake on hand-built events", () => {
  it("accepts the parser's types directly (no XML needed)", () => {
    const e: ExternalContactEvent = {
      kind: "change_external_contact",
      changeType: "del_follow_user",
      corpId: CORP,
      createTime: new Date("2024-03-01T00:00:00Z"),
      dedupeKey: "k1",
      userId: "u",
      externalUserId: "x",
    };
    const events: WecomEvent[] = [e];
    expect(decideIntake(events[0]!, ctx()).events[0]!.id).toBe(intakeEventId("contact.lost", "k1"));
  });
});
