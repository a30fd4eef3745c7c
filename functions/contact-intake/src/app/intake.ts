import { publishEvents, sendCommand } from "@siyu/bus";
import { makeEvent } from "@siyu/kernel";
import { type ConsumerContext, type Logger, metric, type RuntimeConfig } from "@siyu/lambda-kit";
import { batchWrite, putIfAbsent } from "@siyu/store";
import { parseCallbackEvent, type WecomClient } from "@siyu/wecom";
import { capCounterExpiry, planCapSync } from "../domain/caps.ts";
import { dailyCapOf } from "../domain/channel.ts";
import { decideIntake, type IntakeDecision, intakeLookups } from "../domain/events.ts";
import { planSideEffects } from "../domain/followups.ts";
import { planTagsChanged, relationTagsAfter } from "../domain/tags.ts";
import { intakeWelcomeOutcome } from "../domain/welcome.ts";
import { type ChannelRecord, countAdd, getChannelCached } from "../store/channels.ts";
import { writeProfile } from "../store/profiles.ts";
import { applyRelation, getRelation, setRelationTags, tagMembershipItems, tagMembershipKey } from "../store/relations.ts";
import { timelineItem } from "../store/timeline.ts";
import { storeUnknownEvent } from "../store/unknown-events.ts";
import { welcomeItem } from "../store/welcomes.ts";
import { scheduleFollowup, sideEffectFailure } from "./followups.ts";
import { fetchProfile } from "./profile.ts";
import { syncTagChange } from "./tags.ts";
import { pendingTransferTo, recordTransferFailure } from "./transfer-failures.ts";

interface IntakeDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
  /** The consumer's idempotency completion, written in the last batch (see ConsumerContext.completion). */
  completion?: ConsumerContext["completion"];
}

type Tried<T> = { ok: true; value: T } | { ok: false; error: unknown };
const attempt = <T>(run: () => Promise<T>): Promise<Tried<T>> => run().then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

/**
 * Handle one verified WeCom callback (the welcome went on its own lane from the callback route): decide
 * (pure), then side by side count the add against the member's cap (asking for a contact-way sync when
 * the cap is reached or the rotation must move), apply the channel's tags (mark_tag) and fetch the
 * profile (externalcontact/get); then write the relation once, with every tag it now has; the profile
 * beside the domain events; last, one batch of timeline, tag rows and the idempotency completion.
 *
 * The WeCom calls are side effects: whatever they answer, the relation, timeline, cap count and events
 * are written, and a failed call is retried on its own (followups.ts) with its state on the relation.
 * Every step is safe to repeat: the caller's idempotency record covers the whole, and each write is
 * conditional or deterministic on its own key in case an attempt dies halfway.
 */
export async function handleCallback(deps: IntakeDeps, msg: { dedupeKey: string; xml: string; receivedAt: string }): Promise<IntakeDecision> {
  const { config, log } = deps;
  const table = config.table;
  const event = parseCallbackEvent(msg.xml);
  if (event.kind === "unknown") {
    await storeUnknownEvent(table, msg.dedupeKey, msg.xml, deps.now(), event.event, event.changeType);
    log.info("unknown callback stored", { event: event.event, changeType: event.changeType });
    return decideIntake(event, { timeZone: config.timeZone });
  }

  const lookups = intakeLookups(event);
  const [channel, existing, transfer] = await Promise.all([
    lookups.channelId ? getChannelCached(table, lookups.channelId, deps.now()) : undefined,
    lookups.relation ? getRelation(table, lookups.relation.externalUserId, lookups.relation.userId) : undefined,
    lookups.pendingTransfer ? pendingTransferTo(table, lookups.pendingTransfer.externalUserId, lookups.pendingTransfer.userId) : undefined,
  ]);
  const decision = decideIntake(event, {
    timeZone: config.timeZone,
    channel: channel ? { channelId: channel.channelId, tagIds: channel.definition.tagIds } : undefined,
    existing: existing ? { status: existing.status, channelId: existing.channelId, confirmed: existing.confirmed } : undefined,
    pendingTransfer: transfer ? { fromUserId: transfer.fromUserId, channelId: transfer.channelId } : undefined,
  });

  // the cap count first in line (a capped member must leave the code fast), the WeCom side effects beside it
  const tags = decision.markTags;
  const noCode = intakeWelcomeOutcome(decision.welcome, deps.now());
  const [, profileTry, tagTry] = await Promise.all([
    decision.countAdd && channel ? countAndRotate(deps, channel, decision.countAdd, msg.dedupeKey) : undefined,
    decision.syncProfile ? attempt(() => fetchProfile(deps, decision.syncProfile!.externalUserId, decision.syncProfile!.userId)) : undefined,
    tags ? attempt(() => deps.wecom().then((wecom) => wecom.markTag({ userid: tags.userId, external_userid: tags.externalUserId, add_tag: tags.addTagIds }))) : undefined,
    noCode && decision.welcome
      ? putIfAbsent(table, welcomeItem(decision.welcome.externalUserId, msg.dedupeKey, { userId: decision.welcome.userId, channelId: decision.welcome.channelId, eventAt: decision.welcome.createTime.toISOString(), ...noCode, recordedAt: deps.now().toISOString() }))
      : undefined,
  ]);
  const now = deps.now();
  const profile = profileTry?.ok ? profileTry.value : undefined;
  const failed = (t: Tried<unknown> | undefined) => (t && !t.ok ? { failure: sideEffectFailure(t.error) } : {});
  const effects = planSideEffects({ tags: tags ? failed(tagTry) : undefined, profile: profileTry ? failed(profileTry) : undefined }, now);

  const batch: Record<string, unknown>[] = decision.timeline.map(timelineItem);
  const batchDeletes: { pk: string; sk: string }[] = [];
  const events = [...decision.events];
  let relationApplied = false;
  if (decision.relation) {
    const relationTags = relationTagsAfter(
      decision.relation.userId,
      profile && decision.syncProfile ? { userId: decision.syncProfile.userId, followTags: profile.followTags } : undefined,
      tags && tagTry?.ok ? tags : undefined,
    );
    const { applied, record } = await applyRelation(table, decision.relation, now, {
      existing: existing ?? null,
      tagIds: relationTags.add,
      replaceTags: relationTags.replace,
      touchProfile: false,
      tagStatus: effects.tagStatus,
    });
    relationApplied = applied;
    if (applied) {
      batch.push(...tagMembershipItems(record, record.tagIds));
      const removed = (existing?.tagIds ?? []).filter((t) => !record.tagIds.includes(t));
      if (removed.length && existing) batchDeletes.push(...removed.map((t) => tagMembershipKey(existing, t)));
      if (removed.length || (existing && record.tagIds.some((t) => !existing.tagIds?.includes(t)))) {
        log.info("relation tags refreshed", { externalUserId: record.externalUserId, userId: record.userId, tagIds: record.tagIds, removed });
      }
      const tagsChanged = decision.announceTags && planTagsChanged(decision.announceTags, { before: existing?.tagIds, after: relationTags.known ? record.tagIds : undefined });
      if (tagsChanged) events.push(tagsChanged);
    }
  }
  if (!decision.relation && decision.syncProfile && profile?.followTags) {
    // a profile edit: the relation's tags as WeCom has them
    const { externalUserId, userId } = decision.syncProfile;
    const changed = await setRelationTags(table, externalUserId, userId, profile.followTags);
    if (changed && (changed.added.length || changed.removed.length)) log.info("relation tags refreshed", { externalUserId, userId, added: changed.added, removed: changed.removed });
    const tagsChanged = changed && decision.announceTags && planTagsChanged(decision.announceTags, changed);
    if (tagsChanged) events.push(tagsChanged);
  }
  const profileFor = decision.syncProfile?.externalUserId ?? decision.relation?.externalUserId;
  if (effects.tagsRefused) log.warn("channel tags not applied: WeCom refused them", { ...tags, tagStatus: effects.tagStatus });
  await Promise.all([
    profileFor && (profile || relationApplied)
      ? writeProfile(table, profileFor, { profile: profile?.profile, syncedAt: profile ? now.toISOString() : undefined, eventAt: relationApplied ? decision.relation!.at : undefined })
      : undefined,
    // the relation these events announce is stored; a failure from here on retries the whole (idempotent)
    events.length > 0 ? publishEvents(config.topicArn, events) : undefined,
    // failed side effects, on their own from here (after the relation they update is stored)
    tags && effects.tagRetry
      ? scheduleFollowup(
          deps,
          { kind: "tags", ...tags, tagIds: tags.addTagIds, channelId: channel?.channelId, addedAt: decision.relation?.addedAt, addKey: msg.dedupeKey, attempt: 0 },
          effects.tagRetry,
        )
      : undefined,
    decision.syncProfile && effects.profileRetry
      ? scheduleFollowup(deps, { kind: "profile", ...decision.syncProfile, addKey: msg.dedupeKey, attempt: 0 }, effects.profileRetry)
      : undefined,
  ]);
  if (decision.syncTags) await syncTagChange({ table, wecom: deps.wecom, now: deps.now, log }, decision.syncTags);
  if (decision.transferFailure) await recordTransferFailure(deps, decision.transferFailure);
  // last, one batch: timeline and tag rows (deterministic keys and content, so a retry rewrites the
  // same items) and the idempotency completion, which must come after everything else
  const completion = deps.completion;
  await batchWrite(table, completion ? [...batch, completion.item()] : batch, batchDeletes);
  completion?.written();
  return decision;
}

async function countAndRotate(deps: IntakeDeps, channel: ChannelRecord, add: NonNullable<IntakeDecision["countAdd"]>, addKey: string): Promise<void> {
  const { config, log } = deps;
  const cap = dailyCapOf(channel.definition, add.userId);
  const ttl = Math.floor(capCounterExpiry(add.day, config.timeZone).getTime() / 1000);
  const counted = await countAdd(config.table, { channelId: add.channelId, userId: add.userId, day: add.day, addKey, ttl, cap });
  if (!counted.counted) return; // this add was counted by an earlier attempt
  metric("ChannelAdds");
  const plan = planCapSync({ ...add, addKey }, counted, { cap, rotation: channel.definition.rotation }, { now: deps.now(), timeZone: config.timeZone });
  if (plan.overshoot > 0) log.warn("add over the member's daily cap (already in flight when the cap was reached)", { userId: add.userId, cap, overshoot: plan.overshoot });
  if (!plan.sync) return;
  const { reason, addedUserId, id } = plan.sync;
  if (reason === "cap-reached") metric("CapReached");
  await sendCommand(
    config.queueUrl("channel-sync"),
    makeEvent("channel.sync_requested", { channelId: channel.channelId, reason, addedUserId, addKey }, { corpId: config.corpId, occurredAt: deps.now(), id }),
    { groupId: channel.channelId, deduplicationId: id },
  );
}
