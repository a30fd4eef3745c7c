/**
 * What an intake callback event means for Siyu: what to record, what to do, and what to publish.
 *
 * Input is the typed event from `@siyu/wecom`'s `parseCallbackEvent` plus what the caller looked up
 * (the channel matching the event's State, the stored follow relation, a pending transfer). Output is
 * a plain decision the handler executes: upserts, timeline entries, side tasks (welcome, mark_tag,
 * profile/group/tag sync, cap counting) and domain events built with kernel `makeEvent`.
 *
 * Ids are derived from the callback's natural key (`dedupeKey`, identical across WeCom's retries)
 * with kernel `deterministicId`, so a retried callback publishes and records the same ids.
 * Nothing is dropped: an add with an empty or unknown State is attributed to channel `unknown`, and
 * events Siyu does not understand come back as `kind: "unknown"` to be stored.
 */
import { type DomainEvent, deterministicId, type EventData, type EventType, MAX_MEMBER_CHANGE_IDS, makeEvent } from "@siyu/kernel";
import type { ExternalChatEvent, ExternalContactEvent, ExternalTagEvent, UnknownEvent, WecomEvent } from "@siyu/wecom";
import { capDay } from "./caps.ts";
import { isSiyuChannelState, UNKNOWN_CHANNEL_ID } from "./channel.ts";
import type { RelationStatus } from "./customers.ts";
import type { TagsAnnouncement, TagsChangedSource } from "./tags.ts";

/** State of a follow relation (one staff member ↔ one customer); defined in customers.ts. */
export type { RelationStatus };

export interface ExistingRelation {
  status: RelationStatus;
  channelId: string;
  /** false between add_half_external_contact and the member's confirmation (add_external_contact). */
  confirmed?: boolean;
}

export interface IntakeContext {
  /** Corp timezone, for the cap day. */
  timeZone: string;
  /** The channel whose `state` equals the event's State, looked up by the caller; undefined = unknown. */
  channel?: { channelId: string; tagIds: readonly string[] } | undefined;
  /** The stored relation for (event.userId, event.externalUserId), if any. */
  existing?: ExistingRelation | undefined;
  /**
   * A transfer Siyu started of this customer to this member that has not completed yet. WeCom sends
   * the taker an add event when the transfer completes; that add is not a new channel add.
   */
  pendingTransfer?: { fromUserId: string; channelId: string } | undefined;
}

export interface CustomerUpsert {
  externalUserId: string;
  /** ISO instant of the event. */
  lastEventAt: string;
}

export interface RelationUpdate {
  userId: string;
  externalUserId: string;
  status: RelationStatus;
  channelId: string;
  /** ISO instant of this change. */
  at: string;
  /** Adds only: the raw State (kept even when it matches no channel, for attribution). */
  state?: string;
  /** Adds only: false after add_half_external_contact, true after add_external_contact. */
  confirmed?: boolean;
  /** Adds only: when the relation (re)started. */
  addedAt?: string;
}

export type TimelineKind =
  | "added"
  | "confirmed"
  | "transferred-in"
  | "lost"
  | "removed"
  | "transferred-out"
  | "profile-edited"
  | "transfer-failed";

export interface TimelineEntry {
  /** Deterministic: retries of a callback write the same entry. */
  id: string;
  externalUserId: string;
  userId: string;
  kind: TimelineKind;
  /** ISO instant. */
  at: string;
  channelId?: string;
  detail?: Record<string, string | number | boolean>;
}

export type IntakeKind =
  | "added"
  | "confirmed"
  | "already-active"
  | "transferred-in"
  | "lost"
  | "removed"
  | "transferred-out"
  | "profile-edited"
  | "transfer-failed"
  | "group-created"
  | "group-dismissed"
  | "group-updated"
  | "tag-changed"
  | "unknown";

export interface IntakeDecision {
  kind: IntakeKind;
  customer?: CustomerUpsert;
  relation?: RelationUpdate;
  timeline: TimelineEntry[];
  /** Domain events to publish (ids stable across retries). */
  events: DomainEvent[];
  /** Try a welcome message (see welcome.ts `planWelcome`); present for adds even without a code, to record `no-code`. */
  welcome?: { userId: string; externalUserId: string; channelId: string; welcomeCode?: string; createTime: Date };
  /** Count one add on the member's daily counter for the channel (see caps.ts). */
  countAdd?: { channelId: string; userId: string; day: string };
  /** Apply the channel's tags (mark_tag). */
  markTags?: { userId: string; externalUserId: string; addTagIds: string[] };
  /** Fetch externalcontact/get and refresh the customer profile (name, unionid, remark, tags). */
  syncProfile?: { externalUserId: string; userId: string };
  /** Announce the relation's tags once written (`planTagsChanged`): every event that learns them. */
  announceTags?: TagsAnnouncement;
  /** Fetch groupchat/get and refresh the group. */
  syncGroup?: { chatId: string };
  /** Refresh the corp tag list (get_corp_tag_list) for this change. */
  syncTags?: { changeType: ExternalTagEvent["changeType"]; id?: string; tagType?: "tag" | "tag_group"; strategyId?: string };
  /** A transfer to the event's member failed (customer refused / taker at cap). */
  transferFailure?: { userId: string; externalUserId: string; reason: string };
  /** Store the raw callback; nothing else to do. */
  unknown?: { event?: string; changeType?: string; raw: string };
}

/** Id of a domain event published for a callback. */
export function intakeEventId(type: EventType, dedupeKey: string): string {
  return deterministicId("contact-intake", type, dedupeKey);
}

function timelineId(kind: TimelineKind, dedupeKey: string): string {
  return deterministicId("contact-intake/timeline", kind, dedupeKey);
}

/** The channel id for an add's State: the matched channel, else `unknown`. */
export function channelIdFor(state: string | undefined, channel: IntakeContext["channel"]): string {
  return state && channel ? channel.channelId : UNKNOWN_CHANNEL_ID;
}

function announceTags(source: TagsChangedSource, e: ExternalContactEvent): TagsAnnouncement {
  return { corpId: e.corpId, userId: e.userId, externalUserId: e.externalUserId, source, id: intakeEventId("contact.tags_changed", e.dedupeKey), at: e.createTime };
}

function publish<T extends EventType>(type: T, data: EventData<T>, e: { corpId: string; createTime: Date; dedupeKey: string }) {
  return makeEvent(type, data, { corpId: e.corpId, occurredAt: e.createTime, id: intakeEventId(type, e.dedupeKey) });
}

/** Decide what an intake callback event means. Pure; see the module comment. */
export function decideIntake(event: WecomEvent, ctx: IntakeContext): IntakeDecision {
  switch (event.kind) {
    case "change_external_contact":
      return decideContact(event, ctx);
    case "change_external_chat":
      return decideChat(event);
    case "change_external_tag":
      return decideTag(event);
    case "unknown":
      return decideUnknown(event);
  }
}

function decideContact(e: ExternalContactEvent, ctx: IntakeContext): IntakeDecision {
  const at = e.createTime.toISOString();
  const who = { userId: e.userId, externalUserId: e.externalUserId };
  const customer: CustomerUpsert = { externalUserId: e.externalUserId, lastEventAt: at };
  const entry = (kind: TimelineKind, channelId: string | undefined, detail?: TimelineEntry["detail"]): TimelineEntry => {
    const t: TimelineEntry = { id: timelineId(kind, e.dedupeKey), ...who, kind, at };
    if (channelId !== undefined) t.channelId = channelId;
    if (detail !== undefined) t.detail = detail;
    return t;
  };
  const knownChannelId = ctx.existing?.channelId ?? UNKNOWN_CHANNEL_ID;

  switch (e.changeType) {
    case "add_external_contact":
    case "add_half_external_contact": {
      const confirmed = e.changeType === "add_external_contact";
      const welcomeCode = e.welcomeCode;

      if (ctx.existing?.status === "active") {
        // The relation already exists (half-add then confirmation, or a repeated add): no new add.
        const wasUnconfirmed = ctx.existing.confirmed === false && confirmed;
        const relation: RelationUpdate = {
          ...who,
          status: "active",
          channelId: ctx.existing.channelId,
          at,
          confirmed: ctx.existing.confirmed === false ? confirmed : true,
        };
        const d: IntakeDecision = {
          kind: wasUnconfirmed ? "confirmed" : "already-active",
          customer,
          relation,
          timeline: wasUnconfirmed ? [entry("confirmed", ctx.existing.channelId)] : [],
          events: [],
          syncProfile: { ...who },
          announceTags: announceTags("add", e),
        };
        // A code here means no welcome was sent with the half-add's code: send it now.
        if (welcomeCode) d.welcome = { ...who, channelId: ctx.existing.channelId, welcomeCode, createTime: e.createTime };
        return d;
      }

      if (ctx.pendingTransfer) {
        // The taker's add when a transfer completes: the customer keeps their channel; not a new add.
        const channelId = ctx.pendingTransfer.channelId;
        const relation: RelationUpdate = { ...who, status: "active", channelId, at, confirmed: true, addedAt: at };
        if (e.state !== undefined) relation.state = e.state;
        return {
          kind: "transferred-in",
          customer,
          relation,
          timeline: [entry("transferred-in", channelId, { fromUserId: ctx.pendingTransfer.fromUserId })],
          events: [],
          syncProfile: { ...who },
          announceTags: announceTags("transfer", e),
        };
      }

      const channelId = channelIdFor(e.state, ctx.channel);
      const relation: RelationUpdate = { ...who, status: "active", channelId, at, confirmed, addedAt: at };
      if (e.state !== undefined) relation.state = e.state;
      const detail: Record<string, string | boolean> = { halfAdd: !confirmed };
      if (e.state !== undefined) detail.state = e.state;
      if (ctx.existing) detail.readd = true;
      const d: IntakeDecision = {
        kind: "added",
        customer,
        relation,
        timeline: [entry("added", channelId, detail)],
        events: [publish("contact.added", { ...who, channelId, addedAt: at }, e)],
        welcome: { ...who, channelId, createTime: e.createTime },
        countAdd: { channelId, userId: e.userId, day: capDay(e.createTime, ctx.timeZone) },
        syncProfile: { ...who },
        announceTags: announceTags("add", e),
      };
      if (welcomeCode) d.welcome!.welcomeCode = welcomeCode;
      const tags = channelId === UNKNOWN_CHANNEL_ID ? [] : [...(ctx.channel?.tagIds ?? [])];
      if (tags.length > 0) d.markTags = { ...who, addTagIds: tags };
      return d;
    }

    case "del_follow_user":
      // The customer deleted the member: churn.
      return {
        kind: "lost",
        customer,
        relation: { ...who, status: "lost", channelId: knownChannelId, at },
        timeline: [entry("lost", knownChannelId)],
        events: [publish("contact.lost", { ...who, channelId: knownChannelId, lostAt: at }, e)],
      };

    case "del_external_contact":
      if (e.source === "DELETE_BY_TRANSFER") {
        // WeCom removed the old owner's side of an on-job transfer: not churn.
        return {
          kind: "transferred-out",
          customer,
          relation: { ...who, status: "transferred", channelId: knownChannelId, at },
          timeline: [entry("transferred-out", knownChannelId)],
          events: [],
        };
      }
      return {
        kind: "removed",
        customer,
        relation: { ...who, status: "removed", channelId: knownChannelId, at },
        timeline: [entry("removed", knownChannelId, e.source ? { source: e.source } : undefined)],
        events: [publish("contact.removed", { ...who, channelId: knownChannelId, removedAt: at }, e)],
      };

    case "edit_external_contact":
      return {
        kind: "profile-edited",
        customer,
        timeline: [entry("profile-edited", ctx.existing?.channelId)],
        events: [],
        syncProfile: { ...who },
        announceTags: announceTags("edit", e),
      };

    case "transfer_fail":
      return {
        kind: "transfer-failed",
        customer,
        timeline: [entry("transfer-failed", undefined, { reason: e.failReason })],
        events: [],
        transferFailure: { ...who, reason: e.failReason },
      };
  }
}

function decideChat(e: ExternalChatEvent): IntakeDecision {
  const at = e.createTime.toISOString();
  switch (e.changeType) {
    case "create":
      return {
        kind: "group-created",
        timeline: [],
        events: [publish("group.created", { chatId: e.chatId, createdAt: at }, e)],
        syncGroup: { chatId: e.chatId },
      };
    case "dismiss":
      return {
        kind: "group-dismissed",
        timeline: [],
        events: [publish("group.dismissed", { chatId: e.chatId, dismissedAt: at }, e)],
      };
    case "update": {
      const data: EventData<"group.member_changed"> = { chatId: e.chatId, change: e.updateDetail, changedAt: at };
      if (e.memChangeCnt !== undefined) data.memberChangeCount = e.memChangeCnt;
      // both versions: a consumer's count follows this change only when LastMemVer is the version it holds
      if (e.lastMemVer !== undefined) data.lastMemberVersion = e.lastMemVer;
      if (e.curMemVer !== undefined) data.memberVersion = e.curMemVer;
      if (e.joinScene !== undefined) data.joinScene = e.joinScene;
      if (e.quitScene !== undefined) data.quitScene = e.quitScene;
      // an empty list is "not told" (WeCom added MemChangeList later), not "nobody"; an oversized one
      // would fail the schema and lose the whole event, while the count and versions still hold
      if (e.memChangeList.length > 0 && e.memChangeList.length <= MAX_MEMBER_CHANGE_IDS) data.memberIds = [...e.memChangeList];
      return {
        kind: "group-updated",
        timeline: [],
        events: [publish("group.member_changed", data, e)],
        syncGroup: { chatId: e.chatId },
      };
    }
  }
}

function decideTag(e: ExternalTagEvent): IntakeDecision {
  const syncTags: NonNullable<IntakeDecision["syncTags"]> = { changeType: e.changeType };
  if (e.id !== undefined) syncTags.id = e.id;
  if (e.tagType !== undefined) syncTags.tagType = e.tagType;
  if (e.strategyId !== undefined) syncTags.strategyId = e.strategyId;
  return { kind: "tag-changed", timeline: [], events: [], syncTags };
}

function decideUnknown(e: UnknownEvent): IntakeDecision {
  const unknown: NonNullable<IntakeDecision["unknown"]> = { raw: e.raw };
  if (e.event !== undefined) unknown.event = e.event;
  if (e.changeType !== undefined) unknown.changeType = e.changeType;
  return { kind: "unknown", timeline: [], events: [], unknown };
}

/** What the intake consumer reads before deciding: the channel behind an add's State, the relation, an open transfer. */
interface IntakeLookups {
  /** Only for adds, and only a State Siyu could have made (another tool's, or none, is channel `unknown` without a read). */
  channelId?: string;
  relation?: { externalUserId: string; userId: string };
  /** Adds: a transfer Siyu started to this member (the taker's add when it completes is not a channel add). */
  pendingTransfer?: { externalUserId: string; userId: string };
}

export function intakeLookups(event: WecomEvent): IntakeLookups {
  if (event.kind !== "change_external_contact") return {};
  const who = { externalUserId: event.externalUserId, userId: event.userId };
  const isAdd = event.changeType === "add_external_contact" || event.changeType === "add_half_external_contact";
  if (!isAdd) return { relation: who };
  const out: IntakeLookups = { relation: who, pendingTransfer: who };
  if (event.state && isSiyuChannelState(event.state)) out.channelId = event.state;
  return out;
}
