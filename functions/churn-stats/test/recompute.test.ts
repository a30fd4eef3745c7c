import { describe, expect, it } from "vitest";
import { CORP_GROUP, factsFromEvent, recompute, staffGroup } from "../src/domain/index.ts";
import { baseline, counters, Harness, added, lost, noon, nz, removed, transferred } from "./helpers.ts";

const facts = (...events: Parameters<typeof factsFromEvent>[0][]) => events.flatMap(factsFromEvent);

describe("recompute (rebuild from the fact log)", () => {
  it("is empty for no facts", () => {
    expect(recompute([])).toEqual({ counters: [], baseline: [], cohorts: [] });
  });

  it("does not depend on the order or on duplicates in the log", () => {
    const log = facts(
      added("u1", "wm1", noon("2024-03-01")),
      lost("u1", "wm1", noon("2024-03-02")),
      removed("u1", "wm1", noon("2024-03-02")),
      added("u1", "wm1", noon("2024-03-04")),
      transferred("u1", "u2", "wm1", noon("2024-03-05")),
    );
    const expected = recompute(log);
    expect(recompute([...log].reverse())).toEqual(expected);
    expect(recompute([...log, ...log])).toEqual(expected);
    expect(nz(counters(expected, "2024-03-02", staffGroup("u1")))).toEqual({ lost: 1, active: -1 });
    expect(nz(counters(expected, "2024-03-05", CORP_GROUP))).toEqual({});
  });

  it("equals what the incremental path stored, and honours the corp timezone", () => {
    const events = [added("u1", "wm1", "2024-03-01T16:30:00Z"), lost("u1", "wm1", "2024-03-02T15:30:00Z"), lost("u2", "wm2", "2024-03-02T10:00:00Z")];
    for (const timeZone of ["Asia/Shanghai", "UTC", "America/New_York"]) {
      const h = new Harness({ timeZone }).deliver(...events);
      expect(recompute(h.allFacts(), { timeZone })).toEqual(h.figures());
    }
    const shanghai = recompute(facts(...events));
    expect(nz(counters(shanghai, "2024-03-02", CORP_GROUP))).toEqual({ added: 1, lost: 2, active: -1 });
    expect(baseline(shanghai, CORP_GROUP)).toBe(1);
    const utc = recompute(facts(...events), { timeZone: "UTC" });
    expect(nz(counters(utc, "2024-03-01", CORP_GROUP))).toEqual({ added: 1, active: 1 });
  });
});
