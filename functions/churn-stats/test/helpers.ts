import { type DomainEvent, type EventData, type EventType, makeEvent } from "@siyu/kernel";
import {
  applyFacts,
  type ChurnOptions,
  type CohortCounters,
  type CohortRow,
  type CounterRow,
  type Counters,
  type CustomerLedger,
  customerKey,
  emptyLedger,
  type Fact,
  type Figures,
  factsFromEvent,
  type MonthRow,
  openingBalance,
  openingReadPlan,
  type StorageIncrements,
  sumFigures,
  type TotalRow,
  zeroCohort,
  zeroCounters,
} from "../src/domain/index.ts";

export const CORP = "ww-corp";

export function ev<T extends EventType>(type: T, data: EventData<T>, id?: string): DomainEvent<T> {
  return makeEvent(type, data, { corpId: CORP, occurredAt: "2024-01-01T00:00:00Z", ...(id ? { id } : {}) });
}

export const added = (userId: string, externalUserId: string, addedAt: string, channelId = "ch1") =>
  ev("contact.added", { userId, externalUserId, channelId, addedAt });
export const lost = (userId: string, externalUserId: string, lostAt: string, channelId = "ch1") =>
  ev("contact.lost", { userId, externalUserId, channelId, lostAt });
export const removed = (userId: string, externalUserId: string, removedAt: string, channelId = "ch1") =>
  ev("contact.removed", { userId, externalUserId, channelId, removedAt });
export const transferred = (fromUserId: string, toUserId: string, externalUserId: string, transferredAt: string, channelId = "ch1") =>
  ev("contact.transferred", { fromUserId, toUserId, externalUserId, channelId, transferredAt });

/** Shanghai-midday instant of a day, for tests that don't care about the boundary. */
export const noon = (day: string) => `${day}T04:00:00Z`;

/** An in-memory stand-in for the ledger table + counter ADDs: applies events one by one. */
export class Harness {
  readonly ledgers = new Map<string, CustomerLedger>();
  private readonly applied: Figures[] = [];
  readonly results: ReturnType<typeof applyFacts>[] = [];
  constructor(private readonly opts: ChurnOptions = {}) {}

  deliver(...events: DomainEvent[]): this {
    for (const e of events) {
      const facts = factsFromEvent(e);
      const byCustomer = new Map<string, Fact[]>();
      for (const f of facts) byCustomer.set(customerKey(f), [...(byCustomer.get(customerKey(f)) ?? []), f]);
      for (const [key, fs] of byCustomer) {
        const first = fs[0]!;
        const ledger = this.ledgers.get(key) ?? emptyLedger(first.corpId, first.externalUserId);
        const result = applyFacts(ledger, fs, this.opts);
        this.results.push(result);
        if (result.changed) {
          this.ledgers.set(key, result.ledger);
          this.applied.push(result.deltas);
        }
      }
    }
    return this;
  }

  get lastDeltas(): Figures {
    return this.results.at(-1)!.deltas;
  }

  figures(): Figures {
    return sumFigures(this.applied);
  }

  allFacts(): Fact[] {
    return [...this.ledgers.values()].flatMap((l) => l.facts);
  }
}

export function counters(f: Figures, day: string, group: string): Counters {
  const r = f.counters.find((c) => c.day === day && c.group === group);
  if (!r) return zeroCounters();
  const { day: _d, group: _g, ...c } = r;
  return c;
}

export function cohort(f: Figures, day: string, group: string): CohortCounters {
  const r = f.cohorts.find((c) => c.day === day && c.group === group);
  if (!r) return zeroCohort();
  const { day: _d, group: _g, ...c } = r;
  return c;
}

export function baseline(f: Figures, group: string): number {
  return f.baseline.find((b) => b.group === group)?.active ?? 0;
}

/** Only the non-zero fields of a counters value, for readable assertions. */
export function nz(c: Counters | CohortCounters): Record<string, number> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0));
}

/** An in-memory stand-in for the counter rows: `ADD`s storage increments, like DynamoDB would. */
export class CounterTable {
  readonly days = new Map<string, CounterRow>();
  readonly months = new Map<string, MonthRow>();
  readonly totals = new Map<string, TotalRow>();
  readonly cohorts = new Map<string, CohortRow>();

  add(inc: StorageIncrements): this {
    for (const r of inc.days) addInto(this.days, `${r.day} ${r.group}`, r);
    for (const r of inc.months) addInto(this.months, `${r.month} ${r.group}`, r);
    for (const r of inc.totals) addInto(this.totals, r.group, r);
    for (const r of inc.cohorts) addInto(this.cohorts, `${r.day} ${r.group}`, r);
    return this;
  }

  /** The opening balance of a group for `from`, reading only the keys of `openingReadPlan`. */
  opening(group: string, from: string, lastDay: string): number {
    const plan = openingReadPlan(from, lastDay);
    return openingBalance(from, {
      total: this.totals.get(group)?.active ?? 0,
      months: plan.months.map((month) => ({ month, active: this.months.get(`${month} ${group}`)?.active ?? 0 })),
      days: plan.days.map((day) => ({ day, active: this.days.get(`${day} ${group}`)?.active ?? 0 })),
    });
  }
}

function addInto<T extends object>(map: Map<string, T>, key: string, row: T): void {
  const current = map.get(key);
  if (!current) {
    map.set(key, { ...row });
    return;
  }
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === "number") (current as Record<string, unknown>)[k] = ((current as Record<string, number>)[k] ?? 0) + v;
  }
}
