import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CallbackError, parseCallbackEvent, type WecomEvent } from "../src/index.ts";

function xml(fields: Record<string, string>, extra = ""): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join("\n  ");
  return `<xml>\n  ${body}${extra}\n</xml>`;
}

const contact = (changeType: string, more: Record<string, string> = {}) =>
  `<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[sys]]></FromUserName>
  <CreateTime>1403610513</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[change_external_contact]]></Event>
  <ChangeType><![CDATA[${changeType}]]></ChangeType>
  <UserID><![CDATA[zhangsan]]></UserID>
  <ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID>
${Object.entries(more)
  .map(([k, v]) => `  <${k}><![CDATA[${v}]]></${k}>`)
  .join("\n")}
</xml>`;

const head = { ToUserName: "ww1234", FromUserName: "sys", MsgType: "event" };

function expectKind<K extends WecomEvent["kind"]>(e: WecomEvent, kind: K): Extract<WecomEvent, { kind: K }> {
  expect(e.kind).toBe(kind);
  return e as Extract<WecomEvent, { kind: K }>;
}

describe("change_external_contact", () => {
  it("add_external_contact (official sample)", () => {
    const e = parseCallbackEvent(contact("add_external_contact", { State: "teststate", WelcomeCode: "WELCOMECODE" }));
    expect(e).toEqual({
      kind: "change_external_contact",
      changeType: "add_external_contact",
      corpId: "toUser",
      createTime: new Date(1403610513 * 1000),
      dedupeKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      userId: "zhangsan",
      externalUserId: "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA",
      state: "teststate",
      welcomeCode: "WELCOMECODE",
    });
  });

  it("add_external_contact without State and WelcomeCode (already chatted / console welcome)", () => {
    const e = parseCallbackEvent(contact("add_external_contact", { State: "" }));
    expect(e).toMatchObject({ kind: "change_external_contact", changeType: "add_external_contact" });
    expect(e).not.toHaveProperty("state");
    expect(e).not.toHaveProperty("welcomeCode");
  });

  it("add_half_external_contact", () => {
    const e = parseCallbackEvent(contact("add_half_external_contact", { State: "s1", WelcomeCode: "W2" }));
    expect(e).toMatchObject({ changeType: "add_half_external_contact", state: "s1", welcomeCode: "W2" });
  });

  it("edit_external_contact", () => {
    const e = parseCallbackEvent(contact("edit_external_contact", { State: "s1" }));
    expect(e).toMatchObject({ kind: "change_external_contact", changeType: "edit_external_contact", state: "s1" });
  });

  it("del_external_contact with Source=DELETE_BY_TRANSFER", () => {
    const e = parseCallbackEvent(contact("del_external_contact", { Source: "DELETE_BY_TRANSFER" }));
    expect(e).toMatchObject({ changeType: "del_external_contact", source: "DELETE_BY_TRANSFER" });
    const plain = parseCallbackEvent(contact("del_external_contact"));
    expect(plain).toMatchObject({ changeType: "del_external_contact" });
    expect(plain).not.toHaveProperty("source");
  });

  it("del_follow_user (official sample)", () => {
    const e = parseCallbackEvent(`<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[sys]]></FromUserName>
  <CreateTime>1403610513</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[change_external_contact]]></Event>
  <ChangeType><![CDATA[del_follow_user]]></ChangeType>
  <UserID><![CDATA[zhangsan]]></UserID>
  <ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA]]></ExternalUserID>
</xml>`);
    expect(e).toMatchObject({ kind: "change_external_contact", changeType: "del_follow_user", userId: "zhangsan" });
  });

  it("transfer_fail with FailReason", () => {
    const e = parseCallbackEvent(contact("transfer_fail", { FailReason: "customer_refused" }));
    expect(e).toMatchObject({ changeType: "transfer_fail", failReason: "customer_refused" });
    const capped = parseCallbackEvent(contact("transfer_fail", { FailReason: "customer_limit_exceed" }));
    expect(capped).toMatchObject({ failReason: "customer_limit_exceed" });
  });

  it("transfer_fail without FailReason is unknown, not a crash", () => {
    expect(parseCallbackEvent(contact("transfer_fail")).kind).toBe("unknown");
  });

  it("keeps numeric-looking ids as strings", () => {
    const e = parseCallbackEvent(
      xml({ ...head, Event: "change_external_contact", ChangeType: "del_follow_user", UserID: "0123", ExternalUserID: "00042" }).replace(
        "<ToUserName>",
        "<CreateTime>1700000000</CreateTime><ToUserName>",
      ),
    );
    expect(expectKind(e, "change_external_contact")).toMatchObject({ userId: "0123", externalUserId: "00042" });
  });

  it("unescapes entities in text elements", () => {
    const e = parseCallbackEvent(contact("edit_external_contact").replace("<ChangeType>", "<State>a&amp;b</State><ChangeType>"));
    expect(e).toMatchObject({ state: "a&b" });
  });
});

describe("change_external_chat", () => {
  const chat = (changeType: string, extra = "") =>
    `<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[${changeType}]]></ChangeType>${extra}</xml>`;

  it("create and dismiss", () => {
    expect(parseCallbackEvent(chat("create"))).toMatchObject({
      kind: "change_external_chat",
      changeType: "create",
      chatId: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
      createTime: new Date(1_700_000_000_000),
    });
    expect(parseCallbackEvent(chat("dismiss"))).toMatchObject({ kind: "change_external_chat", changeType: "dismiss" });
  });

  it("update add_member with scene, count, member list and versions", () => {
    const e = parseCallbackEvent(
      chat(
        "update",
        "<UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>2</MemChangeCnt>" +
          "<MemChangeList><Item><![CDATA[wmEAlECwAAHrbWYDOK5u3Af13xlYDDDD]]></Item><Item><![CDATA[0123]]></Item></MemChangeList>" +
          "<LastMemVer><![CDATA[9c3f595a3eb75fe5c28ec4a8d2f8b1a1]]></LastMemVer><CurMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></CurMemVer>",
      ),
    );
    expect(e).toEqual({
      kind: "change_external_chat",
      changeType: "update",
      updateDetail: "add_member",
      corpId: "ww1234",
      createTime: new Date(1_700_000_000_000),
      dedupeKey: expect.any(String),
      chatId: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
      joinScene: 3,
      memChangeCnt: 2,
      memChangeList: ["wmEAlECwAAHrbWYDOK5u3Af13xlYDDDD", "0123"],
      lastMemVer: "9c3f595a3eb75fe5c28ec4a8d2f8b1a1",
      curMemVer: "71217227bbd112ecfe3a49c482195cb4",
    });
  });

  it("update del_member with a single Item and QuitScene", () => {
    const e = parseCallbackEvent(
      chat(
        "update",
        "<UpdateDetail>del_member</UpdateDetail><QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt><MemChangeList><Item>wmX</Item></MemChangeList>",
      ),
    );
    expect(e).toMatchObject({ updateDetail: "del_member", quitScene: 1, memChangeList: ["wmX"] });
  });

  it("JoinScene 0 is kept as 0", () => {
    const e = parseCallbackEvent(chat("update", "<UpdateDetail>add_member</UpdateDetail><JoinScene>0</JoinScene>"));
    expect(e).toMatchObject({ joinScene: 0, memChangeList: [] });
  });

  it.each(["change_owner", "change_name", "change_notice"])("update %s", (detail) => {
    const e = parseCallbackEvent(chat("update", `<UpdateDetail>${detail}</UpdateDetail>`));
    expect(e).toMatchObject({ kind: "change_external_chat", changeType: "update", updateDetail: detail, memChangeList: [] });
  });

  it("an unknown UpdateDetail or a missing ChatId is unknown", () => {
    expect(parseCallbackEvent(chat("update", "<UpdateDetail>change_avatar</UpdateDetail>"))).toMatchObject({
      kind: "unknown",
      event: "change_external_chat",
      changeType: "update",
    });
    expect(parseCallbackEvent(chat("update"))).toMatchObject({ kind: "unknown" });
    expect(parseCallbackEvent(chat("create").replace(/<ChatId>.*<\/ChatId>/, "")).kind).toBe("unknown");
  });
});

describe("change_external_tag", () => {
  const tag = (changeType: string, extra: string) =>
    `<xml><ToUserName>ww1234</ToUserName><FromUserName>sys</FromUserName><CreateTime>1700000001</CreateTime><MsgType>event</MsgType><Event>change_external_tag</Event><ChangeType>${changeType}</ChangeType>${extra}</xml>`;

  it.each(["create", "update", "delete"] as const)("%s a tag", (changeType) => {
    const e = parseCallbackEvent(tag(changeType, "<Id>etXXXXXXXXXX</Id><TagType>tag</TagType>"));
    expect(e).toMatchObject({ kind: "change_external_tag", changeType, id: "etXXXXXXXXXX", tagType: "tag" });
  });

  it("group tags and rule-group StrategyId", () => {
    const e = parseCallbackEvent(tag("create", "<Id>etGROUP</Id><TagType>tag_group</TagType><StrategyId>1</StrategyId>"));
    expect(e).toMatchObject({ tagType: "tag_group", strategyId: "1" });
  });

  it("shuffle with and without an Id", () => {
    expect(parseCallbackEvent(tag("shuffle", "<Id>etGROUP</Id>"))).toMatchObject({ kind: "change_external_tag", changeType: "shuffle", id: "etGROUP" });
    const bare = parseCallbackEvent(tag("shuffle", ""));
    expect(bare).toMatchObject({ kind: "change_external_tag", changeType: "shuffle" });
    expect(bare).not.toHaveProperty("id");
  });

  it("update without TagType, or an unknown TagType, is unknown", () => {
    expect(parseCallbackEvent(tag("update", "<Id>et1</Id>")).kind).toBe("unknown");
    expect(parseCallbackEvent(tag("update", "<Id>et1</Id><TagType>label</TagType>")).kind).toBe("unknown");
  });
});

describe("unknown and malformed input", () => {
  it("a non-event message (set B decrypted text message) is unknown with raw kept", () => {
    const raw =
      "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";
    const e = parseCallbackEvent(raw);
    expect(e).toEqual({
      kind: "unknown",
      corpId: "wx5823bf96d3bd56c7",
      createTime: new Date(1409659813 * 1000),
      dedupeKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      raw,
    });
  });

  it("unknown Event and unknown ChangeType", () => {
    expect(parseCallbackEvent(xml({ ...head, Event: "change_contact", ChangeType: "create_user" }))).toMatchObject({
      kind: "unknown",
      event: "change_contact",
      changeType: "create_user",
    });
    expect(parseCallbackEvent(contact("add_brand_new_thing"))).toMatchObject({
      kind: "unknown",
      event: "change_external_contact",
      changeType: "add_brand_new_thing",
      createTime: new Date(1403610513 * 1000),
    });
  });

  it("well-formed XML missing fields is unknown", () => {
    expect(parseCallbackEvent(contact("add_external_contact").replace(/<UserID>.*<\/UserID>/, "")).kind).toBe("unknown");
    expect(parseCallbackEvent(contact("add_external_contact").replace(/<CreateTime>.*<\/CreateTime>/, ""))).toMatchObject({
      kind: "unknown",
    });
    expect(parseCallbackEvent(contact("add_external_contact").replace("<CreateTime>1403610513", "<CreateTime>soon"))).not.toHaveProperty(
      "createTime",
    );
    expect(parseCallbackEvent("<xml></xml>")).toMatchObject({ kind: "unknown", raw: "<xml></xml>" });
    expect(parseCallbackEvent("<root><a>1</a></root>").kind).toBe("unknown");
    // a repeated element is not a valid event either
    expect(parseCallbackEvent(contact("del_follow_user").replace("</xml>", "<UserID>lisi</UserID></xml>")).kind).toBe("unknown");
  });

  it("throws CallbackError only for non-XML input", () => {
    for (const bad of ["", "hello", '{"Event":"x"}', "<xml><a></xml>", "<xml>"]) {
      expect(() => parseCallbackEvent(bad)).toThrow(CallbackError);
    }
  });

  it("never throws on well-formed XML built from arbitrary field values", () => {
    const name = fc.constantFrom("ToUserName", "CreateTime", "MsgType", "Event", "ChangeType", "UserID", "ChatId", "Id", "TagType", "UpdateDetail", "JoinScene", "MemChangeList", "Foo");
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("event", "change_external_chat", "update", "add_member", "1700000000", "tag", ""));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (pairs) => {
        const body = pairs.map(([k, v]) => `<${k}><![CDATA[${v.replaceAll("]]>", "")}]]></${k}>`).join("");
        const e = parseCallbackEvent(`<xml>${body}</xml>`);
        expect(typeof e.dedupeKey).toBe("string");
      }),
    );
  });
});

describe("dedupeKey", () => {
  const add = contact("add_external_contact", { State: "teststate", WelcomeCode: "WELCOMECODE" });

  it("is stable for a retry of the same callback, whitespace and element order aside", () => {
    const retry = add.replace(/\n\s*/g, "").replace(
      "<FromUserName><![CDATA[sys]]></FromUserName>",
      "",
    ).replace("<ToUserName>", "<FromUserName>sys</FromUserName><ToUserName>");
    expect(parseCallbackEvent(retry).dedupeKey).toBe(parseCallbackEvent(add).dedupeKey);
  });

  it("differs when the time, change type, user or customer differ", () => {
    const key = parseCallbackEvent(add).dedupeKey;
    const variants = [
      add.replace("1403610513", "1403610514"),
      add.replace("add_external_contact", "add_half_external_contact"),
      add.replace("zhangsan", "lisi"),
      add.replace("woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", "woAJ2GCAAAXtWyujaWJHDDGi0mBBBB"),
      add.replace("toUser", "otherCorp"),
    ];
    const keys = new Set(variants.map((v) => parseCallbackEvent(v).dedupeKey));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  it("distinguishes two membership changes of one chat in the same second by member version", () => {
    const upd = (ver: string) =>
      `<xml><ToUserName>ww</ToUserName><CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>update</ChangeType><ChatId>wr1</ChatId><UpdateDetail>add_member</UpdateDetail><CurMemVer>${ver}</CurMemVer></xml>`;
    expect(parseCallbackEvent(upd("v1")).dedupeKey).not.toBe(parseCallbackEvent(upd("v2")).dedupeKey);
  });

  it("unknown events are keyed by their whole content", () => {
    const a = parseCallbackEvent(xml({ ...head, Event: "x", Foo: "1" }));
    const b = parseCallbackEvent(xml({ ...head, Event: "x", Foo: "2" }));
    const a2 = parseCallbackEvent(xml({ Foo: "1", ...head, Event: "x" }));
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
    expect(a2.dedupeKey).toBe(a.dedupeKey);
  });
});
