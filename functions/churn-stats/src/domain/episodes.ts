/**
 * Relation and customer episodes: the replay of one customer's facts (`facts.ts`) in canonical order.
 *
 * Episodes: replaying one relation's facts in that order, **a fact counts only when it flips the
 * relation's connected state**. Before its first fact a relation is in the opposite state of that
 * fact: a relation whose first known fact is an end was connected before the recorded history began
 * (a *baseline* relation). Each start that connects the relation opens an **episode**, closed by the
 * first end after it; other facts are *ignored* (a second end is the other half of a mutual delete,
 * a second start is a duplicate add). A re-add after an end opens a new episode. The taker's add
 * notification of a transfer is absorbed before the replay (`transferAddsAbsorbed`).
 */
import { customerKey, dedupeFacts, type Fact, isStart, relationKey, sortFacts } from "./facts.ts";

/**
 * One connected period of a relation. Indices are positions in the customer's canonical order
 * (`sortFacts` of all of the customer's facts), so episodes of different relations can be compared.
 */
export interface Episode {
  userId: string;
  /** The channel the episode is attributed to: its start's channel, or (baseline) its end's. */
  channelId: string;
  /** `null`: the relation was connected before the recorded history began (baseline). */
  start: Fact | null;
  /** `null`: still connected. */
  end: Fact | null;
  /** -1 for a baseline episode. */
  startIndex: number;
  /** `Number.POSITIVE_INFINITY` while connected. */
  endIndex: number;
}

export interface CustomerHistory {
  /** The customer's facts in canonical order, without the absorbed ones (episode indices refer to it). */
  facts: Fact[];
  /** Every relation episode of the customer, ordered by start (baseline first). */
  episodes: Episode[];
  /** Facts that did not flip their relation's state (mutual-delete second halves, duplicate adds). */
  ignored: Fact[];
  /** `added` facts that are the taker's add notification of a transfer (`transferAddsAbsorbed`). */
  absorbed: Fact[];
}

/**
 * After a transfer WeCom also sends the taker `add_external_contact` (except when the taker already
 * followed the customer). That add is the transfer itself, not a new customer, so an `added` on the
 * taker's relation from `before` ahead of to `after` behind its `transferred_in`, with no end of that
 * relation in between, is absorbed: left out of every figure (it stays in the ledger and the log).
 */
export const TRANSFER_ADD_WINDOW = { beforeMs: 10 * 60_000, afterMs: 48 * 3_600_000 } as const;

/** The ids of the `added` facts absorbed by a transfer (see `TRANSFER_ADD_WINDOW`); facts of any relations. */
export function transferAddsAbsorbed(facts: readonly Fact[]): Set<string> {
  const absorbed = new Set<string>();
  const byRelation = new Map<string, Fact[]>();
  for (const f of sortFacts(dedupeFacts(facts))) {
    const key = relationKey(f);
    const list = byRelation.get(key);
    if (list) list.push(f);
    else byRelation.set(key, [f]);
  }
  for (const rel of byRelation.values()) {
    rel.forEach((t, ti) => {
      if (t.kind !== "transferred_in") return;
      const at = Date.parse(t.at);
      rel.forEach((a, ai) => {
        if (a.kind !== "added") return;
        const dt = Date.parse(a.at) - at;
        if (dt < -TRANSFER_ADD_WINDOW.beforeMs || dt > TRANSFER_ADD_WINDOW.afterMs) return;
        const [lo, hi] = ai < ti ? [ai, ti] : [ti, ai];
        if (rel.slice(lo + 1, hi).some((f) => !isStart(f.kind))) return;
        absorbed.add(a.factId);
      });
    });
  }
  return absorbed;
}

/**
 * Replay one customer's facts (any order, deduplicated by id here) into relation episodes.
 * Facts of several relations of the same customer are fine; facts of other customers are not.
 */
export function customerHistory(facts: readonly Fact[]): CustomerHistory {
  const all = sortFacts(dedupeFacts(facts));
  const first = all[0];
  for (const f of all) {
    if (first && (f.corpId !== first.corpId || f.externalUserId !== first.externalUserId)) {
      throw new RangeError(`facts of different customers: ${customerKey(first)} and ${customerKey(f)}`);
    }
  }
  const absorbedIds = transferAddsAbsorbed(all);
  const absorbed = all.filter((f) => absorbedIds.has(f.factId));
  const sorted = absorbedIds.size === 0 ? all : all.filter((f) => !absorbedIds.has(f.factId));
  const open = new Map<string, Episode>();
  const seenUser = new Set<string>();
  const episodes: Episode[] = [];
  const ignored: Fact[] = [];
  sorted.forEach((f, i) => {
    const firstOfRelation = !seenUser.has(f.userId);
    seenUser.add(f.userId);
    const current = open.get(f.userId);
    if (isStart(f.kind)) {
      if (current) {
        ignored.push(f);
        return;
      }
      const ep: Episode = { userId: f.userId, channelId: f.channelId, start: f, end: null, startIndex: i, endIndex: Number.POSITIVE_INFINITY };
      open.set(f.userId, ep);
      episodes.push(ep);
      return;
    }
    if (current) {
      current.end = f;
      current.endIndex = i;
      open.delete(f.userId);
      return;
    }
    if (firstOfRelation) {
      // the relation's history begins with an end: it was connected before the record began
      episodes.push({ userId: f.userId, channelId: f.channelId, start: null, end: f, startIndex: -1, endIndex: i });
      return;
    }
    ignored.push(f);
  });
  episodes.sort((a, b) => a.startIndex - b.startIndex || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return { facts: sorted, episodes, ignored, absorbed };
}

/**
 * A period during which the customer was connected to the corp through at least one relation.
 * Transfers never split it (the taker's start is ordered before the giver's end).
 */
export interface CustomerEpisode {
  /** The start that took the customer from 0 to 1 active relations; `null` = baseline. */
  start: Fact | null;
  /** The end that took the customer to 0 active relations; `null` = still connected. */
  end: Fact | null;
}

/** Customer-level episodes, from the relation episodes of `customerHistory`. */
export function customerEpisodes(history: CustomerHistory): CustomerEpisode[] {
  type Step = { index: number; delta: 1 | -1; fact: Fact | null };
  const steps: Step[] = [];
  for (const ep of history.episodes) {
    steps.push({ index: ep.startIndex, delta: 1, fact: ep.start });
    if (ep.end) steps.push({ index: ep.endIndex, delta: -1, fact: ep.end });
  }
  steps.sort((a, b) => a.index - b.index || b.delta - a.delta);
  const out: CustomerEpisode[] = [];
  let active = 0;
  let current: CustomerEpisode | null = null;
  for (const s of steps) {
    active += s.delta;
    if (s.delta === 1 && active === 1) {
      current = { start: s.fact, end: null };
      out.push(current);
    } else if (s.delta === -1 && active === 0 && current) {
      current.end = s.fact;
      current = null;
    }
  }
  return out;
}
