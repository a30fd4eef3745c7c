/**
 * Rebuild: recompute the day and cohort rows of a range of corp days from the stored facts, and
 * correct the stored rows to match. Used by the `rebuild` CLI, the rebuild queue (`POST
 * /v1/stats/rebuild`) and the tests; after a change of the corp's timezone, or to repair counters
 * after a bug.
 *
 * Per day D (no Scan anywhere: the fact log is partitioned by UTC day):
 * 1. snapshot D's day rows and cohort rows (strongly consistent Queries of `DAY#D`, `COHORT#D`);
 * 2. the customers with a fact on D: the fact log partitions of the UTC days D overlaps;
 * 3. their ledgers (consistent) → `dayFigures` → `dayCorrections` (the domain: which rows differ, by how much);
 * 4. per correction, one transaction (`store/corrections.ts`): conditional on the row's `rev` being
 *    the snapshot's, and added to the row's month and all-time rows too.
 * A condition failure means a live increment landed after the snapshot: the day is redone from
 * step 1. So the rebuild may run while events are being counted, and a second run changes nothing.
 *
 * Only rows of days in the range change (and the month/total rows by exactly the same amounts).
 * Baseline relations (connected before any recorded fact) live only in the total rows and are not
 * recomputed; they are unaffected by a day's recomputation.
 */
import { dayRange } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { mapLimit } from "@siyu/store";
import { customerLedgerSchema, dayCorrections, type DayFigures, dayFigures, dayOf, type GroupId, type RowChange } from "../domain/index.ts";
import { applyCorrection } from "../store/corrections.ts";
import { batchGetRows, cohortOf, countersOf, queryPartition, revOf } from "../store/counters.ts";
import { cohortRowKey, dayRowKey, factLogDaysOf, ledgerKey } from "../store/keys.ts";

export type { RowChange };

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
  /** The first `REPORTED_CHANGES` changes. */
  changes: RowChange[];
}

/** Changes listed in a report (the counts cover all of them): keeps a report of a long range small. */
const REPORTED_CHANGES = 200;
/** Redos of one day before giving up: each means a live increment landed on it during its rebuild. */
const MAX_DAY_ATTEMPTS = 20;

class DayChanged extends Error {}

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
        if (!(error instanceof DayChanged) || attempt >= MAX_DAY_ATTEMPTS) throw error;
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
  const stored: DayFigures = {
    counters: new Map(dayItems.map((i) => [i.sk as GroupId, countersOf(i)])),
    cohorts: new Map(cohortItems.map((i) => [i.sk as GroupId, cohortOf(i)])),
  };
  const revs = new Map<string, number | undefined>([
    ...dayItems.map((i): [string, number | undefined] => [`day ${i.sk as string}`, revOf(i)]),
    ...cohortItems.map((i): [string, number | undefined] => [`cohort ${i.sk as string}`, revOf(i)]),
  ]);
  // 2. customers with a fact on the day
  const customers = new Map<string, { corpId: string; externalUserId: string }>();
  for (const u of factLogDaysOf(day, timeZone)) {
    for (const f of await queryPartition(table, `FACTS#${u}`, { consistent: true })) {
      if (dayOf(f.at as string, timeZone) !== day) continue;
      customers.set(f.customerKey as string, { corpId: f.corpId as string, externalUserId: f.externalUserId as string });
    }
  }
  // 3. their ledgers → the day's figures → what differs
  const keys = [...customers.values()].map((c) => ledgerKey(c.corpId, c.externalUserId));
  const ledgers = await batchGetRows(table, keys, { consistent: true });
  report.ledgersRead += ledgers.size;
  const facts = [...ledgers.values()].map(
    (item) => customerLedgerSchema.parse({ corpId: item.corpId, externalUserId: item.externalUserId, version: item.version, facts: item.facts }).facts,
  );
  const { compared, changes } = dayCorrections(day, dayFigures(facts, day, timeZone), stored);
  report.rowsCompared += compared;
  report.rowsChanged += changes.length;
  report.changes.push(...changes.slice(0, Math.max(0, REPORTED_CHANGES - report.changes.length)));
  if (o.dryRun || changes.length === 0) return;
  // 4. correct what differs
  const written = await mapLimit(changes, o.concurrency ?? 8, (c) => applyCorrection(table, c, revs.get(`${c.rows} ${c.group}`)));
  if (written.includes(false)) throw new DayChanged(day);
}
