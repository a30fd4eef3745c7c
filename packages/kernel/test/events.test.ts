import { describe, expect, it } from "vitest";
import { deterministicId, EnvelopeError, MAX_MEMBER_CHANGE_IDS, makeEvent, newId, parseEnvelope, shortId } from "../src/index.ts";

describe("event envelope", () => {
  const meta = { corpId: "wwcorp", occurredAt: "2026-11-21T01:02:03.000Z" };

  it("builds and validates a registered event", () => {
    const e = makeEvent("probe.recorded", { probeId: "p1", recordedAt: "2026-11-21T01:02:03.000Z" }, meta);
    expect(e.type).toBe("probe.recorded");
    expect(e.id).toHaveLength(26);
    expect(parseEnvelope(JSON.stringify(e))).toEqual(e);
  });

  it("rejects unknown types, bad data and non-JSON with reasons", () => {
    expect(() => parseEnvelope("{")).toThrow(EnvelopeError);
    expect(() => parseEnvelope({ id: "1", type: "nope.never", occurredAt: meta.occurredAt, corpId: "c", data: {} })).toThrow(/unknown event type/);
    try {
      parseEnvelope({ id: "1", type: "contact.lost", occurredAt: meta.occurredAt, corpId: "c", data: { userId: "u" } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvelopeError);
      expect((error as EnvelopeError).issues.map((i) => i.path)).toContain("data.externalUserId");
    }
    expect(() => parseEnvelope({ id: "1", type: "probe.recorded", occurredAt: "yesterday", corpId: "c", data: {} })).toThrow(EnvelopeError);
  });
});

describe("group.member_changed", () => {
  const meta = { corpId: "wwcorp", occurredAt: "2026-11-21T01:02:03.000Z" };
  const base = { chatId: "wrCHAT1", change: "add_member", changedAt: meta.occurredAt } as const;
  const envelope = (data: Record<string, unknown>) => ({ id: "1", type: "group.member_changed", ...meta, data });

  it("an event from before the version, scene and id fields still validates (old messages on the queue)", () => {
    expect(parseEnvelope(envelope({ ...base, memberChangeCount: 1, memberVersion: "v2" })).data).toEqual({ ...base, memberChangeCount: 1, memberVersion: "v2" });
  });

  it("carries both versions, the scenes and the member ids", () => {
    const data = { ...base, memberChangeCount: 2, lastMemberVersion: "v1", memberVersion: "v2", joinScene: 3, memberIds: ["wmA", "wmB"] };
    const e = makeEvent("group.member_changed", data, meta);
    expect(parseEnvelope(JSON.stringify(e)).data).toEqual(data);
  });

  it("rejects an empty or oversized id list and scenes that are not WeCom's integers", () => {
    const path = (data: Record<string, unknown>) => {
      try {
        parseEnvelope(envelope({ ...base, ...data }));
        return undefined;
      } catch (error) {
        return (error as EnvelopeError).issues.map((i) => i.path);
      }
    };
    expect(path({ memberIds: [] })).toContain("data.memberIds");
    expect(path({ memberIds: Array.from({ length: MAX_MEMBER_CHANGE_IDS }, (_, i) => `wm${i}`) })).toBeUndefined();
    expect(path({ memberIds: Array.from({ length: MAX_MEMBER_CHANGE_IDS + 1 }, (_, i) => `wm${i}`) })).toContain("data.memberIds");
    expect(path({ memberIds: [""] })).toContain("data.memberIds.0");
    expect(path({ joinScene: 1.5 })).toContain("data.joinScene");
    expect(path({ quitScene: -1 })).toContain("data.quitScene");
  });
});

describe("ids", () => {
  it("makes unique sortable ids and stable derived ids", () => {
    const a = newId();
    const b = newId();
    expect(a).not.toBe(b);
    expect(deterministicId("x", 1)).toBe(deterministicId("x", 1));
    expect(deterministicId("ab", "c")).not.toBe(deterministicId("a", "bc"));
    expect(shortId()).toMatch(/^[0-9a-z]{10}$/);
    expect(shortId(30)).toHaveLength(30);
  });
});
