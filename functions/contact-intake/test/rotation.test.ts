import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChannelCreate } from "../src/domain/channel.ts";
import { type Candidate, type Eligibility, eligibleStaff } from "../src/domain/eligibility.ts";
import {
  codeUsers,
  initialRotationState,
  nextStaff,
  pruneRotationState,
  type RotationState,
  recordAdd,
  roundRobinNext,
  weightedCharge,
  weightedNext,
} from "../src/domain/rotation.ts";

type Input = Pick<Eligibility, "list" | "candidates" | "userIds">;

function input(members: [string, number, boolean?][], list: Eligibility["list"] = "staff"): Input {
  const candidates: Candidate[] = members.map(([userId, weight, eligible = true]) => ({
    userId,
    weight,
    dailyCap: 200,
    addsToday: 0,
    eligible,
  }));
  return { list, candidates, userIds: candidates.filter((c) => c.eligible).map((c) => c.userId) };
}

/** Run `n` adds where each add goes to the member the code was narrowed to. */
function run(rotation: "round-robin" | "weighted", inp: Input, n: number, state = initialRotationState()) {
  const picks: string[] = [];
  for (let i = 0; i < n; i++) {
    const next = nextStaff(rotation, inp, state);
    if (next === undefined) break;
    picks.push(next);
    state = recordAdd(rotation, inp, state, next);
  }
  return { picks, state };
}

describe("round-robin", () => {
  it("serves members in list order, wrapping", () => {
    expect(run("round-robin", input([["a", 1], ["b", 1], ["c", 1]]), 7).picks).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("ignores weights", () => {
    expect(run("round-robin", input([["a", 5], ["b", 1]]), 4).picks).toEqual(["a", "b", "a", "b"]);
  });

  it("skips ineligible members: they lose their turn, the others keep strict order", () => {
    const first = run("round-robin", input([["a", 1], ["b", 1], ["c", 1]]), 1);
    expect(first.picks).toEqual(["a"]);
    const capped = run("round-robin", input([["a", 1], ["b", 1, false], ["c", 1]]), 4, first.state);
    expect(capped.picks).toEqual(["c", "a", "c", "a"]);
    // b back the next day: continues after a
    expect(run("round-robin", input([["a", 1], ["b", 1], ["c", 1]]), 3, capped.state).picks).toEqual(["b", "c", "a"]);
  });

  it("accounts for the member who actually got the add (a scan racing the update)", () => {
    const inp = input([["a", 1], ["b", 1], ["c", 1], ["d", 1]]);
    let state = recordAdd("round-robin", inp, initialRotationState(), "a");
    expect(nextStaff("round-robin", inp, state)).toBe("b");
    // the code still showed a; c's add arrives (e.g. from an older code): continue after c
    state = recordAdd("round-robin", inp, state, "c");
    expect(nextStaff("round-robin", inp, state)).toBe("d");
  });

  it("keeps a cursor per list, so the night shift does not reset the pool's place", () => {
    const pool = input([["a", 1], ["b", 1], ["c", 1]], "staff");
    const night = input([["n1", 1], ["n2", 1]], "offHoursStaff");
    let state = run("round-robin", pool, 2).state; // a, b
    state = run("round-robin", night, 3, state).state; // n1, n2, n1
    expect(nextStaff("round-robin", pool, state)).toBe("c");
    expect(nextStaff("round-robin", night, state)).toBe("n2");
  });

  it("continues with the successor when the last served member was removed from the list", () => {
    const state = run("round-robin", input([["a", 1], ["b", 1], ["c", 1], ["d", 1]]), 2).state; // a, b
    expect(nextStaff("round-robin", input([["a", 1], ["c", 1], ["d", 1]]), state)).toBe("c");
    const atEnd = run("round-robin", input([["a", 1], ["b", 1]]), 2).state; // last = b at index 1
    expect(nextStaff("round-robin", input([["a", 1]]), atEnd)).toBe("a");
  });

  it("ignores adds of members outside the list and returns undefined when nobody is eligible", () => {
    const inp = input([["a", 1], ["b", 1]]);
    const s = recordAdd("round-robin", inp, initialRotationState(), "stranger");
    expect(s).toEqual(initialRotationState());
    expect(roundRobinNext(input([["a", 1, false]]).candidates, undefined)).toBeUndefined();
    expect(roundRobinNext([], undefined)).toBeUndefined();
  });

  it("property: with a fixed eligible set, every n consecutive picks serve each member exactly once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.nat({ max: 20 }), { nil: undefined }),
        (eligibleFlags, warmup, raceIndex) => {
          const inp = input(eligibleFlags.map((e, i) => [`u${i}`, 1, e]));
          let state = initialRotationState();
          if (raceIndex !== undefined) state = recordAdd("round-robin", inp, state, `u${raceIndex % eligibleFlags.length}`);
          state = run("round-robin", inp, warmup, state).state;
          const eligible = inp.userIds;
          const { picks } = run("round-robin", inp, eligible.length * 3, state);
          for (let i = 0; i + eligible.length <= picks.length; i++) {
            expect([...picks.slice(i, i + eligible.length)].sort()).toEqual([...eligible].sort());
          }
        },
      ),
    );
  });
});

describe("weighted (smooth weighted round robin)", () => {
  it("spreads picks evenly: weights 5,1,1 give a a b a c a a", () => {
    expect(run("weighted", input([["a", 5], ["b", 1], ["c", 1]]), 7).picks).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
  });

  it("equal weights behave like round-robin", () => {
    expect(run("weighted", input([["a", 2], ["b", 2], ["c", 2]]), 6).picks).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("charges the member who actually got the add", () => {
    const inp = input([["a", 1], ["b", 1]]);
    expect(nextStaff("weighted", inp, initialRotationState())).toBe("a");
    const s = recordAdd("weighted", inp, initialRotationState(), "b"); // b got the add instead
    expect(s.current).toEqual({ a: 1, b: -1 });
    expect(nextStaff("weighted", inp, s)).toBe("a");
  });

  it("charges a member capped by this very add", () => {
    // after the add, b is at cap (ineligible) but it was served
    const after = input([["a", 1], ["b", 1, false]]);
    expect(weightedCharge(after.candidates, {}, "b")).toEqual({ a: 1, b: -1 });
    expect(weightedCharge(after.candidates, {}, "stranger")).toEqual({});
  });

  it("freezes the state of ineligible members", () => {
    const s = run("weighted", input([["a", 1], ["b", 1], ["c", 1]]), 1).state; // a served
    const frozen = s.current.b;
    const later = run("weighted", input([["a", 1], ["b", 1, false], ["c", 1]]), 5, s).state;
    expect(later.current.b).toBe(frozen);
    expect(weightedNext(input([["a", 1, false]]).candidates, {})).toBeUndefined();
  });

  it("property: from a clean state with a fixed set, each cycle of W adds gives exactly the weights and resets the state", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (weights, cycles) => {
        const inp = input(weights.map((w, i) => [`u${i}`, w]));
        const W = weights.reduce((a, b) => a + b, 0);
        let state = initialRotationState();
        for (let c = 0; c < cycles; c++) {
          const r = run("weighted", inp, W, state);
          const counts = Object.fromEntries(weights.map((_, i) => [`u${i}`, 0]));
          for (const p of r.picks) counts[p]!++;
          expect(counts).toEqual(Object.fromEntries(weights.map((w, i) => [`u${i}`, w])));
          for (const v of Object.values(r.state.current)) expect(v).toBe(0);
          state = r.state;
        }
      }),
    );
  });

  it("property: after any history (set changes, racing adds), a fixed set converges: |count − k·w| ≤ 4 over k cycles", () => {
    const step = fc.record({
      eligible: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      race: fc.option(fc.nat({ max: 11 }), { nil: undefined, freq: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }),
        fc.array(step, { maxLength: 120 }),
        fc.integer({ min: 1, max: 4 }),
        (weights, history, k) => {
          let state: RotationState = initialRotationState();
          for (const h of history) {
            const inp = input(weights.map((w, i) => [`u${i}`, w, h.eligible[i]!]));
            const adder = h.race !== undefined ? `u${h.race % weights.length}` : nextStaff("weighted", inp, state);
            if (adder !== undefined) state = recordAdd("weighted", inp, state, adder);
          }
          const T = weights.reduce((a, b) => a + b, 0);
          for (const v of Object.values(state.current)) expect(Math.abs(v)).toBeLessThanOrEqual(2 * T);
          const full = input(weights.map((w, i) => [`u${i}`, w]));
          const { picks } = run("weighted", full, k * T, state);
          weights.forEach((w, i) => {
            const count = picks.filter((p) => p === `u${i}`).length;
            expect(Math.abs(count - k * w)).toBeLessThanOrEqual(4);
          });
        },
      ),
    );
  });

  it("property: deterministic and JSON-stable", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 40 }), (weights, n) => {
        const inp = input(weights.map((w, i) => [`u${i}`, w]));
        const a = run("weighted", inp, n);
        const b = run("weighted", inp, n, JSON.parse(JSON.stringify(initialRotationState())));
        expect(b).toEqual(a);
        expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
      }),
    );
  });
});

describe("codeUsers", () => {
  const channel = parseChannelCreate({ name: "c", staff: ["a", { userId: "b", weight: 3 }, "c"], backupStaff: ["z"] });
  const ctx = { now: new Date("2024-01-01T02:00:00Z"), timeZone: "Asia/Shanghai" };

  it("puts every eligible member on the code for wecom-random", () => {
    const e = eligibleStaff(channel, { ...ctx, addsToday: { c: 200 } });
    expect(codeUsers("wecom-random", e, initialRotationState())).toEqual(["a", "b"]);
    expect(nextStaff("wecom-random", e, initialRotationState())).toBeUndefined();
    expect(recordAdd("wecom-random", e, initialRotationState(), "a")).toEqual(initialRotationState());
  });

  it("narrows to one member for round-robin and weighted, using the channel's weights", () => {
    const e = eligibleStaff(channel, { ...ctx, addsToday: {} });
    expect(codeUsers("round-robin", e, initialRotationState())).toEqual(["a"]);
    expect(codeUsers("weighted", e, initialRotationState())).toEqual(["b"]);
  });

  it("narrows to a backup when the pool is exhausted, and to nobody when all are", () => {
    const e = eligibleStaff(channel, { ...ctx, addsToday: { a: 200, b: 200, c: 200 } });
    expect(codeUsers("round-robin", e, initialRotationState())).toEqual(["z"]);
    const none = eligibleStaff(channel, { ...ctx, addsToday: { a: 200, b: 200, c: 200, z: 200 } });
    expect(codeUsers("weighted", none, initialRotationState())).toEqual([]);
    expect(codeUsers("wecom-random", none, initialRotationState())).toEqual([]);
  });

  it("walks a whole day: the member who reaches the cap leaves the rotation", () => {
    const small = parseChannelCreate({ name: "c", staff: [{ userId: "a", dailyCap: 1 }, { userId: "b", dailyCap: 2 }], rotation: "round-robin" });
    const adds: Record<string, number> = {};
    let state = initialRotationState();
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const before = eligibleStaff(small, { ...ctx, addsToday: adds });
      const [u] = codeUsers(small.rotation, before, state);
      if (u === undefined) break;
      served.push(u);
      adds[u] = (adds[u] ?? 0) + 1;
      state = recordAdd(small.rotation, eligibleStaff(small, { ...ctx, addsToday: adds }), state, u);
    }
    expect(served).toEqual(["a", "b", "b"]);
  });
});

describe("pruneRotationState", () => {
  it("drops weighted state of removed members and keeps cursors", () => {
    const s: RotationState = { cursors: { staff: { userId: "x", index: 2 } }, current: { a: 1, x: -1 } };
    expect(pruneRotationState(s, ["a"])).toEqual({ cursors: { staff: { userId: "x", index: 2 } }, current: { a: 1 } });
  });
});
