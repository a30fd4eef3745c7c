/**
 * Who a group campaign run goes to (`chat_type=group`, §7): the sender must be the group's owner, so
 * each group is planned under its owner, in `chat_id_list` pieces of at most 2000. The quota is per
 * group under the corp's group settings (which have differed from the customer ones, §A1).
 *
 * Reasons, first that applies: `not-a-follower` (the group is dismissed, or its owner can no longer
 * send: the read model marks it inactive), `quiet-hours`, `quota`. A chat id listed under two owners
 * (a read model mid-transfer) is planned once, under the smallest active owner id; the other rows are
 * `duplicate`. Quiet hours are modelled as for customers (audience.ts).
 */
import { WECOM_LIMITS } from "@siyu/wecom";
import {
  type AudienceCounts,
  chunkSizeOf,
  compareIds,
  planTally,
  pushTo,
  type QuotaHit,
  quotaHit,
  type RunInput,
  runContext,
  type SenderTask,
} from "./audience.ts";
import type { AudienceFilter, ExclusionReason } from "./audience-types.ts";

export type GroupFilter = Extract<AudienceFilter, { chatType: "group" }>;

/** One customer group the planner may use, from Siyu's read model. */
export interface GroupCandidate {
  chatId: string;
  ownerUserId: string;
  /** The group exists and its owner can send; a dismissed group is `not-a-follower`. */
  active: boolean;
}

export interface PlanGroupAudienceInput extends RunInput {
  filter: GroupFilter;
  candidates: readonly GroupCandidate[];
}

export interface GroupExclusion {
  chatId: string;
  reason: Exclude<ExclusionReason, "duplicate">;
  ownerUserId: string;
  quota?: QuotaHit;
}

export interface DuplicateGroup {
  chatId: string;
  ownerUserId: string;
  routedTo: string;
}

export interface GroupAudiencePlan {
  chatType: "group";
  /** `chunks` are `chat_id_list` values for the owner (`sender`). */
  tasks: SenderTask[];
  excluded: GroupExclusion[];
  duplicates: DuplicateGroup[];
  counts: AudienceCounts;
  quietUntil?: string;
}

/**
 * Plan a group run: per-owner tasks, every left-out group with one reason, and counts that add up
 * (`audience = planned + Σ excluded` over the group reasons).
 * @example planGroupAudience({ filter: { chatType: "group", owners: ["alice"] }, candidates, ledger: new Map(), rules, at, timeZone }).tasks
 */
export function planGroupAudience(input: PlanGroupAudienceInput): GroupAudiencePlan {
  const { filter, candidates, ledger, rules, at, deadline, timeZone, runId } = input;
  const size = chunkSizeOf(input.chunkSize, WECOM_LIMITS.msgTemplateChatIds);
  const owners = filter.owners ? new Set(filter.owners) : undefined;
  const chatIds = filter.chatIds ? new Set(filter.chatIds) : undefined;
  const byChat = new Map<string, GroupCandidate[]>();
  for (const g of candidates) {
    if (owners && !owners.has(g.ownerUserId)) continue;
    if (chatIds && !chatIds.has(g.chatId)) continue;
    pushTo(byChat, g.chatId, g);
  }
  const { quiet, windows } = runContext(rules, at, deadline, timeZone);
  const { bySender, excluded, counts, exclude, finish } = planTally<GroupExclusion>();
  const duplicates: DuplicateGroup[] = [];

  for (const chatId of [...byChat.keys()].sort(compareIds)) {
    const rows = byChat.get(chatId)!.slice().sort((a, b) => Number(b.active) - Number(a.active) || compareIds(a.ownerUserId, b.ownerUserId));
    counts.audience++;
    const route = rows[0]!;
    if (!route.active) {
      exclude({ chatId, reason: "not-a-follower", ownerUserId: route.ownerUserId });
      continue;
    }
    if (quiet) {
      exclude({ chatId, reason: "quiet-hours", ownerUserId: route.ownerUserId });
      continue;
    }
    const hit = quotaHit(ledger.get(chatId) ?? [], windows, runId);
    if (hit) {
      exclude({ chatId, reason: "quota", ownerUserId: route.ownerUserId, quota: hit });
      continue;
    }
    pushTo(bySender, route.ownerUserId, chatId);
    for (const other of rows.slice(1)) if (other.active) duplicates.push({ chatId, ownerUserId: other.ownerUserId, routedTo: route.ownerUserId });
  }

  const tasks = finish(size, duplicates.length);
  return { chatType: "group", tasks, excluded, duplicates, counts, ...(quiet ? { quietUntil: quiet.toISOString() } : {}) };
}
