/**
 * Side effects of an add (applying the channel's tags with mark_tag, fetching the profile with
 * externalcontact/get) never hold up its record: the relation, timeline, cap count and
 * `contact.added` are written whatever these calls answer. A failed side effect is planned here:
 * retried on its own with a bounded backoff when WeCom may answer differently later, given up at once
 * when its answer is about the input, and for tags, a tag that no longer exists is dropped from the
 * channel (with a warning) instead of failing the rest forever.
 */

/** What is known of a relation's channel tags: shown on the customer as `tagStatus`. */
export type TagStatus =
  | { status: "applied"; at: string; /** Channel tags WeCom no longer had: dropped from the channel. */ dropped?: string[] }
  | { status: "pending"; attempt: number; errcode: number; nextAttemptAt: string }
  | { status: "failed"; errcode: number; errmsg?: string; at: string };

/** A side effect's failure as the app saw it: WeCom's errcode (-2 when no answer came) and whether it is transient. */
export interface SideEffectFailure {
  errcode: number;
  errmsg?: string;
  transient: boolean;
}

/** §6: mark_tag answers 40068 when a tag id is not (any longer) a corp tag. */
export const ERRCODE_INVALID_TAG = 40068;

/** Retries after the inline attempt: delays 5 s, 15 s, 45 s, 2¼ min, 6¾ min, then given up (≈ 10 min in all). */
export const FOLLOWUP_MAX_ATTEMPTS = 5;
const FOLLOWUP_BASE_DELAY_S = 5;
/** SQS's largest message delay. */
const SQS_MAX_DELAY_S = 900;

export function followupDelaySeconds(attempt: number): number {
  return Math.min(SQS_MAX_DELAY_S, FOLLOWUP_BASE_DELAY_S * 3 ** (attempt - 1));
}

export type FollowupPlan =
  /**
   * Try again on the follow-ups queue after `delaySeconds` (attempts count from 1 after the inline try).
   * `checkTags`: first ask WeCom which of the tag ids still exist and drop the others from the channel.
   */
  | { action: "retry"; attempt: number; delaySeconds: number; checkTags: boolean; tagStatus?: TagStatus }
  | { action: "give-up"; tagStatus?: TagStatus };

/**
 * What to do after side effect `kind` failed on try `attempt` (0 = the inline try during the add).
 * Transient answers are retried with backoff up to FOLLOWUP_MAX_ATTEMPTS; a missing tag (40068) is
 * retried at once, after dropping the tags that no longer exist; any other answer is final.
 */
export function planFollowup(kind: "tags" | "profile", attempt: number, failure: SideEffectFailure, now: Date): FollowupPlan {
  const next = attempt + 1;
  const missingTag = kind === "tags" && failure.errcode === ERRCODE_INVALID_TAG;
  if ((missingTag || failure.transient) && next <= FOLLOWUP_MAX_ATTEMPTS) {
    const delaySeconds = missingTag ? 0 : followupDelaySeconds(next);
    const plan: FollowupPlan = { action: "retry", attempt: next, delaySeconds, checkTags: missingTag };
    if (kind === "tags") plan.tagStatus = { status: "pending", attempt: next, errcode: failure.errcode, nextAttemptAt: new Date(now.getTime() + delaySeconds * 1000).toISOString() };
    return plan;
  }
  if (kind === "profile") return { action: "give-up" };
  const tagStatus: TagStatus = { status: "failed", errcode: failure.errcode, at: now.toISOString() };
  if (failure.errmsg !== undefined) tagStatus.errmsg = failure.errmsg;
  return { action: "give-up", tagStatus };
}

/** The tag ids to keep after WeCom said which of `wanted` exist (order kept). */
export function splitMissingTags(wanted: readonly string[], existing: Iterable<string>): { keep: string[]; missing: string[] } {
  const known = new Set(existing);
  return { keep: wanted.filter((t) => known.has(t)), missing: wanted.filter((t) => !known.has(t)) };
}

/** An add's side effects as tried inline: what to record on the relation and what to retry on its own. */
interface SideEffectsPlan {
  /** The relation's channel tags: applied, pending a retry, or failed (undefined: the add marks no tags). */
  tagStatus?: TagStatus;
  tagRetry?: Extract<FollowupPlan, { action: "retry" }>;
  profileRetry?: Extract<FollowupPlan, { action: "retry" }>;
  /** WeCom refused the tags for good (say so in the logs). */
  tagsRefused: boolean;
}

/**
 * Plan the follow-ups of an add's inline tries: `tags` undefined when no tags were marked, `failure`
 * undefined when the call succeeded.
 */
export function planSideEffects(tried: { tags?: { failure?: SideEffectFailure }; profile?: { failure?: SideEffectFailure } }, now: Date): SideEffectsPlan {
  const plan: SideEffectsPlan = { tagsRefused: false };
  if (tried.tags) {
    if (!tried.tags.failure) plan.tagStatus = { status: "applied", at: now.toISOString() };
    else {
      const next = planFollowup("tags", 0, tried.tags.failure, now);
      if (next.tagStatus) plan.tagStatus = next.tagStatus;
      if (next.action === "retry") plan.tagRetry = next;
      else plan.tagsRefused = true;
    }
  }
  if (tried.profile?.failure) {
    const next = planFollowup("profile", 0, tried.profile.failure, now);
    if (next.action === "retry") plan.profileRetry = next;
  }
  return plan;
}
