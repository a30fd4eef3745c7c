import { corpDay, deterministicId, makeEvent } from "@siyu/kernel";
import { publishEvents, sendCommand } from "@siyu/bus";
import { putIfAbsent } from "@siyu/store";
import { batchWrite } from "../store/batch.ts";
import type { ConsumerContext, Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { parseCallbackEvent, WecomApiError, type WecomClient, type WecomEvent } from "@siyu/wecom";
import { capCounterExpiry, decideCap } from "../domain/caps.ts";
import { dailyCapOf } from "../domain/channel.ts";
import { decideIntake, type IntakeDecision } from "../domain/events.ts";
import { classifyWelcomeResponse, planWelcome, selectWelcome, type WelcomeOutcome } from "../domain/welcome.ts";
import { countAdd, getChannel, type ChannelRecord } from "../store/channels.ts";
import {
  applyRelation,
  type CustomerProfile,
  getRelation,
  reserveWelcome,
  setRelationTags,
  storeUnknownEvent,
  tagMembershipItems,
  tagMembershipKey,
  timelineItem,
  welcomeItem,
  writeProfile,
} from "../store/customers.ts";
import { syncTagChange } from "./tags.ts";
import { pendingTransferTo, recordTransferFailure } from "./transfers.ts";

export interface IntakeDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
  /** The consumer's idempotency completion, written in the last batch (see ConsumerContext.completion). */
  completion?: ConsumerContext["completion"];
}

/**
 * Handle one verified WeCom callback: decide (pure), send the welcome first (its code dies 20 s after
 * the event), then side by side apply tags (mark_tag), fetch the profile (externalcontact/get) and count
 * the add against the member's cap (asking for a contact-way sync when the cap is reached or the rotation
 * must move); then write the relation once, with every tag it now has; the profile beside the domain
 * events; last, one batch of timeline, welcome outcome, tag rows and the idempotency completion.
 *
 * An add costs ~8 DynamoDB calls (idempotency claim, two reads, the welcome reservation, the cap
 * transaction (and a read of the count near the cap), the relation, the profile, one batch with the
 * completion): every call is CPU and money, so writes are folded wherever atomicity is not needed.
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
    return decideIntake(event, { timezone: config.timezone });
  }

  // the reads at once: the welcome code is ticking
  const isAdd = event.kind === "change_external_contact" && (event.changeType === "add_external_contact" || event.changeType === "add_half_external_contact");
  const [channel, existing, transfer] = await Promise.all([
    channelForEvent(table, event, deps.now()),
    event.kind === "change_external_contact" ? getRelation(table, event.externalUserId, event.userId) : undefined,
    // the taker's add when a transfer Siyu started completes is not a channel add
    isAdd ? pendingTransferTo(table, event.externalUserId, event.userId) : undefined,
  ]);
  const decision = decideIntake(event, {
    timezone: config.timezone,
    channel: channel ? { channelId: channel.channelId, tagIds: channel.definition.tagIds } : undefined,
    existing: existing ? { status: existing.status, channelId: existing.channelId, confirmed: existing.confirmed } : undefined,
    pendingTransfer: transfer ? { fromUserId: transfer.fromUserId, channelId: transfer.channelId } : undefined,
  });

  const welcomeWrite = decision.welcome ? await welcome(deps, decision.welcome, channel, msg.dedupeKey) : undefined;

  // WeCom calls and the cap count, side by side; each is idempotent on its own
  const tags = decision.markTags && decision.markTags.addTagIds.length > 0 && decision.relation?.addedAt ? decision.markTags : undefined;
  const [profile] = await Promise.all([
    decision.syncProfile ? fetchProfile(deps, decision.syncProfile.externalUserId, decision.syncProfile.userId) : undefined,
    tags ? deps.wecom().then((wecom) => wecom.markTag({ userid: tags.userId, external_userid: tags.externalUserId, add_tag: tags.addTagIds })) : undefined,
    decision.countAdd && channel ? countAndRotate(deps, channel, decision.countAdd, msg.dedupeKey) : undefined,
    welcomeWrite?.ifAbsent ? putIfAbsent(table, welcomeWrite.ifAbsent) : undefined,
  ]);

  const now = deps.now();
  const batch: Record<string, unknown>[] = decision.timeline.map(timelineItem);
  const batchDeletes: { pk: string; sk: string }[] = [];
  if (welcomeWrite?.replace) batch.push(welcomeWrite.replace);
  let relationApplied = false;
  if (decision.relation) {
    // the relation's corp tags: WeCom's list when we have it for this member (the get may have raced
    // this add's own mark_tag, which only adds), else what Siyu knew plus what it just marked
    const forMember = profile && decision.syncProfile?.userId === decision.relation.userId ? profile.followTags : undefined;
    const marked = tags?.userId === decision.relation.userId ? tags.addTagIds : [];
    const replaceTags = forMember ? [...new Set([...forMember, ...marked])].filter((t) => t && !t.includes("#")) : undefined;
    const { applied, record } = await applyRelation(table, decision.relation, now, { existing: existing ?? null, tagIds: marked, replaceTags, touchProfile: false });
    relationApplied = applied;
    if (applied) {
      batch.push(...tagMembershipItems(record, record.tagIds));
      const removed = (existing?.tagIds ?? []).filter((t) => !record.tagIds.includes(t));
      if (removed.length && existing) batchDeletes.push(...removed.map((t) => tagMembershipKey(existing, t)));
      if (removed.length || (existing && record.tagIds.some((t) => !existing.tagIds?.includes(t)))) {
        log.info("relation tags refreshed", { externalUserId: record.externalUserId, userId: record.userId, tagIds: record.tagIds, removed });
      }
    }
  }
  if (!decision.relation && decision.syncProfile && profile?.followTags) {
    // a profile edit: the relation's tags as WeCom has them
    const { externalUserId, userId } = decision.syncProfile;
    const changed = await setRelationTags(table, externalUserId, userId, profile.followTags);
    if (changed && (changed.added.length || changed.removed.length)) log.info("relation tags refreshed", { externalUserId, userId, ...changed });
  }
  const profileFor = decision.syncProfile?.externalUserId ?? decision.relation?.externalUserId;
  await Promise.all([
    profileFor && (profile || relationApplied)
      ? writeProfile(table, profileFor, { profile: profile?.profile, syncedAt: profile ? now.toISOString() : undefined, eventAt: relationApplied ? decision.relation!.at : undefined })
      : undefined,
    // the relation these events announce is stored; a failure from here on retries the whole (idempotent)
    decision.events.length > 0 ? publishEvents(config.topicArn, decision.events) : undefined,
  ]);
  if (decision.syncTags) await syncTagChange({ table, wecom: deps.wecom, now: deps.now, log }, decision.syncTags);
  if (decision.transferFailure) await recordTransferFailure(deps, decision.transferFailure);
  // last, one batch: timeline, welcome outcome and tag rows (deterministic keys and content, so a retry
  // rewrites the same items) and the idempotency completion, which must come after everything else
  const completion = deps.completion;
  await batchWrite(table, completion ? [...batch, completion.item()] : batch, batchDeletes);
  completion?.written();
  return decision;
}

/**
 * Channel definitions change rarely and every add reads one: keep them a few seconds per container.
 * An operator's edit (welcome text, tags) therefore reaches adds within CHANNEL_CACHE_MS.
 */
const CHANNEL_CACHE_MS = 5_000;
const channelCache = new Map<string, { at: number; channel: ChannelRecord | undefined }>();

async function channelForEvent(table: string, event: WecomEvent, now: Date): Promise<ChannelRecord | undefined> {
  if (event.kind !== "change_external_contact") return undefined;
  if (event.changeType !== "add_external_contact" && event.changeType !== "add_half_external_contact") return undefined;
  // a channel's id is its contact way's `state`
  if (!event.state || event.state.length > 30) return undefined;
  const cacheKey = `${table}|${event.state}`;
  const hit = channelCache.get(cacheKey);
  if (hit && now.getTime() - hit.at < CHANNEL_CACHE_MS) return hit.channel;
  const channel = await getChannel(table, event.state);
  if (channelCache.size > 1000) channelCache.clear();
  channelCache.set(cacheKey, { at: now.getTime(), channel });
  return channel;
}

/** How a welcome's outcome is stored: in the batch over its own reservation, or only if no earlier attempt stored one. */
interface WelcomeWrite {
  replace?: ReturnType<typeof welcomeItem>;
  ifAbsent?: ReturnType<typeof welcomeItem>;
}

async function welcome(deps: IntakeDeps, w: NonNullable<IntakeDecision["welcome"]>, channel: ChannelRecord | undefined, addKey: string): Promise<WelcomeWrite | undefined> {
  const { config, log } = deps;
  const selected = channel ? selectWelcome(channel.definition, w.createTime, config.timezone) : undefined;
  const plan = planWelcome({ welcomeCode: w.welcomeCode, createTime: w.createTime }, selected, deps.now());
  const base = { userId: w.userId, channelId: w.channelId, eventAt: w.createTime.toISOString() };
  if (plan.action === "skip") {
    if (plan.outcome.status === "expired") log.warn("welcome code expired before sending; WeCom not called", { ageMs: plan.outcome.ageMs });
    // never over an earlier attempt's record (a late retry must not turn `sent` into `expired`)
    return { ifAbsent: welcomeItem(w.externalUserId, addKey, { ...base, ...plan.outcome, recordedAt: deps.now().toISOString() }) };
  }
  // at most once: an earlier attempt that reserved the code may have used it
  const reservedAt = deps.now().toISOString();
  if (!(await reserveWelcome(config.table, w.externalUserId, addKey, reservedAt))) {
    log.info("welcome already attempted for this add; not sending again");
    return undefined;
  }
  let outcome: WelcomeOutcome;
  try {
    const wecom = await deps.wecom();
    await wecom.sendWelcomeMsg(plan.payload);
    outcome = classifyWelcomeResponse({ errcode: 0 }, { variant: plan.variant, createTime: w.createTime, at: deps.now() });
  } catch (error) {
    if (!(error instanceof WecomApiError)) {
      outcome = { status: "failed", variant: plan.variant, errcode: -2, errmsg: (error as Error).message, retryable: false, latencyMs: deps.now().getTime() - w.createTime.getTime() };
    } else {
      outcome = classifyWelcomeResponse({ errcode: error.errcode, errmsg: error.errmsg }, { variant: plan.variant, createTime: w.createTime, at: deps.now() });
    }
    log.warn("welcome failed", { outcome });
  }
  return { replace: welcomeItem(w.externalUserId, addKey, { ...base, ...outcome, status: outcome.status, reservedAt, recordedAt: deps.now().toISOString() }) };
}

async function countAndRotate(deps: IntakeDeps, channel: ChannelRecord, add: NonNullable<IntakeDecision["countAdd"]>, addKey: string): Promise<void> {
  const { config, log } = deps;
  const ttl = Math.floor(capCounterExpiry(add.day, config.timezone).getTime() / 1000);
  const cap = dailyCapOf(channel.definition, add.userId);
  const counted = await countAdd(config.table, { channelId: add.channelId, userId: add.userId, day: add.day, addKey, ttl, cap });
  if (!counted.counted) return; // this add was counted by an earlier attempt
  // under the cap the store does not read the count: nothing to decide there
  const decision = counted.underCap ? undefined : decideCap(counted.countAfter, cap);
  if (decision && decision.overshoot > 0) {
    log.warn("add over the member's daily cap (already in flight when the cap was reached)", { userId: add.userId, cap, overshoot: decision.overshoot });
  }
  const today = add.day === corpDay(deps.now(), config.timezone);
  const rotates = channel.definition.rotation !== "wecom-random";
  // the count may include concurrent adds, so every add at or over the cap asks; the FIFO
  // deduplication id (one per member, channel and day) and the sync's own comparison make it one update
  if (!(today && (decision?.atOrOverCap || rotates))) return;
  // rotation: one sync per add (each advances the rotation once); caps: one per member, channel, day and cap
  const id = rotates ? deterministicId("channel-sync", addKey) : deterministicId("channel-cap", channel.channelId, add.userId, add.day, cap);
  await sendCommand(
    config.queueUrl("channel-sync"),
    makeEvent(
      "channel.sync_requested",
      { channelId: channel.channelId, reason: rotates ? "add" : "cap-reached", addedUserId: rotates ? add.userId : undefined, addKey },
      { corpId: config.corpId, occurredAt: deps.now(), id },
    ),
    { groupId: channel.channelId, deduplicationId: id },
  );
}

/**
 * The customer's profile from externalcontact/get and the corp tags (type 1) WeCom has on the relation
 * with `userId` (undefined when not found). The follow user may be on a later page when the customer
 * follows more than 500 members. Undefined when the call fails: the profile is a convenience, the
 * relation is recorded anyway and the next event refreshes it.
 */
async function fetchProfile(
  deps: IntakeDeps,
  externalUserId: string,
  userId: string,
): Promise<{ profile: Omit<CustomerProfile, "externalUserId" | "firstSeenAt" | "lastEventAt">; followTags: string[] | undefined } | undefined> {
  try {
    const wecom = await deps.wecom();
    let out = await wecom.getExternalContact(externalUserId);
    let follow = out.follow_user.find((f) => f.userid === userId);
    for (let page = 0; !follow && out.next_cursor && page < 50; page++) {
      out = await wecom.getExternalContact(externalUserId, out.next_cursor);
      follow = out.follow_user.find((f) => f.userid === userId);
    }
    const c = out.external_contact as Record<string, unknown>;
    return {
      profile: {
        name: typeof c.name === "string" ? c.name : undefined,
        unionId: typeof c.unionid === "string" ? c.unionid : undefined,
        type: typeof c.type === "number" ? c.type : undefined,
        avatar: typeof c.avatar === "string" ? c.avatar : undefined,
        gender: typeof c.gender === "number" ? c.gender : undefined,
        corpName: typeof c.corp_name === "string" ? c.corp_name : undefined,
      },
      followTags: follow ? follow.tags.filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id!) : undefined,
    };
  } catch (error) {
    deps.log.warn("profile fetch failed", { externalUserId, userId, error });
    return undefined;
  }
}
