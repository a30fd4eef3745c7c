/**
 * Who a customer campaign run goes to: one task per sender, each customer once, and every matched
 * customer who gets nothing listed with one reason — the preview and the run use the same plan.
 *
 * Modelling decisions (wecom-services §A1):
 * - **Routing.** WeCom pushes a customer's task only to the member who last chatted with them, so a
 *   customer followed by several members is planned once, under that member: the active matching
 *   relation with the latest `lastInteractionAt`; an unknown interaction counts as older than any
 *   known one; ties go to the earliest `addedAt`, then the smallest `userId`. The other active
 *   matching relations are `duplicate` (relation rows, listed in `duplicates`). The route is chosen
 *   among relations that pass the filter (a staff filter is honoured); what WeCom does with a sender
 *   who is not the last-interacting member is [UNC].
 * - **Quiet hours.** Delivery happens when a member confirms, which Siyu does not control; what it
 *   controls is when the task is pushed. A run pushed (`at`) inside a quiet range plans nobody:
 *   every otherwise-sendable customer is `quiet-hours`, and `quietUntil` says when the run may go.
 * - **Quota.** A customer must have quota left in every window its delivery could land in, from
 *   `at` to the run's `deadline` (the quota is spent at confirmation; quota.ts explains the ledger).
 * - **One reason each**, first that applies: `excluded-tag` (any of the customer's relations carries
 *   an exclusion tag, even one outside the filter), `not-a-follower` (no active matching relation),
 *   `quiet-hours`, `quota`.
 */
import { addDays, startOfCorpDay } from "@siyu/kernel";
import { WECOM_LIMITS } from "@siyu/wecom";
import type { AudienceFilter, Candidate, ExclusionReason } from "./audience-types.ts";
import { type LedgerEntry, type QuotaRules, type QuotaWindow, quietUntil, quotaWindows, standingIn } from "./quota.ts";
import { hasExcludedTag, matchesAllOf } from "./tag-expression.ts";

export type CustomerFilter = Extract<AudienceFilter, { chatType: "single" }>;

/** What every run's plan needs beside its audience: the ledger, the rules and the run's instants. */
export interface RunInput {
  /** What each recipient (external user id, or chat id for groups) received or may still receive. */
  ledger: ReadonlyMap<string, readonly LedgerEntry[]>;
  /** The corp's rules for this kind of recipient (`rulesFor(settings, "single" | "group")`). */
  rules: QuotaRules;
  /** When the tasks are created and pushed to staff. */
  at: Date;
  /** Until when members may confirm (the campaign's deadline); without it, delivery is taken to be at `at`. */
  deadline?: Date;
  timeZone: string;
  /** This run, so that re-planning it does not count its own planned ledger entries. */
  runId?: string;
  /** Ids per `add_msg_template` call; at most (and by default) WeCom's limit: 10,000 customers, 2000 chats. */
  chunkSize?: number;
}

export interface PlanAudienceInput extends RunInput {
  filter: CustomerFilter;
  candidates: readonly Candidate[];
}

/** One sender's task(s): `add_msg_template` calls of at most 10,000 ids each (§7). */
export interface SenderTask {
  sender: string;
  chunks: string[][];
  count: number;
}

/** The window that left a recipient without quota. */
export interface QuotaHit {
  kind: QuotaWindow["rule"]["kind"];
  start: string;
  end: string;
  limit: number;
  count: number;
}

export interface CustomerExclusion {
  externalUserId: string;
  reason: Exclude<ExclusionReason, "duplicate">;
  /** The member the customer would have been routed to, when there is one. */
  userId?: string;
  quota?: QuotaHit;
}

/** A follow relation not used because the customer is planned under another member. */
export interface DuplicateFollow {
  externalUserId: string;
  userId: string;
  routedTo: string;
}

/**
 * Counts that add up: `audience = planned + Σ excluded` over the customer reasons, and
 * `planned = Σ perSender`. `excluded.duplicate` counts relations (`duplicates.length`), not customers.
 */
export interface AudienceCounts {
  audience: number;
  planned: number;
  perSender: Record<string, number>;
  excluded: Record<ExclusionReason, number>;
}

export interface CustomerAudiencePlan {
  chatType: "single";
  tasks: SenderTask[];
  excluded: CustomerExclusion[];
  duplicates: DuplicateFollow[];
  counts: AudienceCounts;
  /** Set when `at` is in quiet hours: the earliest instant the run may be pushed. */
  quietUntil?: string;
}

/** Route order: latest known interaction first, then earliest add, then smallest userId. */
export function routeOrder(a: Candidate, b: Candidate): number {
  const ia = a.lastInteractionAt ? Date.parse(a.lastInteractionAt) : Number.NEGATIVE_INFINITY;
  const ib = b.lastInteractionAt ? Date.parse(b.lastInteractionAt) : Number.NEGATIVE_INFINITY;
  if (ia !== ib) return ib > ia ? 1 : -1;
  const aa = Date.parse(a.addedAt);
  const ab = Date.parse(b.addedAt);
  if (aa !== ab) return aa - ab;
  return compareIds(a.userId, b.userId);
}

/** Code-unit order, independent of locale. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Split a sorted list into `add_msg_template`-sized pieces. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be an integer ≥ 1: ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const emptyExcludedCounts = (): Record<ExclusionReason, number> => ({
  quota: 0,
  "not-a-follower": 0,
  duplicate: 0,
  "quiet-hours": 0,
  "excluded-tag": 0,
});

/** A requested chunk size, checked against WeCom's limit (tests use small ones). */
export function chunkSizeOf(requested: number | undefined, limit: number): number {
  if (requested === undefined) return limit;
  if (!Number.isInteger(requested) || requested < 1 || requested > limit) throw new RangeError(`chunkSize must be an integer in 1..${limit}: ${requested}`);
  return requested;
}

/** Append `value` to the list under `key`. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * What every plan keeps while it walks its audience: the per-sender lists, the left-out rows and the
 * counts; `finish` turns them into tasks with counts that add up (duplicates counted as relations).
 */
export function planTally<E extends { reason: ExclusionReason }>() {
  const bySender = new Map<string, string[]>();
  const excluded: E[] = [];
  const counts: AudienceCounts = { audience: 0, planned: 0, perSender: {}, excluded: emptyExcludedCounts() };
  return {
    bySender,
    excluded,
    counts,
    exclude(e: E): void {
      excluded.push(e);
      counts.excluded[e.reason]++;
    },
    finish(chunkSize: number, duplicates: number): SenderTask[] {
      const tasks = toTasks(bySender, chunkSize);
      for (const t of tasks) {
        counts.perSender[t.sender] = t.count;
        counts.planned += t.count;
      }
      counts.excluded.duplicate = duplicates;
      return tasks;
    },
  };
}

/** Per-sender lists → tasks sorted by sender, ids sorted, chunked; a sender with no one is never planned (41048). */
export function toTasks(bySender: ReadonlyMap<string, string[]>, chunkSize: number): SenderTask[] {
  return [...bySender.entries()]
    .filter(([, ids]) => ids.length > 0)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([sender, ids]) => {
      const sorted = [...ids].sort(compareIds);
      return { sender, chunks: chunk(sorted, chunkSize), count: sorted.length };
    });
}

/** The ledger entry a planned recipient gets: counted from `at` until the deadline, until its delivery is known. */
export function plannedLedgerEntry(at: Date, deadline: Date | undefined, runId?: string): LedgerEntry {
  return {
    at: at.toISOString(),
    ...(deadline ? { latestAt: deadline.toISOString() } : {}),
    source: "siyu",
    state: "planned",
    ...(runId !== undefined ? { runId } : {}),
  };
}

/** What the run-wide rules say for this run: the quota windows to fit, or the quiet range it falls in. */
export function runContext(rules: QuotaRules, at: Date, deadline: Date | undefined, timeZone: string) {
  const quiet = quietUntil(at, rules.quietHours, timeZone);
  const span = deadline && deadline > at ? { from: at, until: deadline } : at;
  return { quiet, windows: quotaWindows(span, rules, timeZone) };
}

export function quotaHit(entries: readonly LedgerEntry[], windows: readonly QuotaWindow[], runId?: string): QuotaHit | undefined {
  const { remaining, binding } = standingIn(entries, windows, runId);
  if (remaining >= 1 || !binding) return undefined;
  return { kind: binding.rule.kind, start: binding.start.toISOString(), end: binding.end.toISOString(), limit: binding.limit, count: binding.count };
}

function relationFilter(filter: CustomerFilter, timeZone: string): (c: Candidate) => boolean {
  const staff = filter.staff ? new Set(filter.staff) : undefined;
  const channels = filter.channels ? new Set(filter.channels) : undefined;
  const ids = filter.externalUserIds ? new Set(filter.externalUserIds) : undefined;
  const fromMs = filter.addedFrom ? startOfCorpDay(filter.addedFrom, timeZone).getTime() : Number.NEGATIVE_INFINITY;
  const toMs = filter.addedTo ? startOfCorpDay(addDays(filter.addedTo, 1), timeZone).getTime() : Number.POSITIVE_INFINITY;
  return (c) => {
    if (staff && !staff.has(c.userId)) return false;
    if (channels && !channels.has(c.channelId)) return false;
    if (ids && !ids.has(c.externalUserId)) return false;
    const added = Date.parse(c.addedAt);
    if (!(added >= fromMs && added < toMs)) return false;
    return matchesAllOf(c.tagIds, filter.tags);
  };
}

/**
 * Plan a customer run: per-sender tasks, every left-out customer with one reason, and counts.
 * Deterministic: the same input gives the same plan (sorted by sender and by id).
 * @example
 * const plan = planAudience({ filter: { chatType: "single" }, candidates, ledger: new Map(), rules, at, timeZone: "Asia/Shanghai" });
 * plan.tasks // [{ sender: "alice", chunks: [["wm1", "wm2"]], count: 2 }]
 */
export function planAudience(input: PlanAudienceInput): CustomerAudiencePlan {
  const { filter, candidates, ledger, rules, at, deadline, timeZone, runId } = input;
  const size = chunkSizeOf(input.chunkSize, WECOM_LIMITS.msgTemplateExternalUsers);
  const matches = relationFilter(filter, timeZone);
  const all = new Map<string, Candidate[]>();
  for (const c of candidates) pushTo(all, c.externalUserId, c);
  const { quiet, windows } = runContext(rules, at, deadline, timeZone);
  const { bySender, excluded, counts, exclude, finish } = planTally<CustomerExclusion>();
  const duplicates: DuplicateFollow[] = [];

  for (const externalUserId of [...all.keys()].sort(compareIds)) {
    const relations = all.get(externalUserId)!;
    const matched = relations.filter(matches).sort(routeOrder);
    if (matched.length === 0) continue;
    counts.audience++;
    const active = matched.filter((c) => c.active);
    const route = active[0];
    const userId = (route ?? matched[0]!).userId;
    if (relations.some((c) => hasExcludedTag(c.tagIds, filter.tags))) {
      exclude({ externalUserId, reason: "excluded-tag", userId });
      continue;
    }
    if (!route) {
      exclude({ externalUserId, reason: "not-a-follower", userId });
      continue;
    }
    if (quiet) {
      exclude({ externalUserId, reason: "quiet-hours", userId });
      continue;
    }
    const hit = quotaHit(ledger.get(externalUserId) ?? [], windows, runId);
    if (hit) {
      exclude({ externalUserId, reason: "quota", userId, quota: hit });
      continue;
    }
    pushTo(bySender, route.userId, externalUserId);
    for (const other of active.slice(1)) duplicates.push({ externalUserId, userId: other.userId, routedTo: route.userId });
  }

  const tasks = finish(size, duplicates.length);
  return { chatType: "single", tasks, excluded, duplicates, counts, ...(quiet ? { quietUntil: quiet.toISOString() } : {}) };
}
