/**
 * Rebuild: all figures from the full list of facts, by one straightforward replay in time order.
 *
 * This is deliberately a different algorithm from the incremental path (`deltas.ts`, which derives
 * per-customer episodes and diffs them): a single pass over all facts that keeps the connected
 * state of each relation and the number of connected relations of each customer, and counts a fact
 * only when it flips its relation's state. It is the oracle of the property test (incremental
 * application in any arrival order, with redeliveries, must sum to exactly these figures) and the
 * basis of the `rebuild` command (replay the fact log, then overwrite the counter rows).
 */
import { DEFAULT_TIMEZONE, daysBetween } from "@siyu/kernel";
import {
  COHORT_HORIZONS,
  CORP_GROUP,
  type CounterField,
  channelGroup,
  FigureSheet,
  type Figures,
  type GroupId,
  RELATIONS_GROUP,
  retainedField,
  staffGroup,
} from "./counters.ts";
import type { ChurnOptions } from "./deltas.ts";
import { transferAddsAbsorbed } from "./episodes.ts";
import { customerKey, dayOf, dedupeFacts, type Fact, type FactKind, isStart, relationKey, sortFacts } from "./facts.ts";

const FIELD: Record<FactKind, CounterField> = {
  added: "added",
  transferred_in: "transferredIn",
  lost: "lost",
  removed: "removed",
  transferred_out: "transferredOut",
};

/** A cohort member: added on `day`, counted under `groups`, survival ended on `endDay` (null = not yet). */
interface Member {
  day: string;
  groups: GroupId[];
  endDay: string | null;
}

interface RelationState {
  connected: boolean;
  channelId: string;
  /** Relation cohort members currently carried by this relation (moved along by transfers). */
  riders: Member[];
}

interface CustomerState {
  active: number;
  member: Member | null;
}

export function recompute(facts: readonly Fact[], opts: ChurnOptions = {}): Figures {
  const timeZone = opts.timeZone ?? DEFAULT_TIMEZONE;
  const deduped = dedupeFacts(facts);
  const absorbed = transferAddsAbsorbed(deduped); // a transfer's add notification is the transfer itself
  const sorted = sortFacts(deduped.filter((f) => !absorbed.has(f.factId)));
  const sheet = new FigureSheet();
  const relations = new Map<string, RelationState>();
  const customers = new Map<string, CustomerState>();
  const members: Member[] = [];

  // Before its first fact, a relation is in the opposite state of that fact.
  for (const f of sorted) {
    const key = relationKey(f);
    if (relations.has(key)) continue;
    const connected = !isStart(f.kind);
    relations.set(key, { connected, channelId: f.channelId, riders: [] });
    const ck = customerKey(f);
    const c = customers.get(ck) ?? { active: 0, member: null };
    customers.set(ck, c);
    if (connected) {
      for (const g of [staffGroup(f.userId), channelGroup(f.channelId), RELATIONS_GROUP]) sheet.base(g, 1);
      if (++c.active === 1) sheet.base(CORP_GROUP, 1);
    }
  }

  for (const f of sorted) {
    const rel = relations.get(relationKey(f))!;
    const cust = customers.get(customerKey(f))!;
    const day = dayOf(f.at, timeZone);
    const start = isStart(f.kind);
    if (rel.connected === start) continue; // does not flip the relation: ignored
    rel.connected = start;
    if (start) rel.channelId = f.channelId;
    const groups = [staffGroup(f.userId), channelGroup(rel.channelId), RELATIONS_GROUP];
    for (const g of groups) sheet.count(day, g, FIELD[f.kind]).count(day, g, "active", start ? 1 : -1);

    if (start) {
      if (f.kind === "added") {
        const m: Member = { day, groups, endDay: null };
        rel.riders.push(m);
        members.push(m);
      }
      if (++cust.active === 1) {
        sheet.count(day, CORP_GROUP, FIELD[f.kind]).count(day, CORP_GROUP, "active", 1);
        if (f.kind === "added") {
          cust.member = { day, groups: [CORP_GROUP], endDay: null };
          members.push(cust.member);
        }
      }
    } else {
      const taker =
        f.kind === "transferred_out" && f.counterpartUserId !== undefined
          ? relations.get(relationKey({ ...f, userId: f.counterpartUserId }))
          : undefined;
      if (taker?.connected) taker.riders.push(...rel.riders);
      else for (const m of rel.riders) m.endDay = day;
      rel.riders = [];
      if (--cust.active === 0) {
        sheet.count(day, CORP_GROUP, FIELD[f.kind]).count(day, CORP_GROUP, "active", -1);
        if (cust.member) cust.member.endDay = day;
        cust.member = null;
      }
    }
  }

  for (const m of members) {
    for (const g of m.groups) {
      sheet.cohort(m.day, g, "size");
      for (const k of COHORT_HORIZONS) {
        if (m.endDay === null || daysBetween(m.day, m.endDay) > k) sheet.cohort(m.day, g, retainedField(k));
      }
    }
  }
  return sheet.toFigures();
}
