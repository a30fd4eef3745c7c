/**
 * The rebuild's decisions for one corp day: the day's figures recomputed from the ledgers of the
 * customers with a fact on it, and the corrections (new − stored) that make the stored rows equal
 * them. Only rows that differ are corrected, so a second run finds nothing to change.
 */
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type CohortCounters,
  type Counters,
  type GroupId,
  zeroCohort,
  zeroCounters,
} from "./counters.ts";
import { customerFigures } from "./deltas.ts";
import type { Fact } from "./facts.ts";

/** A day's counter and cohort values per group. */
export interface DayFigures {
  counters: Map<GroupId, Counters>;
  cohorts: Map<GroupId, CohortCounters>;
}

export interface RowChange {
  day: string;
  group: GroupId;
  rows: "day" | "cohort";
  /** Non-zero differences, new − stored. */
  delta: Record<string, number>;
}

/**
 * The figures of `day` from whole customer ledgers: per group, the sum of each customer's figures of
 * that day (a customer's facts on other days shape its episodes, so the whole ledger is replayed).
 */
export function dayFigures(ledgers: readonly (readonly Fact[])[], day: string, timeZone: string): DayFigures {
  const counters = new Map<GroupId, Counters>();
  const cohorts = new Map<GroupId, CohortCounters>();
  for (const facts of ledgers) {
    const f = customerFigures(facts, { timeZone });
    for (const r of f.counters) {
      if (r.day !== day) continue;
      const c = counters.get(r.group) ?? zeroCounters();
      for (const k of COUNTER_FIELDS) c[k] += r[k];
      counters.set(r.group, c);
    }
    for (const r of f.cohorts) {
      if (r.day !== day) continue;
      const c = cohorts.get(r.group) ?? zeroCohort();
      for (const k of COHORT_FIELDS) c[k] += r[k];
      cohorts.set(r.group, c);
    }
  }
  return { counters, cohorts };
}

function diff<F extends string>(fields: readonly F[], next: Record<F, number>, old: Record<F, number>): Record<string, number> | undefined {
  const d: Record<string, number> = {};
  for (const f of fields) if (next[f] !== old[f]) d[f] = next[f] - old[f];
  return Object.keys(d).length > 0 ? d : undefined;
}

/**
 * The corrections of a day: every group with a stored or a recomputed row is compared (a missing row
 * is zeros); day rows first, then cohort rows, each in the order the groups were met.
 */
export function dayCorrections(day: string, computed: DayFigures, stored: DayFigures): { compared: number; changes: RowChange[] } {
  const changes: RowChange[] = [];
  let compared = 0;
  for (const group of new Set([...stored.counters.keys(), ...computed.counters.keys()])) {
    compared++;
    const delta = diff(COUNTER_FIELDS, computed.counters.get(group) ?? zeroCounters(), stored.counters.get(group) ?? zeroCounters());
    if (delta) changes.push({ day, group, rows: "day", delta });
  }
  for (const group of new Set([...stored.cohorts.keys(), ...computed.cohorts.keys()])) {
    compared++;
    const delta = diff(COHORT_FIELDS, computed.cohorts.get(group) ?? zeroCohort(), stored.cohorts.get(group) ?? zeroCohort());
    if (delta) changes.push({ day, group, rows: "cohort", delta });
  }
  return { compared, changes };
}
