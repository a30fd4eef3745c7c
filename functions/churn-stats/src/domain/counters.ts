/**
 * Counter groups, counter fields and the `Figures` value that both the incremental path
 * (`deltas.ts`) and the rebuild path (`recompute.ts`) produce.
 *
 * Figures are additive: the figures of a corp are the sum of the figures of its customers, and a
 * delta is `figures(after) − figures(before)`. That is what makes them storable as plain counters
 * updated with DynamoDB `ADD` (commutative, so concurrent writers for different customers never
 * conflict), and what lets a batch consumer merge the deltas of many customers before writing.
 */

/** Distinct customers of the corp (a customer counts once however many staff they follow). */
export const CORP_GROUP = "corp";
/** All follow relations of the corp (the sum of every staff group). */
export const RELATIONS_GROUP = "relations";
export type GroupId = string;

export function staffGroup(userId: string): GroupId {
  return `staff:${userId}`;
}

/** `""` (no channel: added by search, card, group…) is the group `channel:`. */
export function channelGroup(channelId: string): GroupId {
  return `channel:${channelId}`;
}

export type ParsedGroup =
  | { kind: "corp" }
  | { kind: "relations" }
  | { kind: "staff"; userId: string }
  | { kind: "channel"; channelId: string };

export function parseGroup(group: GroupId): ParsedGroup {
  if (group === CORP_GROUP) return { kind: "corp" };
  if (group === RELATIONS_GROUP) return { kind: "relations" };
  if (group.startsWith("staff:")) return { kind: "staff", userId: group.slice(6) };
  if (group.startsWith("channel:")) return { kind: "channel", channelId: group.slice(8) };
  throw new RangeError(`not a churn counter group: ${group}`);
}

/**
 * Per day × group. `active` is the day's change of connected customers (corp) or relations (other
 * groups); customers at the end of a day is the running sum of `active` (plus the baseline).
 */
export const COUNTER_FIELDS = ["added", "lost", "removed", "transferredIn", "transferredOut", "active"] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];
export type Counters = Record<CounterField, number>;

/** Retention horizons, in days after the cohort day. */
export const COHORT_HORIZONS = [1, 7, 30] as const;
export type CohortHorizon = (typeof COHORT_HORIZONS)[number];

/** Per cohort day × group: cohort size, and how many of them were still connected at the end of day D+k. */
export const COHORT_FIELDS = ["size", "retained1", "retained7", "retained30"] as const;
export type CohortField = (typeof COHORT_FIELDS)[number];
export type CohortCounters = Record<CohortField, number>;

export function retainedField(k: CohortHorizon): CohortField {
  return `retained${k}`;
}

export function zeroCounters(): Counters {
  return { added: 0, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0, active: 0 };
}

export function zeroCohort(): CohortCounters {
  return { size: 0, retained1: 0, retained7: 0, retained30: 0 };
}

export interface CounterRow extends Counters {
  day: string;
  group: GroupId;
}

/** Connected customers/relations from before the recorded history (relations first seen by an end). */
export interface BaselineRow {
  group: GroupId;
  active: number;
}

export interface CohortRow extends CohortCounters {
  /** The cohort day D (the day the members were added). */
  day: string;
  group: GroupId;
}

/**
 * Statistics (or a delta of statistics): rows sorted by day then group, all-zero rows omitted,
 * so two `Figures` are equal exactly when they describe the same numbers.
 */
export interface Figures {
  counters: CounterRow[];
  baseline: BaselineRow[];
  cohorts: CohortRow[];
}

export function isEmptyFigures(f: Figures): boolean {
  return f.counters.length === 0 && f.baseline.length === 0 && f.cohorts.length === 0;
}

const cell = (day: string, group: GroupId) => `${day} ${group}`;
const splitCell = (key: string) => ({ day: key.slice(0, 10), group: key.slice(11) });
const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** A mutable accumulator of figures. */
/** The map's entry for `key`, created with `zero()` the first time. */
function cellOf<T>(map: Map<string, T>, key: string, zero: () => T): T {
  let c = map.get(key);
  if (!c) {
    c = zero();
    map.set(key, c);
  }
  return c;
}

export class FigureSheet {
  private readonly counters = new Map<string, Counters>();
  private readonly baseline = new Map<GroupId, number>();
  private readonly cohorts = new Map<string, CohortCounters>();

  count(day: string, group: GroupId, field: CounterField, n = 1): this {
    cellOf(this.counters, cell(day, group), zeroCounters)[field] += n;
    return this;
  }

  base(group: GroupId, n: number): this {
    this.baseline.set(group, (this.baseline.get(group) ?? 0) + n);
    return this;
  }

  cohort(day: string, group: GroupId, field: CohortField, n = 1): this {
    cellOf(this.cohorts, cell(day, group), zeroCohort)[field] += n;
    return this;
  }

  /** Add `sign ×` another figures value (use -1 to subtract). */
  add(f: Figures, sign: 1 | -1 = 1): this {
    for (const r of f.counters) for (const k of COUNTER_FIELDS) if (r[k] !== 0) this.count(r.day, r.group, k, sign * r[k]);
    for (const r of f.baseline) if (r.active !== 0) this.base(r.group, sign * r.active);
    for (const r of f.cohorts) for (const k of COHORT_FIELDS) if (r[k] !== 0) this.cohort(r.day, r.group, k, sign * r[k]);
    return this;
  }

  toFigures(): Figures {
    const counters: CounterRow[] = [];
    for (const [key, c] of [...this.counters].sort(byKey)) {
      if (COUNTER_FIELDS.every((k) => c[k] === 0)) continue;
      counters.push({ ...splitCell(key), ...c });
    }
    const baseline: BaselineRow[] = [];
    for (const [group, active] of [...this.baseline].sort(byKey)) if (active !== 0) baseline.push({ group, active });
    const cohorts: CohortRow[] = [];
    for (const [key, c] of [...this.cohorts].sort(byKey)) {
      if (COHORT_FIELDS.every((k) => c[k] === 0)) continue;
      cohorts.push({ ...splitCell(key), ...c });
    }
    return { counters, baseline, cohorts };
  }
}

/** The sum of several figures (e.g. the deltas of a batch, merged before writing). */
export function sumFigures(list: readonly Figures[]): Figures {
  const sheet = new FigureSheet();
  for (const f of list) sheet.add(f);
  return sheet.toFigures();
}

/** `after − before`: the increments that turn stored `before` into `after`. */
export function diffFigures(after: Figures, before: Figures): Figures {
  return new FigureSheet().add(after).add(before, -1).toFigures();
}
