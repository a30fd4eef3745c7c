import { describe, expect, it } from "vitest";
import { deterministicId, EnvelopeError, makeEvent, newId, parseEnvelope, shortId } from "../src/index.ts";

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
