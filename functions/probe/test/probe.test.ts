import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planProbe, probeStatus, probeView } from "../src/domain/probe.ts";

describe("probe domain", () => {
  it("plans the row and the command of a new probe", () => {
    const now = new Date("2026-11-21T01:02:03.000Z");
    expect(planProbe("p1", "hello", now)).toEqual({
      probe: { probeId: "p1", message: "hello", requestedAt: "2026-11-21T01:02:03.000Z" },
      command: { probeId: "p1", message: "hello" },
    });
  });

  it("is complete exactly when both hops have written, recorded when only the first has", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (recorded, observed) => {
        const p = { probeId: "p", message: "m", requestedAt: "t", ...(recorded ? { recordedAt: "r" } : {}), ...(observed ? { observedAt: "o" } : {}) };
        const status = probeStatus(p);
        expect(status === "complete").toBe(recorded && observed);
        expect(status === "recorded").toBe(recorded && !observed);
        expect(probeView(p)).toEqual({ ...p, status });
      }),
    );
  });
});
