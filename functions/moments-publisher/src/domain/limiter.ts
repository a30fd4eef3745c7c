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
