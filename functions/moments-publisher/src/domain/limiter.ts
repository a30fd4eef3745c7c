/**
 * The corp-wide limiter for `add_moment_task`: WeCom takes at most 10 moment tasks per minute per
 * corp (wecom-reference §8), across every post. The eleventh waits; it is never sent to be rejected.
 *
 * A sliding window, as WeCom (and the strict simulator) count it: a call at `t` is allowed while fewer
 * than 10 calls were made in the minute before it. The window is widened by `MARGIN_MS` so clock skew
 * between Lambda and WeCom and the call's own latency can never put an 11th into WeCom's minute. The
 * store keeps the recent call instants in one item, written only if unchanged since read.
 */
export const TASKS_PER_MINUTE = 10;
export const WINDOW_MS = 60_000;
export const MARGIN_MS = 2_000;

export type SlotDecision = { ok: true; recent: number[] } | { ok: false; retryAt: number };

/**
 * Take a slot at `now` given the recent call instants (ms): the instants to store (pruned, with this
 * call), or when the next slot opens.
 *
 * @example
 * takeSlot([], now) // → { ok: true, recent: [now] }
 * takeSlot(tenCallsInTheLastMinute, now) // → { ok: false, retryAt: oldest + 62_000 }
 */
export function takeSlot(recent: readonly number[], now: number, limit = TASKS_PER_MINUTE): SlotDecision {
  const inWindow = recent.filter((x) => now - x < WINDOW_MS + MARGIN_MS).sort((a, b) => a - b);
  if (inWindow.length < limit) return { ok: true, recent: [...inWindow, now] };
  return { ok: false, retryAt: inWindow[inWindow.length - limit]! + WINDOW_MS + MARGIN_MS };
}

/** A reserved slot used later than this is given up (reserved again): lateness must stay inside the margin. */
export const LATE_MS = 1_000;

/** Whether adding a call at `t` keeps every window of `WINDOW_MS + MARGIN_MS` at ≤ `limit` calls. */
function fits(taken: readonly number[], t: number, limit: number): boolean {
  const w = WINDOW_MS + MARGIN_MS;
  const all = [...taken, t];
  // only the windows that contain t can grow: those ending at t or at a call up to a window after it
  const ends = [t, ...taken.filter((s) => s >= t && s < t + w)];
  return ends.every((x) => all.filter((s) => s > x - w && s <= x).length <= limit);
}

/**
 * Reserve the earliest instant ≥ `now` at which a call keeps every sliding window within the limit,
 * counting the calls made and the slots other runs reserved ahead (`taken`, ms). Each waiting run gets
 * a slot of its own — no crowd re-checking the limiter each minute — and throughput is exactly the
 * limit. The instants to store are the kept ones (those still inside a window of now) and this one.
 *
 * @example
 * reserveSlot(tenCallsJustNow, now) // → { at: firstOfThem + 62_000, taken: [...tenCalls, firstOfThem + 62_000] }
 */
export function reserveSlot(taken: readonly number[], now: number, limit = TASKS_PER_MINUTE): { at: number; taken: number[] } {
  const kept = taken.filter((s) => s > now - (WINDOW_MS + MARGIN_MS)).sort((a, b) => a - b);
  const candidates = [now, ...kept.map((s) => s + WINDOW_MS + MARGIN_MS)].filter((c) => c >= now).sort((a, b) => a - b);
  for (const c of candidates) if (fits(kept, c, limit)) return { at: c, taken: [...kept, c].sort((a, b) => a - b) };
  // unreachable: past the last taken instant plus a window, every window is empty
  const last = (kept[kept.length - 1] ?? now) + WINDOW_MS + MARGIN_MS;
  return { at: last, taken: [...kept, last] };
}
