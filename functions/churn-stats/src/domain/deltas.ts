/**
 * Incremental maintenance: the current state of one customer + new facts → the new state and the
 * exact counter increments to apply.
 *
 * State: one **customer ledger** per (corp, externalUserId) holding every fact of every relation of
 * that customer. It is the unit of consistency because the corp figures count distinct customers
 * (whether a loss of one relation loses the customer depends on the customer's other relations) and
 * a transfer touches two relations of the same customer. Keeping the facts themselves (not just a
 * connected flag and an active-relation count) is what makes late and out-of-order facts exact: the
 * figures of a customer are a pure function of its facts (`customerFigures`), and the increments
 * are `customerFigures(after) − customerFigures(before)`, which contain whatever compensations a
 * late fact implies (e.g. a `lost` that arrives before its `added` counts as a loss of a baseline
 * relation; when the `added` arrives, the baseline is moved to the add day and the channel of the
 * loss is corrected to the add's channel).
 *
 * Write pattern (one DynamoDB transaction per customer and event):
 * 1. Put the ledger with `version = old.version + 1`, condition `version = old.version` (or
 *    `attribute_not_exists` for a new ledger); on a condition failure re-read and re-apply.
 * 2. Put each of `appended` in the fact log with `attribute_not_exists` (the append-only history
 *    `rebuild` replays; optional if ledgers are the only history kept).
 * 3. `ADD` every row of `storageIncrements(deltas)`.
 * A redelivered event finds its facts in the ledger: `changed: false`, nothing to write — the
 * ledger is the dedupe marker. Increments for different customers commute, so consumers may run
 * concurrently and may merge the deltas of a batch (`sumFigures`) as long as each ledger write is
 * conditional and in the same transaction as the increments it produced.
 */
import { DEFAULT_TIMEZONE } from "@siyu/kernel";
import * as z from "zod";
import { addCohortContributions } from "./cohorts.ts";
import {
  CORP_GROUP,
  type CohortRow,
  COUNTER_FIELDS,
  type CounterField,
  type CounterRow,
  type Counters,
  channelGroup,
  diffFigures,
  FigureSheet,
  type Figures,
  type GroupId,
  RELATIONS_GROUP,
  staffGroup,
  zeroCounters,
} from "./counters.ts";
import { type CustomerEpisode, type CustomerHistory, customerEpisodes, customerHistory } from "./episodes.ts";
import { customerKey, dayOf, type EndKind, type Fact, factSchema, type StartKind, sortFacts } from "./facts.ts";

export interface ChurnOptions {
  /** The corp's timezone; days are corp-timezone calendar days. Default Asia/Shanghai. */
  timeZone?: string;
}

export const customerLedgerSchema = z.object({
  corpId: z.string().min(1).max(64),
  externalUserId: z.string().min(1).max(128),
  /** Optimistic-lock version: 0 for a ledger never written, +1 on every write. */
  version: z.number().int().nonnegative(),
  /** Every fact of the customer, deduplicated, in canonical order. */
  facts: z.array(factSchema),
});
export type CustomerLedger = z.infer<typeof customerLedgerSchema>;

export function emptyLedger(corpId: string, externalUserId: string): CustomerLedger {
  return { corpId, externalUserId, version: 0, facts: [] };
}

const START_FIELD: Record<StartKind, CounterField> = { added: "added", transferred_in: "transferredIn" };
const END_FIELD: Record<EndKind, CounterField> = { lost: "lost", removed: "removed", transferred_out: "transferredOut" };

function countEpisode(
  sheet: FigureSheet,
  groups: readonly GroupId[],
  start: Fact | null,
  end: Fact | null,
  timeZone: string,
): void {
  for (const g of groups) {
    if (start) {
      const day = dayOf(start.at, timeZone);
      sheet.count(day, g, START_FIELD[start.kind as StartKind]).count(day, g, "active", 1);
    } else {
      sheet.base(g, 1);
    }
    if (end) {
      const day = dayOf(end.at, timeZone);
      sheet.count(day, g, END_FIELD[end.kind as EndKind]).count(day, g, "active", -1);
    }
  }
}

/**
 * All figures of one customer, from its facts (any order; duplicates ignored):
 * - per relation episode, for `staff:<userId>`, `channel:<episode channel>` and `relations`:
 *   its start (`added` / `transferredIn`, `active +1` on the start day; baseline: `baseline +1`)
 *   and its end (`lost` / `removed` / `transferredOut`, `active −1` on the end day);
 * - per customer episode, the same for `corp` (distinct customers);
 * - cohort rows (`cohorts.ts`).
 */
export function customerFigures(facts: readonly Fact[], opts: ChurnOptions = {}): Figures {
  return figuresOf(customerHistory(facts), opts);
}

function figuresOf(history: CustomerHistory, opts: ChurnOptions): Figures {
  const timeZone = opts.timeZone ?? DEFAULT_TIMEZONE;
  const customer: CustomerEpisode[] = customerEpisodes(history);
  const sheet = new FigureSheet();
  for (const ep of history.episodes) {
    countEpisode(sheet, [staffGroup(ep.userId), channelGroup(ep.channelId), RELATIONS_GROUP], ep.start, ep.end, timeZone);
  }
  for (const ep of customer) countEpisode(sheet, [CORP_GROUP], ep.start, ep.end, timeZone);
  addCohortContributions(sheet, history, customer, timeZone);
  return sheet.toFigures();
}

export interface ApplyResult {
  /** The ledger to write (same object when nothing changed). */
  ledger: CustomerLedger;
  /** False when every new fact was already recorded: nothing to write. */
  changed: boolean;
  /** The facts added to the ledger (to append to the fact log). */
  appended: Fact[];
  /** The facts that were already in the ledger (redeliveries). */
  duplicates: Fact[];
  /** Increments to apply; may be empty even when `changed` (e.g. the second half of a mutual delete). */
  deltas: Figures;
  /**
   * How each appended fact counts as of this apply: `counted` (it starts or ends an episode — e.g.
   * a `lost` that is a real loss, worth a churn alert), `ignored` (it does not flip its relation:
   * the second half of a mutual delete, an add of a connected relation) or `absorbed` (a transfer's
   * add notification). A later fact can change this (e.g. an earlier `removed` arriving late).
   */
  outcomes: FactOutcome[];
}

export interface FactOutcome {
  fact: Fact;
  outcome: "counted" | "ignored" | "absorbed";
}

/**
 * Apply the facts of one event (all of one customer; a transfer yields two) to the customer's ledger.
 * Pure: the caller persists `ledger` (conditional on the old version) and `deltas` in one transaction.
 * Throws RangeError if a fact belongs to another corp or customer than the ledger.
 */
export function applyFacts(ledger: CustomerLedger, facts: readonly Fact[], opts: ChurnOptions = {}): ApplyResult {
  const known = new Set(ledger.facts.map((f) => f.factId));
  const appended: Fact[] = [];
  const duplicates: Fact[] = [];
  for (const f of facts) {
    if (f.corpId !== ledger.corpId || f.externalUserId !== ledger.externalUserId) {
      throw new RangeError(`fact ${f.factId} of ${customerKey(f)} applied to the ledger of ${customerKey(ledger)}`);
    }
    if (known.has(f.factId)) {
      duplicates.push(f);
      continue;
    }
    known.add(f.factId);
    appended.push(f);
  }
  if (appended.length === 0) {
    return { ledger, changed: false, appended, duplicates, deltas: { counters: [], baseline: [], cohorts: [] }, outcomes: [] };
  }
  const next: CustomerLedger = {
    corpId: ledger.corpId,
    externalUserId: ledger.externalUserId,
    version: ledger.version + 1,
    facts: sortFacts([...ledger.facts, ...appended]),
  };
  const history = customerHistory(next.facts);
  const deltas = diffFigures(figuresOf(history, opts), customerFigures(ledger.facts, opts));
  const ignored = new Set(history.ignored.map((f) => f.factId));
  const absorbed = new Set(history.absorbed.map((f) => f.factId));
  const outcomes = appended.map((fact): FactOutcome => ({
    fact,
    outcome: absorbed.has(fact.factId) ? "absorbed" : ignored.has(fact.factId) ? "ignored" : "counted",
  }));
  return { ledger: next, changed: true, appended, duplicates, deltas, outcomes };
}

export interface LedgerStatus {
  /** Staff members the customer is connected to now (baseline relations included), sorted. */
  connectedUserIds: string[];
  /** Whether the customer is a customer of the corp now (≥ 1 connected relation). */
  connected: boolean;
}

/** The customer's current connections, e.g. for a churn alert ("still follows 2 other staff"). */
export function ledgerStatus(ledger: Pick<CustomerLedger, "facts">): LedgerStatus {
  const connectedUserIds = customerHistory(ledger.facts)
    .episodes.filter((e) => e.end === null)
    .map((e) => e.userId)
    .sort();
  return { connectedUserIds, connected: connectedUserIds.length > 0 };
}

/** Per month (`YYYY-MM`) × group: the sum of the month's day rows. */
export interface MonthRow extends Counters {
  month: string;
  group: GroupId;
}

/** Per group, all time: `active` is the number connected now (baseline included). */
export interface TotalRow extends Counters {
  group: GroupId;
}

/**
 * The counter items to `ADD` for a delta, in the recommended layout:
 * - day rows (day × group): the daily figures the series reads;
 * - month rows (month × group): monthly totals, and the sums that make start-of-range balances cheap;
 * - total rows (group): all-time sums; `active` = connected now, including the baseline;
 * - cohort rows (cohort day × group).
 * `customersAtStart(from) = total.active − Σ month.active (months after from's month)
 *   − Σ day.active (days of from's month, from onwards)` (`series.openingBalance`).
 */
export interface StorageIncrements {
  days: CounterRow[];
  months: MonthRow[];
  totals: TotalRow[];
  cohorts: CohortRow[];
}

export function storageIncrements(deltas: Figures): StorageIncrements {
  const months = new Map<string, MonthRow>();
  const totals = new Map<GroupId, TotalRow>();
  const total = (group: GroupId) => {
    let t = totals.get(group);
    if (!t) {
      t = { group, ...zeroCounters() };
      totals.set(group, t);
    }
    return t;
  };
  for (const r of deltas.counters) {
    const month = r.day.slice(0, 7);
    const key = `${month} ${r.group}`;
    let m = months.get(key);
    if (!m) {
      m = { month, group: r.group, ...zeroCounters() };
      months.set(key, m);
    }
    const t = total(r.group);
    for (const k of COUNTER_FIELDS) {
      m[k] += r[k];
      t[k] += r[k];
    }
  }
  for (const b of deltas.baseline) total(b.group).active += b.active;
  const nonZero = (c: Counters) => COUNTER_FIELDS.some((k) => c[k] !== 0);
  return {
    days: deltas.counters.map((r) => ({ ...r })),
    months: [...months.values()].filter(nonZero).sort((a, b) => cmp(a.month, b.month) || cmp(a.group, b.group)),
    totals: [...totals.values()].filter(nonZero).sort((a, b) => cmp(a.group, b.group)),
    cohorts: deltas.cohorts.map((r) => ({ ...r })),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** DynamoDB's TransactWriteItems limit. */
export const MAX_TRANSACT_ITEMS = 100;

/**
 * Items of the transaction for one apply: the ledger, the appended fact-log items and the counter
 * rows. Above `MAX_TRANSACT_ITEMS` (only for unusually late facts that reshape many days) the caller
 * must fall back (see docs/definitions.md, "Storage").
 */
export function transactionItemCount(result: Pick<ApplyResult, "appended">, inc: StorageIncrements): number {
  return 1 + result.appended.length + inc.days.length + inc.months.length + inc.totals.length + inc.cohorts.length;
}
