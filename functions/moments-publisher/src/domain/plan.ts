/**
 * Planning a post's runs around the daily limits, before anything is scheduled (DOMAIN §3):
 *
 * - **A member posts at most 3 moments a day** (seed 001). Every scheduled run of every post counts
 *   on its corp day for each of its senders. A post that names users counts for those users; a post
 *   with departments, or with no sender (every member in the app's range), counts for **every**
 *   member — Siyu cannot expand departments without reading WeCom, so it plans as if all were in.
 * - **How many posts a customer sees a day** is a per-corp setting (`customerPostsPerDay`, default 3:
 *   practitioners' claims conflict, wecom-services §B1). Two runs on the same day may reach the same
 *   customer when their senders may overlap (either is broad, or they share a user) and their tags
 *   may overlap (either has none, or they share a tag — WeCom's semantics across several tags are
 *   unconfirmed, so any shared tag counts). Conservative on purpose: it may refuse a run that would
 *   have been fine, never let one through that breaks the setting.
 * - An occurrence that would break either is **refused** (the reason and the numbers say why) or, with
 *   `onLimit: "move"`, **moved** to the next corp day (same clock time, up to 7 days on) where it fits.
 *   A post's own runs count against each other, in time order.
 */
import { addDays, corpDay, corpTime } from "@siyu/kernel";
import { POSTS_PER_MEMBER_PER_DAY, type PostDefinition, runKey } from "./post.ts";

export const DEFAULT_CUSTOMER_POSTS_PER_DAY = 3;
const MOVE_DAYS = 7;

/** Who a run may post to, as planning sees it. */
export interface RunAudience {
  /** Named senders; empty with `broad` = every member. */
  userIds: readonly string[];
  /** Departments or no sender at all: counts for every member. */
  broad: boolean;
  tagIds: readonly string[];
}

/** A run already scheduled (of any post), on its corp day. */
export interface ScheduledRun extends RunAudience {
  postId: string;
  at: string;
}

export type LimitReason = "member-daily-limit" | "customer-daily-limit";

export interface PlannedOccurrence {
  /** The instant the run posts at (moved or not). */
  at: string;
  /** The instant the schedule asked for, when the run was moved. */
  movedFrom?: string;
  movedBecause?: { reason: LimitReason; detail: string };
}

export interface RefusedOccurrence {
  at: string;
  reason: LimitReason;
  detail: string;
}

export interface PostPlan {
  runs: PlannedOccurrence[];
  refused: RefusedOccurrence[];
}

export const audienceOf = (d: Pick<PostDefinition, "visibility">): RunAudience => ({
  userIds: d.visibility.userIds,
  broad: d.visibility.userIds.length === 0 || d.visibility.departmentIds.length > 0,
  tagIds: d.visibility.tagIds,
});

const sendersOverlap = (a: RunAudience, b: RunAudience) => a.broad || b.broad || a.userIds.some((u) => b.userIds.includes(u));
const tagsOverlap = (a: RunAudience, b: RunAudience) => a.tagIds.length === 0 || b.tagIds.length === 0 || a.tagIds.some((t) => b.tagIds.includes(t));

/** Why a run with this audience cannot join the day's runs, or undefined when it fits. */
export function breach(day: readonly RunAudience[], run: RunAudience, customerPostsPerDay: number): { reason: LimitReason; detail: string } | undefined {
  const broad = day.filter((r) => r.broad).length;
  const perUser = new Map<string, number>();
  for (const r of day) if (!r.broad) for (const u of r.userIds) perUser.set(u, (perUser.get(u) ?? 0) + 1);
  const over = run.broad
    ? [...perUser].filter(([, n]) => broad + n + 1 > POSTS_PER_MEMBER_PER_DAY).map(([u]) => u)
    : run.userIds.filter((u) => broad + (perUser.get(u) ?? 0) + 1 > POSTS_PER_MEMBER_PER_DAY);
  const everyoneFull = run.broad && broad + 1 > POSTS_PER_MEMBER_PER_DAY;
  if (everyoneFull || over.length > 0) {
    const who = everyoneFull ? "every member" : over.slice(0, 5).join(", ") + (over.length > 5 ? ` and ${over.length - 5} more` : "");
    return { reason: "member-daily-limit", detail: `${who} would post more than ${POSTS_PER_MEMBER_PER_DAY} moments that day (WeCom's limit per member)` };
  }
  const seen = day.filter((r) => sendersOverlap(r, run) && tagsOverlap(r, run)).length;
  if (seen + 1 > customerPostsPerDay) {
    return { reason: "customer-daily-limit", detail: `customers could see ${seen + 1} posts that day (the corp's setting allows ${customerPostsPerDay})` };
  }
  return undefined;
}

/**
 * Plan the occurrences of a post against the runs already scheduled.
 *
 * @example
 * planPost(definition, [at08, at2130], scheduled, { timeZone: "Asia/Shanghai", customerPostsPerDay: 3 })
 * // → { runs: [{ at: "…T00:00:00.000Z" }, …], refused: [{ at, reason: "member-daily-limit", detail }] }
 */
export function planPost(
  d: Pick<PostDefinition, "visibility" | "onLimit">,
  occurrences: readonly Date[],
  scheduled: readonly ScheduledRun[],
  opts: { timeZone: string; customerPostsPerDay: number; postId?: string },
): PostPlan {
  const audience = audienceOf(d);
  const byDay = new Map<string, RunAudience[]>();
  for (const r of scheduled) {
    if (opts.postId !== undefined && r.postId === opts.postId) continue;
    const day = corpDay(r.at, opts.timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), r]);
  }
  const runs: PlannedOccurrence[] = [];
  const refused: RefusedOccurrence[] = [];
  const taken = new Set<string>();
  for (const at of occurrences) {
    const day = corpDay(at, opts.timeZone);
    const why = breach(byDay.get(day) ?? [], audience, opts.customerPostsPerDay);
    if (!why) {
      runs.push({ at: runKey(at) });
      taken.add(runKey(at));
      byDay.set(day, [...(byDay.get(day) ?? []), audience]);
      continue;
    }
    let moved: PlannedOccurrence | undefined;
    if (d.onLimit === "move") {
      const clock = new Intl.DateTimeFormat("en-GB", { timeZone: opts.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
      for (let n = 1; n <= MOVE_DAYS && !moved; n++) {
        const next = addDays(day, n);
        const candidate = runKey(corpTime(next, opts.timeZone, clock));
        if (taken.has(candidate) || breach(byDay.get(next) ?? [], audience, opts.customerPostsPerDay)) continue;
        moved = { at: candidate, movedFrom: runKey(at), movedBecause: why };
        byDay.set(next, [...(byDay.get(next) ?? []), audience]);
      }
    }
    if (moved) {
      runs.push(moved);
      taken.add(moved.at);
    } else refused.push({ at: runKey(at), ...why, ...(d.onLimit === "move" ? { detail: `${why.detail}; no day within ${MOVE_DAYS} days fits` } : {}) });
  }
  runs.sort((a, b) => (a.at < b.at ? -1 : 1));
  return { runs, refused };
}
