/**
 * Daily add caps: one counter per staff member per channel per corp day.
 *
 * The store increments the counter atomically (together with a dedupe marker for the add event, so a
 * retried event is counted once). Under the cap it only says so; an add at or over the cap gets the
 * count read after its increment, which may include concurrent adds. Every such add asks for the code's
 * user list to be recomputed, and one request id per member, channel, day and cap makes that one
 * `update_contact_way`. Adds that arrive after it (scans racing the update) overshoot and are reported,
 * never refused: the customer has already added the member.
 */
import { addDays, corpDay, deterministicId, startOfCorpDay } from "@siyu/kernel";

interface CapDecision {
  /** This add brought the member exactly to the cap: take them off the code now. */
  reachedCap: boolean;
  /** Adds beyond the cap (0 while at or under it). */
  overshoot: number;
  /** Adds left today before the cap (0 at or over it). */
  remaining: number;
  /** At or over the cap after this add. */
  atOrOverCap: boolean;
}

/** Decide what a counted add means, given the counter value after the atomic increment. */
export function decideCap(countAfter: number, cap: number): CapDecision {
  if (!Number.isInteger(countAfter) || countAfter < 1) throw new RangeError(`countAfter must be an integer ≥ 1: ${countAfter}`);
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`cap must be an integer ≥ 1: ${cap}`);
  return {
    reachedCap: countAfter === cap,
    overshoot: Math.max(0, countAfter - cap),
    remaining: Math.max(0, cap - countAfter),
    atOrOverCap: countAfter >= cap,
  };
}

/**
 * The corp day an add counts on: the day of the add itself (the event's CreateTime), not of its
 * processing, so an add at 23:59:59 processed after midnight counts on the day it happened.
 */
export function capDay(addedAt: Date, timeZone: string): string {
  return corpDay(addedAt, timeZone);
}

/** Stable id of one counter, e.g. for a store key: `<channelId>#<userId>#<YYYY-MM-DD>`. */
export function capCounterId(channelId: string, userId: string, day: string): string {
  return `${channelId}#${userId}#${day}`;
}

/**
 * When a day's counter can be deleted (TTL): the start of the corp day `keepDays` after it
 * (default 2: today's and yesterday's counters stay readable across midnight).
 */
export function capCounterExpiry(day: string, timeZone: string, keepDays = 2): Date {
  return startOfCorpDay(addDays(day, keepDays), timeZone);
}

/**
 * Whether a cap decision should change today's code: only when the counted day is the current corp day
 * (a late add counted on yesterday's counter must not take a member off today's code).
 */
export function affectsToday(countedDay: string, now: Date, timeZone: string): boolean {
  return countedDay === corpDay(now, timeZone);
}

/** What a counted add asks of the channel's contact way. */
interface CapSyncPlan {
  /** Adds past the cap (reported: WeCom already made the contact). */
  overshoot: number;
  /** Ask for a contact-way sync (FIFO, grouped by channel; `id` is its deduplication id). */
  sync?: { reason: "add" | "cap-reached"; addedUserId?: string; id: string };
}

/**
 * After an add was counted: a rotating channel (round-robin, weighted) moves on after every add (one
 * sync per add, which advances the rotation once); a random one changes only when the member is at or
 * over the cap. The count read near the cap may include concurrent adds, so every add at or over it
 * asks; one id per member, channel, day and cap makes that one update. Only today's code changes (a late
 * add counted on yesterday's counter asks nothing).
 */
export function planCapSync(
  add: { channelId: string; userId: string; day: string; addKey: string },
  counted: { underCap: true } | { underCap: false; countAfter: number },
  channel: { cap: number; rotation: string },
  ctx: { now: Date; timeZone: string },
): CapSyncPlan {
  const rotates = channel.rotation !== "wecom-random";
  const decision = counted.underCap ? undefined : decideCap(counted.countAfter, channel.cap);
  const overshoot = decision?.overshoot ?? 0;
  if (!affectsToday(add.day, ctx.now, ctx.timeZone) || !(decision?.atOrOverCap || rotates)) return { overshoot };
  if (rotates) return { overshoot, sync: { reason: "add", addedUserId: add.userId, id: deterministicId("channel-sync", add.addKey) } };
  return { overshoot, sync: { reason: "cap-reached", id: deterministicId("channel-cap", add.channelId, add.userId, add.day, channel.cap) } };
}
