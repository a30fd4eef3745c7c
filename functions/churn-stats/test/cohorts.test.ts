import { describe, expect, it } from "vitest";
import {
  buildCohorts,
  CORP_GROUP,
  channelGroup,
  isMature,
  isRetained,
  RELATIONS_GROUP,
  recompute,
  staffGroup,
} from "../src/domain/index.ts";
import { added, cohort, Harness, lost, noon, nz, removed, transferred } from "./helpers.ts";

const D = "2024-03-01";

describe("retention at 1, 7 and 30 days", () => {
  it.each([
    ["2024-03-01", {}], // lost on D itself
    ["2024-03-02", {}], // D+1: not connected at the end of D+1
    ["2024-03-03", { retained1: 1 }],
    ["2024-03-08", { retained1: 1 }], // D+7
    ["2024-03-09", { retained1: 1, retained7: 1 }],
    ["2024-03-31", { retained1: 1, retained7: 1 }], // D+30
    ["2024-04-01", { retained1: 1, retained7: 1, retained30: 1 }],
  ])("lost on %s", (lostDay, retained) => {
    const f = new Harness().deliver(added("u1", "wm1", noon(D)), lost("u1", "wm1", noon(lostDay))).figures();
    expect(nz(cohort(f, D, staffGroup("u1")))).toEqual({ size: 1, ...retained });
  });

  it("day boundaries are corp-timezone days", () => {
    // added 2024-03-01 23:30 Shanghai, removed 2024-03-03 00:30 Shanghai = D+2: retained at 1
    const f = new Harness().deliver(added("u1", "wm1", "2024-03-01T15:30:00Z"), removed("u1", "wm1", "2024-03-02T16:30:00Z")).figures();
    expect(nz(cohort(f, D, CORP_GROUP))).toEqual({ size: 1, retained1: 1 });
  });

  it("isRetained and isMature", () => {
    expect(isRetained(D, null, 30)).toBe(true);
    expect(isRetained(D, "2024-03-02", 1)).toBe(false);
    expect(isRetained(D, "2024-03-03", 1)).toBe(true);
    expect(isMature(D, 1, "2024-03-02")).toBe(false); // D+1 is today: not over yet
    expect(isMature(D, 1, "2024-03-03")).toBe(true);
    expect(isMature(D, 30, "2024-04-01")).toBe(true);
  });
});

describe("cohort members", () => {
  it("staff and channel cohorts count relations; the corp cohort counts customers newly connected", () => {
    const f = new Harness()
      .deliver(
        added("u1", "wm1", noon(D), "poster"),
        added("u2", "wm1", noon(D), "live"), // same customer, second staff member: a relation member only
        added("u1", "wm2", noon(D), "poster"),
        lost("u1", "wm1", noon("2024-03-02")),
      )
      .figures();
    expect(nz(cohort(f, D, staffGroup("u1")))).toEqual({ size: 2, retained1: 1, retained7: 1, retained30: 1 });
    expect(nz(cohort(f, D, staffGroup("u2")))).toEqual({ size: 1, retained1: 1, retained7: 1, retained30: 1 });
    expect(nz(cohort(f, D, channelGroup("poster")))).toEqual({ size: 2, retained1: 1, retained7: 1, retained30: 1 });
    expect(nz(cohort(f, D, RELATIONS_GROUP))).toEqual({ size: 3, retained1: 2, retained7: 2, retained30: 2 });
    expect(nz(cohort(f, D, CORP_GROUP))).toEqual({ size: 2, retained1: 2, retained7: 2, retained30: 2 });
  });

  it("a returning customer joins the cohort of the day they return", () => {
    const f = new Harness()
      .deliver(added("u1", "wm1", noon(D)), lost("u1", "wm1", noon("2024-03-02")), added("u2", "wm1", noon("2024-03-05")))
      .figures();
    expect(nz(cohort(f, "2024-03-05", CORP_GROUP))).toEqual({ size: 1, retained1: 1, retained7: 1, retained30: 1 });
    expect(nz(cohort(f, D, CORP_GROUP))).toEqual({ size: 1 });
  });

  it("a member follows the customer through a chain of transfers until the loss", () => {
    const h = new Harness().deliver(
      added("u1", "wm1", noon(D)),
      transferred("u1", "u2", "wm1", noon("2024-03-03")),
      transferred("u2", "u3", "wm1", noon("2024-03-10")),
      lost("u3", "wm1", noon("2024-03-20")),
    );
    const f = h.figures();
    expect(nz(cohort(f, D, staffGroup("u1")))).toEqual({ size: 1, retained1: 1, retained7: 1 });
    expect(cohort(f, "2024-03-03", staffGroup("u2")).size).toBe(0);
    expect(f).toEqual(recompute(h.allFacts()));
  });

  it("a late loss decrements the horizons it falls before (incremental maintenance)", () => {
    const h = new Harness().deliver(added("u1", "wm1", noon(D)));
    h.deliver(lost("u1", "wm1", noon("2024-03-05")));
    expect(nz(cohort(h.lastDeltas, D, staffGroup("u1")))).toEqual({ retained7: -1, retained30: -1 });
  });
});

describe("buildCohorts", () => {
  const rows = [
    { day: "2024-03-01", group: CORP_GROUP, size: 10, retained1: 8, retained7: 6, retained30: 4 },
    { day: "2024-03-03", group: CORP_GROUP, size: 5, retained1: 5, retained7: 4, retained30: 4 },
    { day: "2024-03-01", group: "staff:u1", size: 99, retained1: 0, retained7: 0, retained30: 0 },
  ];

  it("lists every day, reports a horizon only once it is over, and totals mature cohorts only", () => {
    const [c] = buildCohorts({ from: "2024-03-01", to: "2024-03-03", groups: [CORP_GROUP], rows, asOfDay: "2024-03-09" });
    expect(c!.points.map((p) => p.date)).toEqual(["2024-03-01", "2024-03-02", "2024-03-03"]);
    expect(c!.points[0]).toEqual({ date: "2024-03-01", size: 10, retained1: 8, retained7: 6, retained30: null, rate1: 0.8, rate7: 0.6, rate30: null });
    expect(c!.points[1]).toEqual({ date: "2024-03-02", size: 0, retained1: 0, retained7: null, retained30: null, rate1: null, rate7: null, rate30: null });
    expect(c!.points[2]).toMatchObject({ size: 5, retained1: 5, retained7: null, rate1: 1, rate7: null });
    expect(c!.totals).toEqual({
      size: 15,
      eligible1: 15,
      eligible7: 10,
      eligible30: 0,
      retained1: 13,
      retained7: 6,
      retained30: 0,
      rate1: 13 / 15,
      rate7: 0.6,
      rate30: null,
    });
  });
});
