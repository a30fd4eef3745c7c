import { describe, expect, it } from "vitest";
import {
  applyFacts,
  COUNTER_FIELDS,
  CORP_GROUP,
  channelGroup,
  customerLedgerSchema,
  emptyLedger,
  factsFromEvent,
  type Figures,
  ledgerStatus,
  MAX_TRANSACT_ITEMS,
  makeFact,
  RELATIONS_GROUP,
  recompute,
  staffGroup,
  storageIncrements,
  transactionItemCount,
} from "../src/domain/index.ts";
import { baseline, CORP, cohort, counters, Harness, added, lost, noon, nz, removed, transferred } from "./helpers.ts";

const S1 = staffGroup("u1");
const S2 = staffGroup("u2");
const CH = channelGroup("ch1");

/** Every row keeps the balance: active = added + in − lost − removed − out. */
function expectBalanced(f: Figures) {
  for (const r of f.counters) expect(r.active).toBe(r.added + r.transferredIn - r.lost - r.removed - r.transferredOut);
}

describe("applyFacts", () => {
  it("counts an add for the staff member, the channel, all relations and the corp", () => {
    const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01"), "ch1"));
    const f = h.figures();
    for (const g of [S1, CH, RELATIONS_GROUP, CORP_GROUP]) expect(nz(counters(f, "2024-03-01", g))).toEqual({ added: 1, active: 1 });
    expect(nz(cohort(f, "2024-03-01", S1))).toEqual({ size: 1, retained1: 1, retained7: 1, retained30: 1 });
    const ledger = h.ledgers.values().next().value!;
    expect(ledger.version).toBe(1);
    expect(customerLedgerSchema.parse(ledger)).toEqual(ledger);
  });

  it("counts a redelivered event once (the ledger is the dedupe marker)", () => {
    const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")));
    h.deliver(added("u1", "wm1", noon("2024-03-01")));
    const last = h.results.at(-1)!;
    expect(last.changed).toBe(false);
    expect(last.duplicates).toHaveLength(1);
    expect(last.deltas).toEqual({ counters: [], baseline: [], cohorts: [] });
    expect(h.ledgers.values().next().value!.version).toBe(1);
    expect(counters(h.figures(), "2024-03-01", S1).added).toBe(1);
  });

  it("refuses a fact of another customer", () => {
    const [f] = factsFromEvent(added("u1", "wm2", noon("2024-03-01")));
    expect(() => applyFacts(emptyLedger(CORP, "wm1"), [f!])).toThrow(RangeError);
  });

  describe("mutual delete counts as one end: the first by time (lost on a tie)", () => {
    it("lost then removed: one loss", () => {
      const h = new Harness().deliver(
        added("u1", "wm1", noon("2024-03-01")),
        lost("u1", "wm1", noon("2024-03-05")),
        removed("u1", "wm1", noon("2024-03-06")),
      );
      const f = h.figures();
      expect(nz(counters(f, "2024-03-05", S1))).toEqual({ lost: 1, active: -1 });
      expect(nz(counters(f, "2024-03-06", S1))).toEqual({});
      expect(nz(counters(f, "2024-03-05", CORP_GROUP))).toEqual({ lost: 1, active: -1 });
      expect(h.lastDeltas).toEqual({ counters: [], baseline: [], cohorts: [] });
      expect(h.results.at(-1)!.changed).toBe(true); // the fact is still recorded
    });

    it("removed then lost: one removal", () => {
      const f = new Harness()
        .deliver(added("u1", "wm1", noon("2024-03-01")), removed("u1", "wm1", noon("2024-03-05")), lost("u1", "wm1", noon("2024-03-05").replace("04:", "05:")))
        .figures();
      expect(nz(counters(f, "2024-03-05", S1))).toEqual({ removed: 1, active: -1 });
    });

    it("at the same instant: a loss", () => {
      const t = noon("2024-03-05");
      const f = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")), removed("u1", "wm1", t), lost("u1", "wm1", t)).figures();
      expect(nz(counters(f, "2024-03-05", S1))).toEqual({ lost: 1, active: -1 });
    });

    it("the later half arriving first is compensated when the earlier half arrives", () => {
      const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")), removed("u1", "wm1", noon("2024-03-06")));
      expect(nz(counters(h.figures(), "2024-03-06", S1))).toEqual({ removed: 1, active: -1 });
      h.deliver(lost("u1", "wm1", noon("2024-03-05")));
      const d = h.lastDeltas;
      expect(nz(counters(d, "2024-03-06", S1))).toEqual({ removed: -1, active: 1 });
      expect(nz(counters(d, "2024-03-05", S1))).toEqual({ lost: 1, active: -1 });
      const f = h.figures();
      expect(nz(counters(f, "2024-03-06", S1))).toEqual({});
      expect(nz(counters(f, "2024-03-05", S1))).toEqual({ lost: 1, active: -1 });
      expect(f).toEqual(recompute(h.allFacts()));
    });
  });

  it("a re-add after a loss is a new add and the earlier loss stays", () => {
    const f = new Harness()
      .deliver(added("u1", "wm1", noon("2024-03-01")), lost("u1", "wm1", noon("2024-03-03")), added("u1", "wm1", noon("2024-03-10")))
      .figures();
    expect(nz(counters(f, "2024-03-03", S1))).toEqual({ lost: 1, active: -1 });
    expect(nz(counters(f, "2024-03-10", S1))).toEqual({ added: 1, active: 1 });
    expect(nz(counters(f, "2024-03-10", CORP_GROUP))).toEqual({ added: 1, active: 1 });
    // lost on D+2: still connected at the end of D+1, not at the end of D+7
    expect(nz(cohort(f, "2024-03-01", S1))).toEqual({ size: 1, retained1: 1 });
    expect(nz(cohort(f, "2024-03-10", S1))).toEqual({ size: 1, retained1: 1, retained7: 1, retained30: 1 });
  });

  it("a transfer moves the relation between staff without a loss or an add", () => {
    const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")));
    h.deliver(transferred("u1", "u2", "wm1", noon("2024-03-04")));
    const d = h.lastDeltas;
    expect(nz(counters(d, "2024-03-04", S1))).toEqual({ transferredOut: 1, active: -1 });
    expect(nz(counters(d, "2024-03-04", S2))).toEqual({ transferredIn: 1, active: 1 });
    expect(nz(counters(d, "2024-03-04", CORP_GROUP))).toEqual({});
    expect(nz(counters(d, "2024-03-04", CH))).toEqual({ transferredIn: 1, transferredOut: 1 });
    expect(d.cohorts).toEqual([]); // still connected: the cohort member follows the customer
    // a later loss at the taker ends the giver's cohort member
    h.deliver(lost("u2", "wm1", noon("2024-03-05")));
    const f = h.figures();
    expect(nz(counters(f, "2024-03-05", S2))).toEqual({ lost: 1, active: -1 });
    expect(nz(counters(f, "2024-03-05", CORP_GROUP))).toEqual({ lost: 1, active: -1 });
    expect(nz(cohort(f, "2024-03-01", S1))).toEqual({ size: 1, retained1: 1 });
    expect(nz(cohort(f, "2024-03-01", CORP_GROUP))).toEqual({ size: 1, retained1: 1 });
    expect(cohort(f, "2024-03-04", S2).size).toBe(0); // a transfer-in is no cohort member
    expect(f).toEqual(recompute(h.allFacts()));
  });

  it("a transfer to a staff member already following the customer ends only the giver's relation", () => {
    const f = new Harness()
      .deliver(added("u1", "wm1", noon("2024-03-01")), added("u2", "wm1", noon("2024-03-02")), transferred("u1", "u2", "wm1", noon("2024-03-04")))
      .figures();
    expect(nz(counters(f, "2024-03-04", S1))).toEqual({ transferredOut: 1, active: -1 });
    expect(nz(counters(f, "2024-03-04", S2))).toEqual({});
    expect(nz(counters(f, "2024-03-04", CORP_GROUP))).toEqual({});
  });

  describe("the taker's add notification after a transfer", () => {
    const T = "2024-03-04T04:00:00Z";
    it("is absorbed: the taker gets a transfer-in, not an add", () => {
      const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")), transferred("u1", "u2", "wm1", T));
      h.deliver(added("u2", "wm1", "2024-03-04T04:01:00Z", "ch1"));
      expect(h.results.at(-1)!.outcomes.map((o) => o.outcome)).toEqual(["absorbed"]);
      expect(h.lastDeltas).toEqual({ counters: [], baseline: [], cohorts: [] });
      const f = h.figures();
      expect(nz(counters(f, "2024-03-04", S2))).toEqual({ transferredIn: 1, active: 1 });
      expect(nz(counters(f, "2024-03-04", CORP_GROUP))).toEqual({});
    });

    it("arriving before the transfer event, is first an add and then compensated", () => {
      const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")), added("u2", "wm1", "2024-03-04T03:55:00Z"));
      expect(nz(counters(h.figures(), "2024-03-04", S2))).toEqual({ added: 1, active: 1 });
      h.deliver(transferred("u1", "u2", "wm1", T));
      expect(nz(counters(h.lastDeltas, "2024-03-04", S2))).toEqual({ added: -1, transferredIn: 1 });
      expect(nz(counters(h.figures(), "2024-03-04", S2))).toEqual({ transferredIn: 1, active: 1 });
      expect(h.figures()).toEqual(recompute(h.allFacts()));
    });

    it("is not absorbed when the relation ended in between (a genuine re-add) or outside the window", () => {
      const f = new Harness()
        .deliver(
          added("u1", "wm1", noon("2024-03-01")),
          transferred("u1", "u2", "wm1", T),
          lost("u2", "wm1", "2024-03-04T05:00:00Z"),
          added("u2", "wm1", "2024-03-04T06:00:00Z"),
          added("u3", "wm2", "2024-03-01T00:00:00Z"),
          transferred("u3", "u1", "wm2", "2024-03-03T00:00:00Z"),
          added("u1", "wm2", "2024-03-05T00:00:01Z"), // more than 48 h later: a duplicate add, ignored
        )
        .figures();
      expect(nz(counters(f, "2024-03-04", S2))).toEqual({ transferredIn: 1, lost: 1, added: 1, active: 1 });
      expect(counters(f, "2024-03-05", S1).added).toBe(0);
    });
  });

  it("reports how each appended fact counts (for churn alerts)", () => {
    const h = new Harness().deliver(added("u1", "wm1", noon("2024-03-01")), lost("u1", "wm1", noon("2024-03-05")), removed("u1", "wm1", noon("2024-03-06")));
    expect(h.results.map((r) => r.outcomes.map((o) => [o.fact.kind, o.outcome]))).toEqual([
      [["added", "counted"]],
      [["lost", "counted"]],
      [["removed", "ignored"]],
    ]);
  });

  it("tells which staff the customer still follows", () => {
    const h = new Harness().deliver(
      added("u1", "wm1", noon("2024-03-01")),
      added("u2", "wm1", noon("2024-03-01")),
      transferred("u2", "u3", "wm1", noon("2024-03-02")),
      lost("u1", "wm1", noon("2024-03-03")),
    );
    expect(ledgerStatus(h.ledgers.values().next().value!)).toEqual({ connectedUserIds: ["u3"], connected: true });
    h.deliver(removed("u3", "wm1", noon("2024-03-04")));
    expect(ledgerStatus(h.ledgers.values().next().value!)).toEqual({ connectedUserIds: [], connected: false });
    expect(ledgerStatus(emptyLedger(CORP, "wm9"))).toEqual({ connectedUserIds: [], connected: false });
  });

  describe("out of order", () => {
    it("a loss before its add counts at once (baseline relation), then moves to the add when it arrives", () => {
      const h = new Harness().deliver(lost("u1", "wm1", noon("2024-03-05"), "from-loss"));
      let f = h.figures();
      expect(nz(counters(f, "2024-03-05", S1))).toEqual({ lost: 1, active: -1 });
      expect(baseline(f, S1)).toBe(1);
      expect(baseline(f, CORP_GROUP)).toBe(1);
      expect(nz(counters(f, "2024-03-05", channelGroup("from-loss")))).toEqual({ lost: 1, active: -1 });

      h.deliver(added("u1", "wm1", noon("2024-03-01"), "ch1"));
      const d = h.lastDeltas;
      expect(baseline(d, S1)).toBe(-1);
      expect(nz(counters(d, "2024-03-01", S1))).toEqual({ added: 1, active: 1 });
      expect(nz(counters(d, "2024-03-05", S1))).toEqual({}); // the loss stays
      // the loss is re-attributed to the add's channel
      expect(nz(counters(d, "2024-03-05", channelGroup("from-loss")))).toEqual({ lost: -1, active: 1 });
      expect(nz(counters(d, "2024-03-05", CH))).toEqual({ lost: 1, active: -1 });

      f = h.figures();
      const inOrder = new Harness().deliver(added("u1", "wm1", noon("2024-03-01"), "ch1"), lost("u1", "wm1", noon("2024-03-05"), "from-loss")).figures();
      expect(f).toEqual(inOrder);
      expect(f.baseline).toEqual([]);
    });

    it("an add that arrives after a later re-add's loss still yields the in-order figures", () => {
      const events = [
        added("u1", "wm1", noon("2024-03-01")),
        lost("u1", "wm1", noon("2024-03-02")),
        added("u1", "wm1", noon("2024-03-03")),
        removed("u1", "wm1", noon("2024-03-04")),
      ];
      const inOrder = new Harness().deliver(...events).figures();
      const reversed = new Harness().deliver(...[...events].reverse()).figures();
      expect(reversed).toEqual(inOrder);
    });
  });

  describe("people vs relations", () => {
    it("a customer deleting two staff on the same day is one lost customer and two lost relations", () => {
      const f = new Harness()
        .deliver(
          added("u1", "wm1", noon("2024-03-01")),
          added("u2", "wm1", noon("2024-03-01")),
          lost("u1", "wm1", "2024-03-05T01:00:00Z"),
          lost("u2", "wm1", "2024-03-05T02:00:00Z"),
        )
        .figures();
      expect(nz(counters(f, "2024-03-01", CORP_GROUP))).toEqual({ added: 1, active: 1 });
      expect(nz(counters(f, "2024-03-01", RELATIONS_GROUP))).toEqual({ added: 2, active: 2 });
      expect(nz(counters(f, "2024-03-05", CORP_GROUP))).toEqual({ lost: 1, active: -1 });
      expect(nz(counters(f, "2024-03-05", RELATIONS_GROUP))).toEqual({ lost: 2, active: -2 });
      expect(counters(f, "2024-03-05", S1).lost).toBe(1);
      expect(counters(f, "2024-03-05", S2).lost).toBe(1);
    });

    it("the corp loses the customer on the day the last relation ends", () => {
      const f = new Harness()
        .deliver(
          added("u1", "wm1", noon("2024-03-01")),
          added("u2", "wm1", noon("2024-03-02")),
          lost("u1", "wm1", noon("2024-03-05")),
          removed("u2", "wm1", noon("2024-03-07")),
        )
        .figures();
      expect(nz(counters(f, "2024-03-02", CORP_GROUP))).toEqual({});
      expect(nz(counters(f, "2024-03-05", CORP_GROUP))).toEqual({});
      expect(nz(counters(f, "2024-03-07", CORP_GROUP))).toEqual({ removed: 1, active: -1 });
    });
  });

  describe("corp-timezone days", () => {
    it("16:00 UTC is midnight in Asia/Shanghai: the next day", () => {
      const f = new Harness().deliver(added("u1", "wm1", "2024-03-01T15:59:59Z"), added("u2", "wm2", "2024-03-01T16:00:00Z")).figures();
      expect(counters(f, "2024-03-01", CORP_GROUP).added).toBe(1);
      expect(counters(f, "2024-03-02", CORP_GROUP).added).toBe(1);
    });

    it("uses the corp's timezone when given", () => {
      const f = new Harness({ timeZone: "UTC" }).deliver(added("u1", "wm1", "2024-03-01T15:59:59Z"), added("u2", "wm2", "2024-03-01T16:00:00Z")).figures();
      expect(counters(f, "2024-03-01", CORP_GROUP).added).toBe(2);
    });
  });

  it("keeps every row balanced", () => {
    const h = new Harness().deliver(
      lost("u3", "wm2", noon("2024-03-03")),
      added("u1", "wm1", noon("2024-03-01")),
      transferred("u1", "u2", "wm1", noon("2024-03-02")),
      removed("u2", "wm1", noon("2024-03-04")),
    );
    for (const r of h.results) expectBalanced(r.deltas);
    expectBalanced(h.figures());
  });
});

describe("storageIncrements", () => {
  it("expands day deltas into day, month and total rows; the baseline goes to the total only", () => {
    const h = new Harness().deliver(lost("u1", "wm1", noon("2024-03-31")));
    const result = h.results[0]!;
    const inc = storageIncrements(result.deltas);
    expect(inc.days.filter((r) => r.group === S1)).toEqual([expect.objectContaining({ day: "2024-03-31", lost: 1, active: -1 })]);
    expect(inc.months.filter((r) => r.group === S1)).toEqual([expect.objectContaining({ month: "2024-03", lost: 1, active: -1 })]);
    // baseline +1, loss −1: connected now = 0, but the all-time lost count is kept
    expect(inc.totals.find((r) => r.group === S1)).toMatchObject({ lost: 1, active: 0 });
    expect(inc.cohorts).toEqual([]);
    const n = transactionItemCount(result, inc);
    expect(n).toBe(1 + 1 + inc.days.length + inc.months.length + inc.totals.length);
    expect(n).toBeLessThanOrEqual(MAX_TRANSACT_ITEMS);
  });

  it("an everyday add fits comfortably in one transaction", () => {
    const f = makeFact({ corpId: CORP, userId: "u1", externalUserId: "wm1", kind: "added", at: noon("2024-03-01"), channelId: "ch1" });
    const result = applyFacts(emptyLedger(CORP, "wm1"), [f]);
    const inc = storageIncrements(result.deltas);
    // 4 groups × (day + month + total) + 4 cohort rows + ledger + fact
    expect(transactionItemCount(result, inc)).toBe(18);
    for (const r of [...inc.days, ...inc.months, ...inc.totals]) for (const k of COUNTER_FIELDS) expect(Number.isInteger(r[k])).toBe(true);
  });
});
