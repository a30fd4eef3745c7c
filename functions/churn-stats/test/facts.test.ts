import { describe, expect, it } from "vitest";
import {
  compareFacts,
  customerEpisodes,
  customerHistory,
  customerKey,
  factSchema,
  factsFromEvent,
  makeFact,
  relationKey,
  sortFacts,
} from "../src/domain/index.ts";
import { CORP, added, ev, lost, removed, transferred } from "./helpers.ts";

const fact = (kind: Parameters<typeof makeFact>[0]["kind"], userId: string, at: string, extra: Partial<Parameters<typeof makeFact>[0]> = {}) =>
  makeFact({ corpId: CORP, userId, externalUserId: "wm1", kind, at, channelId: "ch1", ...extra });

describe("factsFromEvent", () => {
  it("derives one fact per relation change with a normalised instant", () => {
    const [f, ...rest] = factsFromEvent(added("u1", "wm1", "2024-03-01T08:00:00Z", "poster"));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ corpId: CORP, userId: "u1", externalUserId: "wm1", kind: "added", at: "2024-03-01T08:00:00.000Z", channelId: "poster" });
    expect(factSchema.parse(f)).toEqual(f);
    expect(factsFromEvent(lost("u1", "wm1", "2024-03-02T08:00:00Z"))[0]?.kind).toBe("lost");
    expect(factsFromEvent(removed("u1", "wm1", "2024-03-02T08:00:00Z"))[0]?.kind).toBe("removed");
  });

  it("gives a redelivered event (new envelope id, same business identity) the same fact id", () => {
    const a = factsFromEvent(added("u1", "wm1", "2024-03-01T08:00:00Z"))[0]!;
    const b = factsFromEvent(ev("contact.added", { userId: "u1", externalUserId: "wm1", channelId: "ch1", addedAt: "2024-03-01T08:00:00.000Z" }, "other-envelope"))[0]!;
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.factId).toBe(b.factId);
    expect(a.factId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("gives different changes different ids", () => {
    const ids = new Set(
      [
        added("u1", "wm1", "2024-03-01T08:00:00Z"),
        added("u1", "wm1", "2024-03-01T08:00:01Z"),
        added("u2", "wm1", "2024-03-01T08:00:00Z"),
        added("u1", "wm2", "2024-03-01T08:00:00Z"),
        lost("u1", "wm1", "2024-03-01T08:00:00Z"),
        removed("u1", "wm1", "2024-03-01T08:00:00Z"),
      ].map((e) => factsFromEvent(e)[0]!.factId),
    );
    expect(ids.size).toBe(6);
  });

  it("turns a transfer into transferred_out for the giver and transferred_in for the taker", () => {
    const facts = factsFromEvent(transferred("u1", "u2", "wm1", "2024-03-05T02:00:00Z", "ch9"));
    expect(facts.map((f) => [f.kind, f.userId, f.counterpartUserId, f.channelId])).toEqual([
      ["transferred_out", "u1", "u2", "ch9"],
      ["transferred_in", "u2", "u1", "ch9"],
    ]);
    expect(factsFromEvent(transferred("u1", "u1", "wm1", "2024-03-05T02:00:00Z"))).toEqual([]);
  });

  it("ignores events that are not contact changes", () => {
    expect(factsFromEvent(ev("probe.requested", { probeId: "p", message: "hi" }))).toEqual([]);
  });
});

describe("keys and order", () => {
  it("encodes relation and customer keys unambiguously", () => {
    expect(relationKey({ corpId: "c", userId: "a/b", externalUserId: "e" })).toBe("c/a%2Fb/e");
    expect(relationKey({ corpId: "c", userId: "a", externalUserId: "b/e" })).not.toBe(
      relationKey({ corpId: "c", userId: "a/b", externalUserId: "e" }),
    );
    expect(customerKey({ corpId: "c", externalUserId: "e" })).toBe("c/e");
  });

  it("orders by instant, then starts before ends, then lost before removed", () => {
    const t = "2024-03-01T08:00:00Z";
    const out = fact("transferred_out", "u1", t, { counterpartUserId: "u2" });
    const inn = fact("transferred_in", "u2", t, { counterpartUserId: "u1" });
    const l = fact("lost", "u3", t);
    const r = fact("removed", "u3", t);
    const a = fact("added", "u4", t);
    const early = fact("removed", "u1", "2024-03-01T07:59:59Z");
    expect(sortFacts([out, r, l, inn, a, early]).map((f) => f.kind)).toEqual([
      "removed",
      "added",
      "transferred_in",
      "lost",
      "removed",
      "transferred_out",
    ]);
    expect(compareFacts(a, a)).toBe(0);
  });
});

describe("customerHistory (episodes)", () => {
  it("opens an episode per connecting start and closes it with the first end", () => {
    const h = customerHistory([
      fact("lost", "u1", "2024-03-02T00:00:00Z"),
      fact("added", "u1", "2024-03-01T00:00:00Z", { channelId: "a" }),
      fact("removed", "u1", "2024-03-03T00:00:00Z"), // other half of a mutual delete: ignored
      fact("added", "u1", "2024-03-04T00:00:00Z", { channelId: "b" }), // re-add: new episode
    ]);
    expect(h.episodes.map((e) => [e.start?.kind, e.end?.kind ?? null, e.channelId])).toEqual([
      ["added", "lost", "a"],
      ["added", null, "b"],
    ]);
    expect(h.ignored.map((f) => f.kind)).toEqual(["removed"]);
  });

  it("treats a relation whose history begins with an end as a baseline episode", () => {
    const h = customerHistory([fact("removed", "u1", "2024-03-02T00:00:00Z", { channelId: "x" }), fact("lost", "u1", "2024-03-03T00:00:00Z")]);
    expect(h.episodes).toHaveLength(1);
    expect(h.episodes[0]).toMatchObject({ start: null, startIndex: -1, channelId: "x", end: { kind: "removed" } });
    expect(h.ignored.map((f) => f.kind)).toEqual(["lost"]);
  });

  it("ignores a start while connected and deduplicates by fact id", () => {
    const a = fact("added", "u1", "2024-03-01T00:00:00Z");
    const h = customerHistory([a, a, fact("added", "u1", "2024-03-01T05:00:00Z")]);
    expect(h.facts).toHaveLength(2);
    expect(h.episodes).toHaveLength(1);
    expect(h.ignored).toHaveLength(1);
  });

  it("refuses facts of different customers", () => {
    expect(() => customerHistory([fact("added", "u1", "2024-03-01T00:00:00Z"), makeFact({ corpId: CORP, userId: "u1", externalUserId: "wm2", kind: "added", at: "2024-03-01T00:00:00Z" })])).toThrow(RangeError);
  });

  it("customer episodes span several relations and are not split by a transfer", () => {
    const h = customerHistory([
      fact("added", "u1", "2024-03-01T00:00:00Z"),
      fact("added", "u2", "2024-03-02T00:00:00Z"),
      fact("transferred_out", "u1", "2024-03-03T00:00:00Z", { counterpartUserId: "u3" }),
      fact("transferred_in", "u3", "2024-03-03T00:00:00Z", { counterpartUserId: "u1" }),
      fact("lost", "u2", "2024-03-04T00:00:00Z"),
      fact("lost", "u3", "2024-03-05T00:00:00Z"),
      fact("added", "u1", "2024-03-06T00:00:00Z"),
    ]);
    expect(customerEpisodes(h).map((e) => [e.start?.at ?? null, e.end?.at ?? null])).toEqual([
      ["2024-03-01T00:00:00.000Z", "2024-03-05T00:00:00.000Z"],
      ["2024-03-06T00:00:00.000Z", null],
    ]);
  });

  it("a customer with a baseline relation starts connected", () => {
    const h = customerHistory([fact("added", "u2", "2024-03-01T00:00:00Z"), fact("lost", "u1", "2024-03-02T00:00:00Z"), fact("lost", "u2", "2024-03-03T00:00:00Z")]);
    expect(customerEpisodes(h).map((e) => [e.start, e.end?.userId])).toEqual([[null, "u2"]]);
  });
});
