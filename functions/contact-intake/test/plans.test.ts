import { parseEnvelope } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planCapSync } from "../src/domain/caps.ts";
import { channelCreateSchema } from "../src/domain/channel.ts";
import { planChannelCreate } from "../src/domain/channel-create.ts";
import { NoEligibleStaff } from "../src/domain/errors.ts";
import { intakeLookups } from "../src/domain/events.ts";
import { planSideEffects } from "../src/domain/followups.ts";
import { planTagsChanged, relationTagsAfter, type TagsAnnouncement } from "../src/domain/tags.ts";
import { planLaneWelcome } from "../src/domain/welcome.ts";

const tz = "Asia/Shanghai";
const now = new Date("2026-03-02T04:00:00Z"); // 12:00 in Shanghai, corp day 2026-03-02
const add = { channelId: "ch0000000a", userId: "liming", day: "2026-03-02", addKey: "k1" };

describe("planCapSync", () => {
  it("a random code changes only at or over the cap, once per member, channel, day and cap", () => {
    expect(planCapSync(add, { underCap: true }, { cap: 3, rotation: "wecom-random" }, { now, timeZone: tz })).toEqual({ overshoot: 0 });
    const at = planCapSync(add, { underCap: false, countAfter: 3 }, { cap: 3, rotation: "wecom-random" }, { now, timeZone: tz });
    const over = planCapSync({ ...add, addKey: "k2" }, { underCap: false, countAfter: 5 }, { cap: 3, rotation: "wecom-random" }, { now, timeZone: tz });
    expect(at.sync).toMatchObject({ reason: "cap-reached" });
    expect(over).toMatchObject({ overshoot: 2, sync: { reason: "cap-reached" } });
    expect(over.sync!.id).toBe(at.sync!.id);
  });

  it("a rotating code moves on after every add, one sync per add", () => {
    const a = planCapSync(add, { underCap: true }, { cap: 3, rotation: "round-robin" }, { now, timeZone: tz });
    const b = planCapSync({ ...add, addKey: "k2" }, { underCap: true }, { cap: 3, rotation: "round-robin" }, { now, timeZone: tz });
    expect(a.sync).toMatchObject({ reason: "add", addedUserId: "liming" });
    expect(a.sync!.id).not.toBe(b.sync!.id);
  });

  it("an add counted on another day than today asks nothing (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("wecom-random", "round-robin", "weighted"), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 60 }), (rotation, cap, count) => {
        expect(planCapSync({ ...add, day: "2026-03-01" }, { underCap: false, countAfter: count }, { cap, rotation }, { now, timeZone: tz }).sync).toBeUndefined();
      }),
    );
  });
});

describe("planSideEffects", () => {
  it("applied, pending with a retry, or refused", () => {
    expect(planSideEffects({ tags: {} }, now)).toEqual({ tagStatus: { status: "applied", at: now.toISOString() }, tagsRefused: false });
    const busy = planSideEffects({ tags: { failure: { errcode: 45009, transient: true } }, profile: { failure: { errcode: -2, transient: true } } }, now);
    expect(busy.tagStatus).toMatchObject({ status: "pending", errcode: 45009 });
    expect(busy.tagRetry).toMatchObject({ attempt: 1, delaySeconds: 5 });
    expect(busy.profileRetry).toMatchObject({ attempt: 1 });
    const refused = planSideEffects({ tags: { failure: { errcode: 48002, transient: false } } }, now);
    expect(refused).toMatchObject({ tagsRefused: true, tagStatus: { status: "failed", errcode: 48002 } });
    expect(refused.tagRetry).toBeUndefined();
    expect(planSideEffects({}, now)).toEqual({ tagsRefused: false });
  });
});

describe("relationTagsAfter", () => {
  it("WeCom's list for this member plus what was just marked; else only what was marked", () => {
    expect(relationTagsAfter("liming", { userId: "liming", followTags: ["a"] }, { userId: "liming", addTagIds: ["b"] })).toEqual({ add: ["b"], replace: ["a", "b"], known: true });
    expect(relationTagsAfter("liming", { userId: "wangfang", followTags: ["a"] }, { userId: "liming", addTagIds: ["b"] })).toEqual({ add: ["b"], known: true });
    expect(relationTagsAfter("liming", { userId: "liming", followTags: undefined }, undefined)).toEqual({ add: [], known: false });
    // WeCom's list says the relation has no tags: that is knowing them
    expect(relationTagsAfter("liming", { userId: "liming", followTags: [] }, undefined)).toEqual({ add: [], replace: [], known: true });
  });
});

describe("planTagsChanged", () => {
  const change: TagsAnnouncement = { corpId: "ww", userId: "liming", externalUserId: "wm1", source: "add", id: "ev-1", at: now };

  it("announces the full set, deduplicated, with the change's id, instant and source", () => {
    const ev = planTagsChanged(change, { before: ["etOld"], after: ["etA", "etB", "etA"] })!;
    expect(ev).toMatchObject({
      id: "ev-1",
      type: "contact.tags_changed",
      corpId: "ww",
      occurredAt: now.toISOString(),
      data: { userId: "liming", externalUserId: "wm1", tagIds: ["etA", "etB"], changedAt: now.toISOString(), source: "add" },
    });
    expect(parseEnvelope(JSON.parse(JSON.stringify(ev)))).toEqual(ev);
  });

  it("announces a set the write left unchanged (a retry after the write must still publish), and a set emptied", () => {
    expect(planTagsChanged(change, { before: ["etA"], after: ["etA"] })?.data.tagIds).toEqual(["etA"]);
    expect(planTagsChanged({ ...change, source: "edit" }, { before: ["etA"], after: [] })?.data).toMatchObject({ tagIds: [], source: "edit" });
  });

  it("says nothing when the tags are not known, or a relation without tags still has none", () => {
    expect(planTagsChanged(change, { before: ["etA"], after: undefined })).toBeUndefined();
    expect(planTagsChanged(change, { before: undefined, after: [] })).toBeUndefined();
    expect(planTagsChanged(change, { before: [], after: [""] })).toBeUndefined();
  });

  it("is a pure function of its input: the same change gives the same event (property)", () => {
    const tags = fc.array(fc.constantFrom("etA", "etB", "etC", "etD"), { maxLength: 6 });
    fc.assert(
      fc.property(fc.option(tags, { nil: undefined }), fc.option(tags, { nil: undefined }), (before, after) => {
        const ev = planTagsChanged(change, { before, after });
        expect(planTagsChanged(change, { before, after })).toEqual(ev);
        // announced exactly when the tags are known and the relation has (or had) some
        expect(ev !== undefined).toBe(after !== undefined && (after.length > 0 || (before?.length ?? 0) > 0));
        if (ev) expect(new Set(ev.data.tagIds)).toEqual(new Set(after));
      }),
    );
  });
});

describe("intakeLookups", () => {
  const base = { kind: "change_external_contact", userId: "liming", externalUserId: "wm1", createTime: now, dedupeKey: "k", corpId: "ww" } as const;
  it("reads the channel only for an add whose State Siyu could have made", () => {
    expect(intakeLookups({ ...base, changeType: "add_external_contact", state: "ch0000000a" } as never).channelId).toBe("ch0000000a");
    for (const state of ["poster#1", "海报", "", undefined]) expect(intakeLookups({ ...base, changeType: "add_external_contact", state } as never).channelId).toBeUndefined();
    expect(intakeLookups({ ...base, changeType: "del_follow_user" } as never)).toEqual({ relation: { externalUserId: "wm1", userId: "liming" } });
    expect(intakeLookups({ kind: "unknown", raw: "", dedupeKey: "k" } as never)).toEqual({});
  });
});

describe("planLaneWelcome", () => {
  const req = { addKey: "k", userId: "liming", externalUserId: "wm1", welcomeCode: "WC", createTime: now };
  const channel = { channelId: "ch0000000a", status: "active", definition: { welcome: { text: "您好", attachments: [] } } };
  it("sends an active channel's welcome, records no-message for an unknown or archived one", () => {
    expect(planLaneWelcome(req, channel as never, now, tz).plan.action).toBe("send");
    expect(planLaneWelcome(req, { ...channel, status: "archived" } as never, now, tz).plan).toMatchObject({ action: "skip", outcome: { status: "no-message" } });
    expect(planLaneWelcome(req, undefined, now, tz).record.channelId).toBe("unknown");
    expect(planLaneWelcome(req, channel as never, new Date(now.getTime() + 21_000), tz).plan).toMatchObject({ action: "skip", outcome: { status: "expired" } });
  });
});

describe("planChannelCreate", () => {
  const def = channelCreateSchema.parse({ name: "上海门店海报渠道，名字很长很长很长很长很长很长很长很长", staff: ["a", "b"], backupStaff: ["z"] });
  it("carries every eligible member, starts the rotation, cuts the remark to WeCom's 30 characters", () => {
    const plan = planChannelCreate(def, { now, timeZone: tz });
    expect([...plan.codeUsers].sort()).toEqual(["a", "b"]);
    expect(plan.remark.length).toBeLessThanOrEqual(30);
    expect(def.name.startsWith(plan.remark)).toBe(true);
    expect(new Date(plan.nextBoundaryAt).getTime()).toBeGreaterThan(now.getTime());
  });

  it("refuses a channel nobody could take adds on (a contact way cannot have zero users)", () => {
    const offHours = channelCreateSchema.parse({
      name: "夜间",
      staff: ["a"],
      // only Sunday 00:00-00:01 in Shanghai, and no off-hours staff or backups
      schedule: { windows: [{ weekdays: [7], ranges: [{ start: "00:00", end: "00:01" }] }] },
    });
    expect(() => planChannelCreate(offHours, { now, timeZone: tz })).toThrow(NoEligibleStaff);
  });
});
