import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GROUPS_PER_NOTICE, planWelcomeNotices, planWelcomeTemplate, WELCOME_CLAIM_STALE_MS, welcomeLabel } from "../src/domain/welcome.ts";

const now = new Date("2026-12-02T02:00:00.000Z");
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("the code's one template", () => {
  it("is added once, edited only when the content changes, deleted when the welcome goes", () => {
    const add = planWelcomeTemplate({ text: "欢迎入群" }, undefined, now);
    expect(add).toMatchObject({ kind: "add", body: { text: { content: "欢迎入群" } } });
    const hash = add.kind === "add" ? add.contentHash : "";
    const created = { state: "created" as const, templateId: "T1", contentHash: hash };
    expect(planWelcomeTemplate({ text: "欢迎入群" }, created, now)).toEqual({ kind: "none" });
    expect(planWelcomeTemplate({ text: "新版" }, created, now)).toMatchObject({ kind: "edit", templateId: "T1", body: { text: { content: "新版" } } });
    expect(planWelcomeTemplate(undefined, created, now)).toEqual({ kind: "delete", templateId: "T1" });
    expect(planWelcomeTemplate(undefined, undefined, now)).toEqual({ kind: "none" });
  });

  it("waits on a fresh claim, retries a stale one (a lost add answer), never resends refused content", () => {
    const fresh = { state: "claimed" as const, claimedAt: new Date(now.getTime() - 1000).toISOString() };
    expect(planWelcomeTemplate({ text: "欢迎" }, fresh, now)).toEqual({ kind: "wait" });
    const stale = { state: "claimed" as const, claimedAt: new Date(now.getTime() - WELCOME_CLAIM_STALE_MS).toISOString() };
    expect(planWelcomeTemplate({ text: "欢迎" }, stale, now).kind).toBe("add");
    const add = planWelcomeTemplate({ text: "欢迎" }, undefined, now);
    const refused = { state: "refused" as const, refused: { contentHash: add.kind === "add" ? add.contentHash : "", errcode: 41055, message: "full", at: now.toISOString() } };
    expect(planWelcomeTemplate({ text: "欢迎" }, refused, now)).toEqual({ kind: "none" });
    expect(planWelcomeTemplate({ text: "换个内容" }, refused, now).kind).toBe("add");
  });

  it("carries the one attachment under its msgtype's key", () => {
    const step = planWelcomeTemplate({ attachment: { type: "link", link: { title: "福利", url: "https://e.cn/x" } } }, undefined, now);
    expect(step).toMatchObject({ kind: "add", body: { link: { title: "福利", url: "https://e.cn/x" } } });
  });
});

describe("telling the routed groups' owners", () => {
  const welcome = { text: "欢迎加入会员群，回复 1 领券" };

  it("one message per owner for their groups not yet told about this template; unknown owners wait", () => {
    const notices = planWelcomeNotices(
      [
        { chatId: "c1", name: "会员1群", ownerUserId: "zhangsan" },
        { chatId: "c2", name: "会员2群", ownerUserId: "lisi" },
        { chatId: "c3", name: "会员3群", ownerUserId: "zhangsan" },
        { chatId: "c4", name: "会员4群", ownerUserId: "zhangsan", welcomeNotice: "T1" },
        { chatId: "c5", name: "会员5群" },
        { chatId: "c6", name: "会员6群", ownerUserId: "lisi", welcomeNotice: "T0" },
      ],
      "T1",
      "会员福利群",
      welcome,
    );
    expect(notices.map((n) => [n.to, n.chatIds])).toEqual([
      ["zhangsan", ["c1", "c3"]],
      ["lisi", ["c2", "c6"]],
    ]);
    expect(notices[0]!.text).toContain("会员1群");
    expect(notices[0]!.text).toContain("会员3群");
    expect(notices[0]!.text).not.toContain("会员4群");
    expect(notices[0]!.text).toContain("「欢迎加入会员群，回复 1 领券」");
  });

  it("every message fits an app message (≤ 2048 bytes), however long the names, and every group is named once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 45 }), fc.string({ minLength: 1, maxLength: 60 }), fc.string({ minLength: 1, maxLength: 200 }), (n, name, text) => {
        const groups = Array.from({ length: n }, (_, i) => ({ chatId: `c${i}`, name: `${name}${"群".repeat(40)}`, ownerUserId: "zhangsan" }));
        const notices = planWelcomeNotices(groups, "T", "码".repeat(60), { text: `${text}x` });
        expect(notices.flatMap((x) => x.chatIds)).toEqual(groups.map((g) => g.chatId));
        for (const x of notices) {
          expect(bytes(x.text)).toBeLessThanOrEqual(2048);
          expect(x.chatIds.length).toBeLessThanOrEqual(GROUPS_PER_NOTICE);
        }
      }),
    );
  });

  it("names the template by its text's start, or by its attachment when it has no text", () => {
    expect(welcomeLabel({ text: "  欢迎\n\n入群  " })).toBe("「欢迎 入群」");
    expect(welcomeLabel({ text: "一".repeat(30) })).toBe(`「${"一".repeat(24)}…」`);
    expect(welcomeLabel({ attachment: { type: "image", image: { mediaId: "m" } } } as never)).toBe("仅含图片的那条");
  });
});
