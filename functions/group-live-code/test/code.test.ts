import { describe, expect, it } from "vitest";
import { applyCodePatch, codeIdOfState, joinWayState, type LiveCodeCreateInput, parseCodeCreate, toWecomGroupWelcome } from "../src/domain/code.ts";
import { CodeArchived, InvalidInput } from "../src/domain/errors.ts";

const base: LiveCodeCreateInput = {
  name: "新品体验群",
  groups: [
    { chatId: "wrA", ownerUserId: "zhangsan" },
    { chatId: "wrB", ownerUserId: "lisi", capacity: 150 },
  ],
  welcome: { text: "欢迎入群，回复 1 领取新人券" },
};

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    return (e as InvalidInput).issues;
  }
  throw new Error("expected InvalidInput");
}
const pathsOf = (body: unknown) => issuesOf(() => parseCodeCreate(body)).map((i) => i.path);

describe("parseCodeCreate", () => {
  it("accepts a valid code and applies the defaults", () => {
    const c = parseCodeCreate(base);
    expect(c.capacity).toBe(200);
    expect(c.mode).toBe("native");
    expect(c.autoCreate).toEqual({ enabled: false });
    expect(c.groups[1]?.capacity).toBe(150);
  });

  it("accepts an empty pool (it cannot route until groups are added)", () => {
    expect(parseCodeCreate({ name: "空码" }).groups).toEqual([]);
  });

  it("lists every failing field at once, with body paths", () => {
    const issues = issuesOf(() =>
      parseCodeCreate({
        name: "",
        groups: [{ chatId: "wrA", ownerUserId: "" }, { chatId: "wrA", ownerUserId: "u" }, { chatId: "wrC", ownerUserId: "u", capacity: 201 }],
        capacity: 0,
        welcome: { text: " ", attachment: { type: "link", link: { title: "", url: "ftp://x" } } },
        autoCreate: { enabled: true, roomBaseName: "群".repeat(41), roomBaseId: 0 },
        mode: "wecom",
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        "body.name",
        "body.groups.0.ownerUserId",
        "body.groups.1",
        "body.groups.2.capacity",
        "body.capacity",
        "body.welcome.attachment.link.title",
        "body.welcome.attachment.link.url",
        "body.autoCreate.roomBaseName",
        "body.autoCreate.roomBaseId",
        "body.mode",
      ].sort(),
    );
    expect(issues.find((i) => i.path === "body.groups.2.capacity")?.message).toMatch(/200.*QR joins/);
    expect(issues.find((i) => i.path === "body.groups.1")?.message).toMatch(/wrA is listed twice/);
  });

  it("caps capacity at WeCom's 200 QR joins, at the exact boundary", () => {
    expect(parseCodeCreate({ ...base, capacity: 200 }).capacity).toBe(200);
    expect(parseCodeCreate({ ...base, capacity: 1 }).capacity).toBe(1);
    expect(pathsOf({ ...base, capacity: 201 })).toEqual(["body.capacity"]);
    expect(pathsOf({ ...base, capacity: 150.5 })).toEqual(["body.capacity"]);
  });

  it("a group welcome is text and/or ONE attachment, not both empty; text ≤ 3000 UTF-8 bytes (document 92366)", () => {
    expect(pathsOf({ ...base, welcome: {} })).toEqual(["body.welcome.text"]);
    expect(pathsOf({ ...base, welcome: { text: "   " } })).toEqual(["body.welcome.text"]);
    expect(() => parseCodeCreate({ ...base, welcome: { attachment: { type: "file", file: { mediaId: "m1" } } } })).not.toThrow();
    // a list is not taken: one attachment at most (and the welcome is then empty)
    expect(pathsOf({ ...base, welcome: { attachments: [] } })).toEqual(["body.welcome", "body.welcome.text"]);
    const text = "你".repeat(1000); // 3000 bytes
    expect(() => parseCodeCreate({ ...base, welcome: { text } })).not.toThrow();
    expect(pathsOf({ ...base, welcome: { text: `${text}b` } })).toEqual(["body.welcome.text"]);
    expect(pathsOf({ ...base, welcome: { text: "hi", attachment: { type: "image", image: { mediaId: "m", picUrl: "https://x.cn/a.png" } } } })).toEqual([
      "body.welcome.attachment.image.mediaId",
    ]);
  });

  it("landing mode does not auto-create (WeCom would route past the seats), and a code's mode never changes", () => {
    expect(pathsOf({ ...base, mode: "landing", autoCreate: { enabled: true, roomBaseName: "体验群" } })).toEqual(["body.autoCreate.enabled"]);
    const landing = parseCodeCreate({ ...base, mode: "landing" });
    const issues = (body: unknown) => issuesOf(() => applyCodePatch(landing, "active", body)).map((i) => i.path);
    expect(issues({ autoCreate: { enabled: true, roomBaseName: "体验群" } })).toEqual(["body.autoCreate.enabled"]);
    expect(issues({ mode: "native" })).toEqual(["body.mode"]);
    expect(applyCodePatch(landing, "active", { mode: "landing" }).definition.mode).toBe("landing");
  });

  it("room_base_name is 40 characters (code points, not bytes) at most; roomBaseId defaults to 1", () => {
    const ok = parseCodeCreate({ ...base, autoCreate: { enabled: true, roomBaseName: "群".repeat(40) } });
    expect(ok.autoCreate).toEqual({ enabled: true, roomBaseName: "群".repeat(40), roomBaseId: 1 });
    expect(pathsOf({ ...base, autoCreate: { enabled: true, roomBaseName: "群".repeat(41) } })).toEqual(["body.autoCreate.roomBaseName"]);
    expect(pathsOf({ ...base, autoCreate: { enabled: true } })).toEqual(["body.autoCreate.roomBaseName"]);
    expect(parseCodeCreate({ ...base, autoCreate: { enabled: true, roomBaseName: "销售客服群", roomBaseId: 10 } }).autoCreate).toMatchObject({ roomBaseId: 10 });
  });
});

describe("applyCodePatch", () => {
  const stored = parseCodeCreate(base);

  it("adds and removes groups and reports the delta", () => {
    const plan = applyCodePatch(stored, "active", { addGroups: [{ chatId: "wrC", ownerUserId: "wangwu" }], removeChatIds: ["wrA"] });
    expect(plan.definition.groups.map((g) => g.chatId)).toEqual(["wrB", "wrC"]);
    expect(plan.added.map((g) => g.chatId)).toEqual(["wrC"]);
    expect(plan.removed).toEqual(["wrA"]);
    expect(plan.welcomeChanged).toBe(false);
    expect(plan.joinWayChanged).toBe(false);
  });

  it("refuses re-adding a pooled group and removing an unknown one, each as a field", () => {
    const issues = issuesOf(() => applyCodePatch(stored, "active", { addGroups: [{ chatId: "wrB", ownerUserId: "lisi" }], removeChatIds: ["wrZ"] }));
    expect(issues.map((i) => i.path)).toEqual(["body.addGroups.0.chatId", "body.removeChatIds.0"]);
  });

  it("removing and re-adding one group in one patch replaces its settings", () => {
    const plan = applyCodePatch(stored, "active", { addGroups: [{ chatId: "wrB", ownerUserId: "lisi", capacity: 100 }], removeChatIds: ["wrB"] });
    expect(plan.definition.groups.find((g) => g.chatId === "wrB")?.capacity).toBe(100);
  });

  it("welcome null removes it; a changed name or auto-create changes the join way", () => {
    const plan = applyCodePatch(stored, "active", { welcome: null, name: "新名字" });
    expect(plan.definition.welcome).toBeUndefined();
    expect(plan.welcomeChanged).toBe(true);
    expect(plan.joinWayChanged).toBe(true);
    expect(applyCodePatch(stored, "active", { welcome: base.welcome }).welcomeChanged).toBe(false);
    expect(applyCodePatch(stored, "active", { autoCreate: { enabled: true, roomBaseName: "群" } }).joinWayChanged).toBe(true);
  });

  it("an empty patch is a field error; an archived code cannot change", () => {
    expect(issuesOf(() => applyCodePatch(stored, "active", {})).map((i) => i.path)).toEqual(["body"]);
    expect(() => applyCodePatch(stored, "archived", { name: "x" }, "c1")).toThrow(CodeArchived);
  });
});

describe("the WeCom forms", () => {
  it("a welcome maps to group_welcome_template's shape", () => {
    expect(toWecomGroupWelcome({ text: "欢迎", attachment: { type: "link", link: { title: "t", url: "https://siyu.dev" } } })).toEqual({
      text: { content: "欢迎" },
      link: { title: "t", url: "https://siyu.dev" },
    });
    expect(toWecomGroupWelcome({ attachment: { type: "image", image: { picUrl: "https://x.cn/a.png" } } })).toEqual({ image: { pic_url: "https://x.cn/a.png" } });
  });

  it("the join way state names the code within WeCom's 30 characters, and back", () => {
    expect(joinWayState("k3v9q2m7xa")).toBe("glc.k3v9q2m7xa");
    expect(codeIdOfState(joinWayState("k3v9q2m7xa"))).toBe("k3v9q2m7xa");
    expect(codeIdOfState("ch_123")).toBeUndefined();
    expect(codeIdOfState(undefined)).toBeUndefined();
    expect(() => joinWayState("x".repeat(27))).toThrow(RangeError);
    expect(joinWayState("x".repeat(26))).toHaveLength(30);
  });
});
