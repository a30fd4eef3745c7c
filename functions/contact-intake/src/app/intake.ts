import { corpDay, deterministicId, makeEvent } from "@siyu/kernel";
import { publishEvents, sendCommand } from "@siyu/bus";
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { parseCallbackEvent, WecomApiError, type WecomClient, type WecomEvent } from "@siyu/wecom";
import { capCounterExpiry, decideCap } from "../domain/caps.ts";
import { dailyCapOf } from "../domain/channel.ts";
import { decideIntake, type IntakeDecision } from "../domain/events.ts";
import { classifyWelcomeResponse, planWelcome, selectWelcome, type WelcomeOutcome } from "../domain/welcome.ts";
import { countAdd, getChannel, type ChannelRecord } from "../store/channels.ts";
import { addRelationTags, appendTimeline, applyRelation, getRelation, recordWelcome, reserveWelcome, setRelationTags, storeUnknownEvent, updateProfile } from "../store/customers.ts";
import { syncTagChange } from "./tags.ts";
import { pendingTransferTo, recordTransferFailure } from "./transfers.ts";

export interface IntakeDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}

/**
 * Handle one verified WeCom callback: decide (pure), send the welcome first (its code dies 20 s after
 * the event), then side by side persist the relation and timeline and apply tags, count the add
 * against the member's cap (asking for a contact-way sync when the cap is reached or the rotation
 * must move), and refresh the customer's profile; publish the domain events last.
 * Every step is safe to repeat: the caller's idempotency record covers the whole, and each write is
 * conditional on its own key in case an attempt dies halfway.
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

  if (decision.welcome) await welcome(deps, decision.welcome, channel, msg.dedupeKey);

  const now = deps.now();
  // independent effects run side by side; each is idempotent on its own key
  const [, , followTags] = await Promise.all([
    (async () => {
      if (decision.relation) await applyRelation(table, decision.relation, now, { existing: existing ?? null });
      await appendTimeline(table, decision.timeline);
      const tags = decision.markTags;
      if (tags && tags.addTagIds.length > 0 && decision.relation?.addedAt) {
        const wecom = await deps.wecom();
        await wecom.markTag({ userid: tags.userId, external_userid: tags.externalUserId, add_tag: tags.addTagIds });
        await addRelationTags(table, tags.externalUserId, tags.userId, tags.addTagIds, decision.relation.addedAt);
      }
    })(),
    decision.countAdd && channel ? countAndRotate(deps, channel, decision.countAdd, msg.dedupeKey) : undefined,
    decision.syncProfile ? syncProfile(deps, decision.syncProfile.externalUserId, decision.syncProfile.userId) : undefined,
  ]);
  if (decision.syncProfile && followTags) {
    // the relation's corp tags as WeCom has them; the get may have raced this add's own mark_tag, which only adds
    const { externalUserId, userId } = decision.syncProfile;
    const marked = decision.markTags?.userId === userId ? decision.markTags.addTagIds : [];
    const changed = await setRelationTags(table, externalUserId, userId, [...new Set([...followTags, ...marked])]);
    if (changed && (changed.added.length || changed.removed.length)) log.info("relation tags refreshed", { externalUserId, userId, ...changed });
  }

  if (decision.events.length > 0) await publishEvents(config.topicArn, decision.events);
  // a failure here throws and the callback is retried (everything above is idempotent)
  if (decision.syncTags) await syncTagChange({ table, wecom: deps.wecom, now: deps.now, log }, decision.syncTags);
  if (decision.transferFailure) await recordTransferFailure(deps, decision.transferFailure);
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

async function welcome(deps: IntakeDeps, w: NonNullable<IntakeDecision["welcome"]>, channel: ChannelRecord | undefined, addKey: string): Promise<void> {
  const { config, log } = deps;
  const selected = channel ? selectWelcome(channel.definition, w.createTime, config.timezone) : undefined;
  const plan = planWelcome({ welcomeCode: w.welcomeCode, createTime: w.createTime }, selected, deps.now());
  const base = { userId: w.userId, channelId: w.channelId, eventAt: w.createTime.toISOString() };
  if (plan.action === "skip") {
    await reserveWelcome(config.table, w.externalUserId, addKey, deps.now().toISOString());
    await recordWelcome(config.table, w.externalUserId, addKey, { ...base, ...plan.outcome });
    if (plan.outcome.status === "expired") log.warn("welcome code expired before sending; WeCom not called", { ageMs: plan.outcome.ageMs });
    return;
  }
  // at most once: an earlier attempt that reserved the code may have used it
  if (!(await reserveWelcome(config.table, w.externalUserId, addKey, deps.now().toISOString()))) {
    log.info("welcome already attempted for this add; not sending again");
    return;
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
  await recordWelcome(config.table, w.externalUserId, addKey, { ...base, ...outcome, status: outcome.status });
}

async function countAndRotate(deps: IntakeDeps, channel: ChannelRecord, add: NonNullable<IntakeDecision["countAdd"]>, addKey: string): Promise<void> {
  const { config, log } = deps;
  const ttl = Math.floor(capCounterExpiry(add.day, config.timezone).getTime() / 1000);
  const countAfter = await countAdd(config.table, { channelId: add.channelId, userId: add.userId, day: add.day, addKey, ttl });
  if (countAfter === undefined) return; // this add was counted by an earlier attempt
  const cap = dailyCapOf(channel.definition, add.userId);
  const decision = decideCap(countAfter, cap);
  if (decision.overshoot > 0) log.warn("add over the member's daily cap (already in flight when the cap was reached)", { userId: add.userId, countAfter, cap, overshoot: decision.overshoot });
  const today = add.day === corpDay(deps.now(), config.timezone);
  const rotates = channel.definition.rotation !== "wecom-random";
  // the count may include concurrent adds, so every add at or over the cap asks; the FIFO
  // deduplication id (one per member, channel and day) and the sync's own comparison make it one update
  if (!(today && (decision.atOrOverCap || rotates))) return;
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
 * Refresh the customer's profile from externalcontact/get and return the corp tags (type 1) WeCom
 * has on the relation with `userId` (undefined when unknown). The follow user may be on a later page
 * when the customer follows more than 500 members.
 */
async function syncProfile(deps: IntakeDeps, externalUserId: string, userId: string): Promise<string[] | undefined> {
  try {
    const wecom = await deps.wecom();
    let out = await wecom.getExternalContact(externalUserId);
    let follow = out.follow_user.find((f) => f.userid === userId);
    for (let page = 0; !follow && out.next_cursor && page < 50; page++) {
      out = await wecom.getExternalContact(externalUserId, out.next_cursor);
      follow = out.follow_user.find((f) => f.userid === userId);
    }
    const c = out.external_contact as Record<string, unknown>;
    await updateProfile(
      deps.config.table,
      {
        externalUserId,
        name: typeof c.name === "string" ? c.name : undefined,
        unionId: typeof c.unionid === "string" ? c.unionid : undefined,
        type: typeof c.type === "number" ? c.type : undefined,
        avatar: typeof c.avatar === "string" ? c.avatar : undefined,
        gender: typeof c.gender === "number" ? c.gender : undefined,
        corpName: typeof c.corp_name === "string" ? c.corp_name : undefined,
      },
      deps.now().toISOString(),
    );
    return follow ? follow.tags.filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id!) : undefined;
  } catch (error) {
    // the profile is a convenience: the relation is already recorded; the next event refreshes it
    deps.log.warn("profile sync failed", { externalUserId, userId, error });
    return undefined;
  }
}

