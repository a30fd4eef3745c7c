import { describe, expect, it } from "vitest";
import { applyCampaignPatch, type CampaignCreateInput, parseCampaignCreate } from "../src/domain/campaign.ts";
import { toWecomMessage } from "../src/domain/content.ts";
import { CampaignFinished, CampaignStarted, InvalidInput } from "../src/domain/errors.ts";

const ctx = { now: new Date("2026-03-01T00:00:00Z"), timeZone: "Asia/Shanghai" };
const base: CampaignCreateInput = {
  name: "春季上新",
  audience: { chatType: "single", tags: { allOf: [["t-vip", "t-gold"], ["t-shanghai"]], noneOf: ["t-blocked"] } },
  content: { text: "你好，新品到店" },
  schedule: { kind: "at", at: "2026-03-02T10:00:00+08:00" },
};

function issuesOf(body: unknown, c = ctx) {
  try {
    parseCampaignCreate(body, c);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    expect((e as InvalidInput).retryable).toBe(false);
    return (e as InvalidInput).issues;
  }
  throw new Error("expected InvalidInput");
}
const pathsOf = (body: unknown, c = ctx) => issuesOf(body, c).map((i) => i.path);
const withContent = (content: unknown) => ({ ...base, content });
const link = (l: Record<string, unknown>) => ({ type: "link", link: { title: "标题", url: "https://siyu.dev/a", ...l } });

describe("parseCampaignCreate", () => {
  it("accepts a valid campaign and applies the defaults", () => {
    const c = parseCampaignCreate(base, ctx);
    expect(c.allowSelect).toBe(false);
    expect(c.reminders).toEqual({ auto: true, hoursBeforeDeadline: [4] });
    expect(c.content.attachments).toEqual([]);
    expect(c.deadline).toBeUndefined();
  });

  it("lists every failing field at once, with body paths", () => {
    const issues = issuesOf({
      name: " ",
      audience: { chatType: "group" },
      content: { text: "", attachments: [{ type: "image", image: {} }, { type: "video", video: {} }, link({ title: "x".repeat(129) })] },
      schedule: { kind: "recurring", cron: "0 10 * * * *", until: "soon" },
      reminders: { auto: true, hoursBeforeDeadline: [1, 2, 3, 4] },
      allowSelect: true,
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        "body.name",
        "body.audience.owners",
        "body.content.attachments.0.image.mediaId",
        "body.content.attachments.1.video.mediaId",
        "body.content.attachments.2.link.title",
        "body.schedule.cron",
        "body.schedule.until",
        "body.reminders.hoursBeforeDeadline",
        "body.allowSelect",
      ].sort(),
    );
    expect(issues.find((i) => i.path === "body.schedule.cron")?.message).toMatch(/\?/);
    expect(issues.find((i) => i.path === "body.reminders.hoursBeforeDeadline")?.message).toMatch(/at most 3 reminders/);
  });

  it("needs text or an attachment", () => {
    expect(pathsOf(withContent({}))).toEqual(["body.content.text"]);
    expect(pathsOf(withContent({ text: "   " }))).toEqual(["body.content.text"]);
    expect(() => parseCampaignCreate(withContent({ attachments: [{ type: "file", file: { mediaId: "m1" } }] }), ctx)).not.toThrow();
  });

  it("counts UTF-8 bytes: text of 4000 bytes of Chinese passes, one byte more fails", () => {
    const text = "你".repeat(1333) + "a"; // 3999 + 1 = 4000 bytes
    expect(() => parseCampaignCreate(withContent({ text }), ctx)).not.toThrow();
    const issues = issuesOf(withContent({ text: `${text}b` }));
    expect(issues).toEqual([{ path: "body.content.text", message: expect.stringMatching(/4000 UTF-8 bytes \(got 4001/) }]);
    // 1334 characters, far under 4000 characters, but 4002 bytes
    expect(pathsOf(withContent({ text: "你".repeat(1334) }))).toEqual(["body.content.text"]);
  });

  it("checks WeCom's per-field byte limits at the exact boundary", () => {
    const ok = (a: unknown) => expect(() => parseCampaignCreate(withContent({ attachments: [a] }), ctx)).not.toThrow();
    const bad = (a: unknown) => pathsOf(withContent({ attachments: [a] }));
    ok(link({ title: "标".repeat(42) + "ab" })); // 128 bytes
    expect(bad(link({ title: "标".repeat(43) }))).toEqual(["body.content.attachments.0.link.title"]); // 129
    ok(link({ desc: "述".repeat(170) + "ab" })); // 512
    expect(bad(link({ desc: "述".repeat(171) }))).toEqual(["body.content.attachments.0.link.desc"]); // 513
    const mp = (title: string) => ({ type: "miniprogram", miniprogram: { title, picMediaId: "m", appId: "wx1", page: "pages/index" } });
    ok(mp("小".repeat(21) + "a")); // 64
    expect(bad(mp("小".repeat(21) + "ab"))).toEqual(["body.content.attachments.0.miniprogram.title"]); // 65
    const longUrl = `https://siyu.dev/${"a".repeat(2048 - 17)}`; // 2048 bytes
    ok(link({ url: longUrl }));
    expect(bad(link({ url: `${longUrl}a` }))).toEqual(["body.content.attachments.0.link.url"]);
    expect(bad({ type: "miniprogram", miniprogram: { title: "t" } }).sort()).toEqual(
      ["appId", "page", "picMediaId"].map((k) => `body.content.attachments.0.miniprogram.${k}`).sort(),
    );
    expect(bad({ type: "voice" })).toEqual(["body.content.attachments.0.type"]);
  });

  it("allows at most 9 attachments", () => {
    const file = { type: "file", file: { mediaId: "m" } };
    expect(() => parseCampaignCreate(withContent({ attachments: Array(9).fill(file) }), ctx)).not.toThrow();
    expect(pathsOf(withContent({ attachments: Array(10).fill(file) }))).toEqual(["body.content.attachments"]);
  });

  it("checks the audience: add-date range, tag groups, bounded ids, group chats", () => {
    const single = (a: Record<string, unknown>) => pathsOf({ ...base, audience: { chatType: "single", ...a } });
    expect(single({ addedFrom: "2026-02-10", addedTo: "2026-02-01" })).toEqual(["body.audience.addedTo"]);
    expect(single({ addedFrom: "2026-02-30" })).toEqual(["body.audience.addedFrom"]);
    expect(single({ tags: { allOf: [[]] } })).toEqual(["body.audience.tags.allOf.0"]);
    expect(single({ tags: { allOf: [Array.from({ length: 101 }, (_, i) => `t${i}`)] } })).toEqual(["body.audience.tags.allOf.0"]);
    expect(single({ staff: ["a", "a"] })).toEqual(["body.audience.staff.1"]);
    expect(single({ externalUserIds: Array.from({ length: 10_001 }, (_, i) => `wm${i}`) })).toEqual(["body.audience.externalUserIds"]);
    const group = (a: Record<string, unknown>) => pathsOf({ ...base, audience: { chatType: "group", ...a } });
    expect(group({ chatIds: Array.from({ length: 2001 }, (_, i) => `wr${i}`) })).toEqual(["body.audience.chatIds"]);
    expect(() => parseCampaignCreate({ ...base, audience: { chatType: "group", chatIds: ["wr1"] } }, ctx)).not.toThrow();
    expect(pathsOf({ ...base, audience: { chatType: "both" } })).toEqual(["body.audience.chatType"]);
  });

  it("allowSelect is only for customer broadcasts", () => {
    expect(() => parseCampaignCreate({ ...base, allowSelect: true }, ctx)).not.toThrow();
    expect(pathsOf({ ...base, audience: { chatType: "group", owners: ["u1"] }, allowSelect: true })).toEqual(["body.allowSelect"]);
  });

  it("refuses a start in the past, a deadline before the start, and reminders before the start", () => {
    expect(pathsOf({ ...base, schedule: { kind: "at", at: "2026-02-28T23:59:59Z" } })).toEqual(["body.schedule.at"]);
    expect(pathsOf({ ...base, deadline: "2026-03-02T10:00:00+08:00" })).toEqual(["body.deadline"]);
    expect(pathsOf({ ...base, deadline: "2026-03-02T12:00:00+08:00", reminders: { auto: true, hoursBeforeDeadline: [1, 3] } })).toEqual([
      "body.reminders.hoursBeforeDeadline.1",
    ]);
    expect(pathsOf({ ...base, schedule: { kind: "recurring", cron: "0 10 ? * MON *", until: "2026-04-01T00:00:00Z" }, deadline: "2026-03-05T00:00:00Z" })).toEqual([
      "body.deadline",
    ]);
  });

  it("a recurring schedule needs a run before until, read in the corp zone", () => {
    const rec = (cron: string, until: string) => ({ ...base, schedule: { kind: "recurring", cron, until } });
    // now is 08:00 Shanghai: the first run is 10:00 there (02:00 UTC), so an until of 01:59 UTC comes before it
    expect(pathsOf(rec("0 10 * * ? *", "2026-03-01T01:59:00Z"))).toEqual(["body.schedule.until"]);
    expect(() => parseCampaignCreate(rec("0 10 * * ? *", "2026-03-01T02:00:00Z"), ctx)).not.toThrow();
    expect(pathsOf(rec("0 10 31 2 ? *", "2030-01-01T00:00:00Z"))).toEqual(["body.schedule.until"]); // February 31st never comes
    expect(pathsOf(rec("0 10 * * ? 2025", "2030-01-01T00:00:00Z"))).toEqual(["body.schedule.until"]);
  });

  it("reminders: at most 3 in any 24 h, spread wider passes", () => {
    const r = (hoursBeforeDeadline: number[]) => ({ ...base, reminders: { auto: true, hoursBeforeDeadline } });
    expect(() => parseCampaignCreate(r([1, 12, 24]), ctx)).not.toThrow();
    expect(() => parseCampaignCreate(r([1, 12, 24, 36, 48]), ctx)).not.toThrow(); // every 24 h window holds 3 at most
    expect(pathsOf(r([1, 12, 24, 25]))).toEqual(["body.reminders.hoursBeforeDeadline"]); // 1..25 spans 24 h with 4
    expect(pathsOf(r([2, 2]))).toEqual(["body.reminders.hoursBeforeDeadline.1"]);
    expect(() => parseCampaignCreate({ ...base, reminders: { auto: false, hoursBeforeDeadline: [] } }, ctx)).not.toThrow();
  });

  it("maps content to the add_msg_template fields", () => {
    const c = parseCampaignCreate(
      withContent({
        text: "hi",
        attachments: [{ type: "image", image: { picUrl: "https://siyu.dev/p.png" } }, link({ picUrl: "https://siyu.dev/c.png" })],
      }),
      ctx,
    );
    expect(toWecomMessage(c.content)).toEqual({
      text: { content: "hi" },
      attachments: [
        { msgtype: "image", image: { pic_url: "https://siyu.dev/p.png" } },
        { msgtype: "link", link: { title: "标题", url: "https://siyu.dev/a", picurl: "https://siyu.dev/c.png" } },
      ],
    });
  });
});

describe("applyCampaignPatch", () => {
  const stored = parseCampaignCreate(base, ctx);

  it("replaces the given fields and re-checks the merged campaign", () => {
    expect(applyCampaignPatch(stored, "scheduled", { name: "改名" }, ctx).name).toBe("改名");
    expect(() => applyCampaignPatch(stored, "draft", { audience: { chatType: "group", owners: ["u1"] }, allowSelect: true }, ctx)).toThrow(InvalidInput);
    const withDeadline = applyCampaignPatch(stored, "draft", { deadline: "2026-03-03T00:00:00+08:00" }, ctx);
    expect(applyCampaignPatch(withDeadline, "draft", { deadline: null }, ctx).deadline).toBeUndefined();
  });

  it("refuses an empty patch and a schedule moved into the past, but not a rename once the start is due", () => {
    expect(() => applyCampaignPatch(stored, "draft", {}, ctx)).toThrow(InvalidInput);
    const late = { now: new Date("2026-03-02T02:00:01Z"), timeZone: ctx.timeZone };
    expect(applyCampaignPatch(stored, "scheduled", { name: "x" }, late).name).toBe("x");
    expect(() => applyCampaignPatch(stored, "scheduled", { schedule: { kind: "at", at: "2026-03-02T10:00:00+08:00" } }, late)).toThrow(InvalidInput);
  });

  it("refuses edits once started (CampaignStarted) or ended (CampaignFinished)", () => {
    expect(() => applyCampaignPatch(stored, "running", { name: "x" }, ctx)).toThrow(CampaignStarted);
    expect(() => applyCampaignPatch(stored, "tracking", { name: "x" }, ctx)).toThrow(CampaignStarted);
    expect(() => applyCampaignPatch(stored, "done", { name: "x" }, ctx)).toThrow(CampaignFinished);
    expect(() => applyCampaignPatch(stored, "cancelled", { name: "x" }, ctx)).toThrow(CampaignFinished);
  });
});
