import { publishEvents, sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { errcodeOf, isTransientWecomError, WecomApiError, type WecomClient, WecomError } from "@siyu/wecom";
import { type FollowupPlan, planFollowup, type SideEffectFailure, splitMissingTags, type TagStatus } from "../domain/followups.ts";
import { planTagsChanged } from "../domain/tags.ts";
import { updateChannel } from "../store/channels.ts";
import { writeProfile } from "../store/profiles.ts";
import { recordRelationTags, relationStillFrom } from "../store/relations.ts";
import { fetchProfile } from "./profile.ts";

interface FollowupDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}

interface Followup {
  kind: "tags" | "profile";
  userId: string;
  externalUserId: string;
  addKey: string;
  channelId?: string | undefined;
  /** The relation's `addedAt` when the add made it: a retry for an older add never touches a re-add. */
  addedAt?: string | undefined;
  tagIds?: string[] | undefined;
  /** The try this is (0 = the inline try during the add). */
  attempt: number;
  checkTags?: boolean;
}

/** A failed WeCom call as the domain judges it. */
export function sideEffectFailure(error: unknown): SideEffectFailure {
  // WeCom's own refusals and Siyu's refusals before calling (WecomValidationError) are final; a
  // failure that is not WeCom's at all (our store, the network stack) may pass
  const failure: SideEffectFailure = { errcode: errcodeOf(error), transient: isTransientWecomError(error) || !(error instanceof WecomError) };
  if (error instanceof WecomApiError) failure.errmsg = error.errmsg;
  return failure;
}

/** Queue the next try of a side effect as planned (a deterministic id per try: a redelivered add queues it once). */
export async function scheduleFollowup(deps: FollowupDeps, f: Followup, plan: Extract<FollowupPlan, { action: "retry" }>): Promise<void> {
  const { config } = deps;
  const data = {
    kind: f.kind,
    userId: f.userId,
    externalUserId: f.externalUserId,
    addKey: f.addKey,
    channelId: f.channelId,
    addedAt: f.addedAt,
    tagIds: f.tagIds,
    attempt: plan.attempt,
    checkTags: plan.checkTags,
  };
  await sendCommand(
    config.queueUrl("followups"),
    makeEvent("contact.followup_requested", data, { corpId: config.corpId, occurredAt: deps.now(), id: deterministicId("contact-followup", f.kind, f.addKey, f.userId, plan.attempt) }),
    { delaySeconds: plan.delaySeconds },
  );
  deps.log.warn(`${f.kind} side effect failed; retrying on its own`, { externalUserId: f.externalUserId, userId: f.userId, attempt: plan.attempt, delaySeconds: plan.delaySeconds });
}

/** One retry of a side effect, from the follow-ups queue. */
export async function runFollowup(deps: FollowupDeps, f: Followup): Promise<void> {
  if (f.kind === "profile") return retryProfile(deps, f);
  return retryTags(deps, f);
}

async function retryProfile(deps: FollowupDeps, f: Followup): Promise<void> {
  try {
    const got = await fetchProfile(deps, f.externalUserId, f.userId);
    if (got) await writeProfile(deps.config.table, f.externalUserId, { profile: got.profile, syncedAt: deps.now().toISOString() });
  } catch (error) {
    const plan = planFollowup("profile", f.attempt, sideEffectFailure(error), deps.now());
    if (plan.action === "retry") return scheduleFollowup(deps, f, plan);
    deps.log.warn("profile fetch given up; the next event of this customer refreshes it", { externalUserId: f.externalUserId, errcode: errcodeOf(error) });
  }
}

async function retryTags(deps: FollowupDeps, f: Followup): Promise<void> {
  const { config, log } = deps;
  const who = { externalUserId: f.externalUserId, userId: f.userId, addedAt: f.addedAt };
  // the customer may have deleted the member, or added them again since: this retry is for that add only
  if (!(await relationStillFrom(config.table, who))) {
    log.info("tag retry dropped: the relation is no longer the one this add made", { ...who, attempt: f.attempt });
    return;
  }
  let tagIds = f.tagIds ?? [];
  let dropped: string[] = [];
  if (f.checkTags && tagIds.length > 0) {
    ({ tagIds, dropped } = await dropMissingTags(deps, f, tagIds));
  }
  let status: TagStatus;
  if (tagIds.length === 0) {
    status = { status: "applied", at: deps.now().toISOString(), dropped };
  } else {
    try {
      await (await deps.wecom()).markTag({ userid: f.userId, external_userid: f.externalUserId, add_tag: tagIds });
      status = { status: "applied", at: deps.now().toISOString(), ...(dropped.length ? { dropped } : {}) };
    } catch (error) {
      const plan = planFollowup("tags", f.attempt, sideEffectFailure(error), deps.now());
      // the status first, then the next try: a next try that runs at once (delay 0) writes after this
      if (plan.tagStatus) await recordRelationTags(config.table, { ...who, tagStatus: plan.tagStatus });
      if (plan.action === "retry") await scheduleFollowup(deps, { ...f, tagIds }, plan);
      else log.warn("channel tags given up", { externalUserId: f.externalUserId, userId: f.userId, errcode: errcodeOf(error) });
      return;
    }
  }
  const written = await recordRelationTags(config.table, { ...who, tagStatus: status, applied: tagIds });
  // one id per add's tag retry, whichever try applies them and however often its message comes
  const id = deterministicId("contact-intake", "contact.tags_changed", "followup", f.addKey, f.userId);
  const tagsChanged = written && planTagsChanged({ corpId: config.corpId, userId: f.userId, externalUserId: f.externalUserId, source: "followup", id, at: deps.now() }, written);
  if (tagsChanged) await publishEvents(config.topicArn, [tagsChanged]);
}

/**
 * WeCom said a tag id is not a corp tag (40068): ask which of them still exist, and drop the others
 * from the channel, with a warning, so no later add fails on them.
 */
async function dropMissingTags(deps: FollowupDeps, f: Followup, tagIds: string[]): Promise<{ tagIds: string[]; dropped: string[] }> {
  const list = await (await deps.wecom()).getCorpTagList({ tag_id: tagIds });
  const { keep, missing } = splitMissingTags(tagIds, list.tag_group.flatMap((g) => g.tag.map((t) => t.id)));
  if (missing.length && f.channelId) {
    await updateChannel(deps.config.table, f.channelId, (c) => {
      const tags = c.definition.tagIds.filter((t) => !missing.includes(t));
      if (tags.length === c.definition.tagIds.length) return undefined;
      return { ...c, definition: { ...c.definition, tagIds: tags }, updatedAt: deps.now().toISOString() };
    });
    deps.log.warn("channel tags that no longer exist in WeCom were dropped from the channel", { channelId: f.channelId, dropped: missing });
  }
  return { tagIds: keep, dropped: missing };
}
