/**
 * Rebuild: recompute the day and cohort rows of a range of corp days from the stored facts, and
 * correct the stored rows to match. Used by the `rebuild` CLI, the rebuild queue (`POST
 * /v1/stats/rebuild`) and the tests; after a change of the corp's timezone, or to repair counters
 * after a bug.
 *
 * Per day D (no Scan anywhere: the fact log is partitioned by UTC day):
 * 1. snapshot D's day rows and cohort rows (strongly consistent Queries of `DAY#D`, `COHORT#D`);
 * 2. the customers with a fact on D: the fact log partitions of the UTC days D overlaps;
 * 3. their ledgers (BatchGetItem, consistent) → `customerFigures` (the domain) → D's rows;
 * 4. per row that differs, one transaction: `ADD (new − old)` to the day row on condition that its
 *    `rev` is still the snapshot's, and the same `ADD` to the row's month and all-time rows, so months
 *    and totals (the opening balances) move with the days they sum, plus the partitions' revision
 *    bumps (the read cache's packs of those days go stale). Cohort rows likewise.
 * A condition failure means a live increment landed after the snapshot: the day is redone from
 * step 1. So the rebuild may run while events are being counted, and a second run changes nothing.
 *
 * Only rows of days in the range change (and the month/total rows by exactly the same amounts).
 * Baseline relations (connected before any recorded fact) live only in the total rows and are not
 * recomputed; they are unaffected by a day's recomputation.
 */
import { addDays, dayRange, startOfCorpDay } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { assignClauses, TransactionConflict, transact } from "@siyu/store";
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type CohortCounters,
  type Counters,
  customerFigures,
  customerLedgerSchema,
  dayOf,
  type GroupId,
  zeroCohort,
  zeroCounters,
} from "../domain/index.ts";
import { batchGetRows, cohortOf, countersOf, forEachLimited, queryPartition, revOf } from "../store/counters.ts";
import { cohortRowKey, dayRowKey, ledgerKey, monthRowKey, totalRowKey, utcDay } from "../store/keys.ts";
import { revKey } from "../store/packs.ts";

export interface RebuildOptions {
  table: string;
  timeZone: string;
  from: string;
  to: string;
  /** Report what would change, write nothing. */
  dryRun?: boolean;
  log?: Logger;
  /** Row transactions in flight (default 8). */
  concurrency?: number;
}

export interface RowChange {
  day: string;
  group: GroupId;
  rows: "day" | "cohort";
  /** Non-zero differences, new − stored. */
  delta: Record<string, number>;
}

export interface RebuildReport {
  from: string;
  to: string;
  timeZone: string;
  dryRun: boolean;
  days: number;
  /** Customer ledgers read (a customer with facts on several days is read once per day). */
  ledgersRead: number;
  rowsCompared: number;
  rowsChanged: number;
  /** Days redone because a live increment landed during the rebuild. */
  redone: number;
  /** The first 200 changes. */
  changes: RowChange[];
}

type Item = Record<string, unknown>;

function diff<F extends string>(fields: readonly F[], next: Record<F, number>, old: Record<F, number>): Record<string, number> | undefined {
  const d: Record<string, number> = {};
  for (const f of fields) if (next[f] !== old[f]) d[f] = next[f] - old[f];
  return Object.keys(d).length > 0 ? d : undefined;
}

const full = (fields: readonly string[], d: Record<string, number>) => {
  const out: Record<string, number> = {};
  for (const f of fields) out[f] = d[f] ?? 0;
  out.rev = 1;
  return out;
};

function addExpression(deltas: Record<string, number>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = assignClauses(deltas, "c", { names, values }, "ADD");
  return { UpdateExpression: `ADD ${adds.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

function guardedAdd(table: string, key: { pk: string; sk: string }, deltas: Record<string, number>, rev: number | undefined) {
  const expr = addExpression(deltas);
  if (rev === undefined) return { Update: { TableName: table, Key: key, ...expr, ConditionExpression: "attribute_not_exists(pk)" } };
  return {
    Update: {
      TableName: table,
      Key: key,
      ...expr,
      ConditionExpression: "#rev = :rev",
      ExpressionAttributeNames: { ...expr.ExpressionAttributeNames, "#rev": "rev" },
      ExpressionAttributeValues: { ...expr.ExpressionAttributeValues, ":rev": rev },
    },
  };
}

function plainAdd(table: string, key: { pk: string; sk: string }, deltas: Record<string, number>) {
  return { Update: { TableName: table, Key: key, ...addExpression(deltas) } };
}

class DayChanged extends Error {}

/** The UTC days a corp day overlaps (the fact log partitions to read for it). */
function utcDaysOf(day: string, timeZone: string): string[] {
  const start = startOfCorpDay(day, timeZone);
  const end = new Date(startOfCorpDay(addDays(day, 1), timeZone).getTime() - 1);
  return dayRange(utcDay(start), utcDay(end));
}

export async function rebuildRange(o: RebuildOptions): Promise<RebuildReport> {
  const report: RebuildReport = {
    from: o.from,
    to: o.to,
    timeZone: o.timeZone,
    dryRun: o.dryRun ?? false,
    days: 0,
    ledgersRead: 0,
    rowsCompared: 0,
    rowsChanged: 0,
    redone: 0,
    changes: [],
  };
  for (const day of dayRange(o.from, o.to)) {
    for (let attempt = 1; ; attempt++) {
      try {
        await rebuildDay(o, day, report);
        break;
      } catch (error) {
        if (!(error instanceof DayChanged) || attempt >= 20) throw error;
        report.redone++;
        o.log?.info("rebuild: counters of the day changed meanwhile; redoing it", { day, attempt });
      }
    }
    report.days++;
  }
  o.log?.info("rebuild finished", { ...report, changes: report.changes.length });
  return report;
}

async function rebuildDay(o: RebuildOptions, day: string, report: RebuildReport): Promise<void> {
  const { table, timeZone } = o;
  // 1. the stored rows, first (anything committed after this is caught by the rev conditions)
  const [dayItems, cohortItems] = await Promise.all([
    queryPartition(table, dayRowKey(day, "corp").pk, { consistent: true }),
    queryPartition(table, cohortRowKey(day, "corp").pk, { consistent: true }),
  ]);
  // 2. customers with a fact on the day
  const customers = new Map<string, { corpId: string; externalUserId: string }>();
  for (const u of utcDaysOf(day, timeZone)) {
    for (const f of await queryPartition(table, `FACTS#${u}`, { consistent: true })) {
      if (dayOf(f.at as string, timeZone) !== day) continue;
      customers.set(f.customerKey as string, { corpId: f.corpId as string, externalUserId: f.externalUserId as string });
    }
  }
  // 3. their figures, from their ledgers
  const keys = [...customers.values()].map((c) => ledgerKey(c.corpId, c.externalUserId));
  const ledgers = await batchGetRows(table, keys, { consistent: true });
  report.ledgersRead += ledgers.size;
  const counters = new Map<GroupId, Counters>();
  const cohorts = new Map<GroupId, CohortCounters>();
  for (const item of ledgers.values()) {
    const ledger = customerLedgerSchema.parse({ corpId: item.corpId, externalUserId: item.externalUserId, version: item.version, facts: item.facts });
    const f = customerFigures(ledger.facts, { timeZone });
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
  // 4. correct what differs
  const stored = new Map<GroupId, Item>(dayItems.map((i) => [i.sk as string, i]));
  const storedCohorts = new Map<GroupId, Item>(cohortItems.map((i) => [i.sk as string, i]));
  const writes: (() => Promise<void>)[] = [];
  for (const group of new Set([...stored.keys(), ...counters.keys()])) {
    report.rowsCompared++;
    const old = stored.get(group);
    const delta = diff(COUNTER_FIELDS, counters.get(group) ?? zeroCounters(), countersOf(old));
    if (!delta) continue;
    report.rowsChanged++;
    if (report.changes.length < 200) report.changes.push({ day, group, rows: "day", delta });
    const d = full(COUNTER_FIELDS, delta);
    const dayKey = dayRowKey(day, group);
    const monthKey = monthRowKey(day.slice(0, 7), group);
    writes.push(() =>
      transact([
        guardedAdd(table, dayKey, d, revOf(old)),
        plainAdd(table, monthKey, d),
        plainAdd(table, totalRowKey(group), d),
        plainAdd(table, revKey(dayKey.pk), { rev: 1 }),
        plainAdd(table, revKey(monthKey.pk), { rev: 1 }),
      ]),
    );
  }
  for (const group of new Set([...storedCohorts.keys(), ...cohorts.keys()])) {
    report.rowsCompared++;
    const old = storedCohorts.get(group);
    const delta = diff(COHORT_FIELDS, cohorts.get(group) ?? zeroCohort(), cohortOf(old));
    if (!delta) continue;
    report.rowsChanged++;
    if (report.changes.length < 200) report.changes.push({ day, group, rows: "cohort", delta });
    const cohortKey = cohortRowKey(day, group);
    writes.push(() =>
      transact([guardedAdd(table, cohortKey, full(COHORT_FIELDS, delta), revOf(old)), plainAdd(table, revKey(cohortKey.pk), { rev: 1 })]),
    );
  }
  if (o.dryRun || writes.length === 0) return;
  let changed = false;
  await forEachLimited(writes, o.concurrency ?? 8, async (write) => {
    try {
      await write();
    } catch (error) {
      const conditionFailed = error instanceof TransactionConflict && (error.failedCondition(0) || error.codes.includes("TransactionConflict"));
      if (!conditionFailed) throw error;
      changed = true;
    }
  });
  if (changed) throw new DayChanged(day);
}
