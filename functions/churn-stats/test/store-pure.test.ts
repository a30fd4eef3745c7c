import { describe, expect, it } from "vitest";
import { applyFacts, emptyLedger, factsFromEvent, MAX_TRANSACT_ITEMS, storageIncrements } from "../src/domain/index.ts";
import { rowIncrements } from "../src/store/counters.ts";
import { chunkRows } from "../src/store/ledger.ts";
import { revBumps } from "../src/store/packs.ts";
import { added, CORP, noon } from "./helpers.ts";

const everydayAdd = () => {
  const r = applyFacts(emptyLedger(CORP, "wm1"), factsFromEvent(added("u1", "wm1", noon("2024-03-01"))));
  return rowIncrements(storageIncrements(r.deltas));
};

describe("write sizes", () => {
  it("an everyday add is 16 counter rows in 3 revisioned partitions: 21 items with the ledger and its fact", () => {
    const rows = everydayAdd();
    expect(rows).toHaveLength(16);
    expect(revBumps(rows).map((r) => r.key.pk)).toEqual(["REV#COHORT#2024-03-01", "REV#DAY#2024-03-01", "REV#MONTH#2024-03"]);
    expect(1 + 1 + rows.length + revBumps(rows).length).toBeLessThanOrEqual(MAX_TRANSACT_ITEMS);
  });

  it("cuts a split write into chunks that fit, each with the revision bumps of its own partitions", () => {
    const rows = everydayAdd();
    for (const capacity of [3, 5, 9, 99]) {
      const chunks = chunkRows(rows, capacity);
      for (const chunk of chunks) {
        expect(chunk.length).toBeLessThanOrEqual(capacity);
        const counters = chunk.filter((r) => !r.key.pk.startsWith("REV#"));
        expect(chunk.filter((r) => r.key.pk.startsWith("REV#"))).toEqual(revBumps(counters));
      }
      expect(chunks.flat().filter((r) => !r.key.pk.startsWith("REV#"))).toEqual(rows);
    }
  });
});
