/**
 * Strict round-robin and weighted rotation: choose the single member the channel's code is narrowed to.
 *
 * Deterministic given a persisted `RotationState` (plain JSON). The caller serialises work per channel
 * (one add at a time): on each add it calls `recordAdd` with the member who actually got the add (from
 * the event, not the one Siyu expected, so a scan of the previous code during the update window is
 * still accounted for), then `codeUsers` to get the next one-user list.
 *
 * - round-robin: a cursor per list (pool / off-hours / backups) remembers the last member served; the
 *   next is the first eligible member after it in list order. Ineligible members (capped, inactive)
 *   simply lose their turn; with a fixed eligible set every n consecutive picks serve each of the n
 *   members exactly once. Cursors per list keep the pool's place across the night shift.
 * - weighted: smooth weighted round robin (nginx). Each add, every participating member's `current`
 *   grows by its weight and the member served loses the participants' total weight; the next member is
 *   the one with the largest `current + weight`. From a clean state with a fixed set, every cycle of
 *   W = Σweights adds serves each member exactly `weight` times, evenly spread, and the state returns
 *   to clean. Ineligible members keep their `current` frozen, so returning members resume where they
 *   were (bounded catch-up, never a burst).
 */
import type { Rotation } from "./channel.ts";
import type { Candidate, Eligibility, StaffList } from "./eligibility.ts";

export interface RotationCursor {
  /** The member served last from this list. */
  userId: string;
  /** Their position then; used when they have since been removed from the list. */
  index: number;
}

export interface RotationState {
  /** round-robin: the last member served, per list. */
  cursors: Partial<Record<StaffList, RotationCursor>>;
  /** weighted: smooth-weighted-round-robin `current` values by user id (absent = 0). */
  current: Record<string, number>;
}

export function initialRotationState(): RotationState {
  return { cursors: {}, current: {} };
}

type RotationInput = Pick<Eligibility, "list" | "candidates">;
type Member = Pick<Candidate, "userId" | "weight" | "eligible">;

/** The first eligible candidate after the cursor, in list order (wrapping). */
export function roundRobinNext(candidates: readonly Member[], cursor: RotationCursor | undefined): string | undefined {
  const n = candidates.length;
  if (n === 0) return undefined;
  let pos = -1;
  if (cursor) {
    const found = candidates.findIndex((c) => c.userId === cursor.userId);
    // removed since: whoever now stands at their old index is their successor
    pos = found >= 0 ? found : Math.min(cursor.index, n) - 1;
  }
  for (let i = 1; i <= n; i++) {
    const c = candidates[(((pos + i) % n) + n) % n]!;
    if (c.eligible) return c.userId;
  }
  return undefined;
}

/** The eligible candidate with the largest `current + weight` (ties: earliest in list order). */
export function weightedNext(candidates: readonly Member[], current: Readonly<Record<string, number>>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    if (!c.eligible) continue;
    const score = (current[c.userId] ?? 0) + c.weight;
    if (score > bestScore) {
      best = c.userId;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Charge an add to `userId`: participants (eligible candidates, plus `userId` itself if it is a
 * candidate that this very add capped) gain their weight, `userId` loses the participants' total.
 * Unchanged when `userId` is not a candidate (an add outside the rotation).
 *
 * Values are clamped to ±2·(total weight of the candidates). Normal rotation never reaches the clamp
 * (smooth weighted round robin keeps values within one total weight); it only bounds the catch-up
 * after many adds went to someone else than the pick (e.g. a stale code while updates failed).
 */
export function weightedCharge(
  candidates: readonly Member[],
  current: Readonly<Record<string, number>>,
  userId: string,
): Record<string, number> {
  if (!candidates.some((c) => c.userId === userId)) return { ...current };
  const participants = candidates.filter((c) => c.eligible || c.userId === userId);
  const total = participants.reduce((s, c) => s + c.weight, 0);
  const bound = 2 * candidates.reduce((s, c) => s + c.weight, 0);
  const next = { ...current };
  for (const c of participants) next[c.userId] = (next[c.userId] ?? 0) + c.weight;
  next[userId] = (next[userId] ?? 0) - total;
  for (const c of participants) next[c.userId] = Math.min(bound, Math.max(-bound, next[c.userId]!));
  return next;
}

/** The member the code should be narrowed to next; undefined for `wecom-random` or when no one is eligible. */
export function nextStaff(rotation: Rotation, eligibility: RotationInput, state: RotationState): string | undefined {
  switch (rotation) {
    case "wecom-random":
      return undefined;
    case "round-robin":
      return roundRobinNext(eligibility.candidates, eligibility.list ? state.cursors[eligibility.list] : undefined);
    case "weighted":
      return weightedNext(eligibility.candidates, state.current);
  }
}

/** The user list the code should carry: all eligible members for `wecom-random`, else the next one. */
export function codeUsers(rotation: Rotation, eligibility: Pick<Eligibility, "list" | "candidates" | "userIds">, state: RotationState): string[] {
  if (rotation === "wecom-random") return [...eligibility.userIds];
  const next = nextStaff(rotation, eligibility, state);
  return next === undefined ? [] : [next];
}

/**
 * The state after `userId` got an add. Pass the eligibility the code was narrowed under (or the one
 * after this add's count: a member capped by this add still counts as served). No-op for
 * `wecom-random` and for members who are not candidates of the current list.
 */
export function recordAdd(rotation: Rotation, eligibility: RotationInput, state: RotationState, userId: string): RotationState {
  switch (rotation) {
    case "wecom-random":
      return state;
    case "round-robin": {
      const index = eligibility.candidates.findIndex((c) => c.userId === userId);
      if (index < 0 || eligibility.list === undefined) return state;
      return { ...state, cursors: { ...state.cursors, [eligibility.list]: { userId, index } } };
    }
    case "weighted":
      return { ...state, current: weightedCharge(eligibility.candidates, state.current, userId) };
  }
}

/** Drop weighted state of members no longer on the channel (call after a channel edit). */
export function pruneRotationState(state: RotationState, keepUserIds: Iterable<string>): RotationState {
  const keep = new Set(keepUserIds);
  const current: Record<string, number> = {};
  for (const [id, v] of Object.entries(state.current)) if (keep.has(id)) current[id] = v;
  return { ...state, current };
}
