import * as z from "zod";
import { newId } from "./ids.ts";
import type { FieldIssue } from "./problem.ts";

/**
 * Every message on a queue or the topic is an envelope `{ id, type, occurredAt, corpId, data }`.
 * `type` names a schema in the registry below; producers and consumers both validate against it.
 */
export const envelopeSchema = z.object({
  id: z.string().min(1).max(128),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "type is dotted lowercase, e.g. contact.added"),
  occurredAt: z.iso.datetime({ offset: false }),
  corpId: z.string().min(1).max(64),
  data: z.unknown(),
});

export type Envelope<T = unknown> = Omit<z.infer<typeof envelopeSchema>, "data"> & { data: T };

const isoInstant = z.iso.datetime({ offset: false });
const userId = z.string().min(1).max(64);
const externalUserId = z.string().min(1).max(128);

/**
 * The most member ids one `group.member_changed` carries. An external group holds at most 500 members
 * (wecom-reference §9), so a real change lists fewer; at 128 characters an id, 1000 of them stay well
 * inside a queue message's 256 KB.
 */
export const MAX_MEMBER_CHANGE_IDS = 1000;

/** The schemas of every domain event and command, by type. Add new ones here. */
export const eventSchemas = {
  /** The probe service's command: record a probe. */
  "probe.requested": z.object({ probeId: z.string().min(1), message: z.string().max(1000) }),
  /** The probe service's domain event, fanned out through the topic. */
  "probe.recorded": z.object({ probeId: z.string().min(1), recordedAt: isoInstant }),

  /** contact-intake's queue: a verified, decrypted WeCom callback (the XML is parsed again by the consumer). */
  "wecom.callback_received": z.object({
    dedupeKey: z.string().min(1).max(128),
    xml: z.string().min(1).max(65_536),
    receivedAt: isoInstant,
  }),
  /**
   * contact-intake's welcome lane, fed by the callback route beside the intake queue: an add that
   * carries a WelcomeCode (it dies 20 s after the add), sent on the shortest path there is.
   */
  "wecom.welcome_requested": z.object({
    /** The add callback's natural key: one welcome per add, whatever redelivers it. */
    addKey: z.string().min(1).max(128),
    userId,
    externalUserId,
    state: z.string().max(1000).optional(),
    welcomeCode: z.string().min(1).max(512),
    /** The add event's CreateTime. */
    createTime: isoInstant,
  }),
  /**
   * contact-intake's follow-ups queue: a side effect of an add that failed inline (mark_tag,
   * externalcontact/get), retried on its own with backoff so it never holds up the add's record.
   */
  "contact.followup_requested": z.object({
    kind: z.enum(["tags", "profile"]),
    userId,
    externalUserId,
    /** The add this follows up (its timeline key), for logs and deterministic retry ids. */
    addKey: z.string().min(1).max(128),
    channelId: z.string().max(64).optional(),
    /** The relation's start (`addedAt`) this follows up: a retry never touches a later re-add. */
    addedAt: isoInstant.optional(),
    tagIds: z.array(z.string().min(1).max(128)).max(100).optional(),
    /** 1 on the first retry. */
    attempt: z.number().int().positive(),
    /** Tags: WeCom said a tag id does not exist (40068); check which do before marking again. */
    checkTags: z.boolean().default(false),
  }),
  /** contact-intake's FIFO queue (group = channel): bring a channel's contact way in line with its eligible staff. */
  "channel.sync_requested": z.object({
    channelId: z.string().min(1).max(30),
    reason: z.enum(["created", "edited", "cap-reached", "add", "boundary", "archived", "manual"]),
    /** round-robin / weighted: the member who just got an add (advances the rotation once per add). */
    addedUserId: userId.optional(),
    addKey: z.string().optional(),
  }),
  /** contact-intake's transfers queue: send one planned batch (≤ 100 customers) of a stored transfer to WeCom. */
  "transfer.batch_requested": z.object({
    transferId: z.string().min(1).max(64),
    batch: z.number().int().nonnegative(),
  }),
  "contact.added": z.object({
    userId,
    externalUserId,
    channelId: z.string(),
    addedAt: isoInstant,
    addWay: z.number().int().optional(),
    unionId: z.string().optional(),
  }),
  /** The customer deleted the staff member (del_follow_user). */
  "contact.lost": z.object({ userId, externalUserId, channelId: z.string(), lostAt: isoInstant }),
  /** The staff member deleted the customer (del_external_contact, not by transfer). */
  "contact.removed": z.object({ userId, externalUserId, channelId: z.string(), removedAt: isoInstant }),
  "contact.transferred": z.object({
    fromUserId: userId,
    toUserId: userId,
    externalUserId,
    channelId: z.string(),
    transferredAt: isoInstant,
  }),
  /**
   * A follow relation's corp tags as contact-intake now knows them (after an add's mark_tag, its retry,
   * an edit in the client, a transfer): for services that keep their own copy of relation tags.
   */
  "contact.tags_changed": z.object({
    userId,
    externalUserId,
    /** Every corp tag id on this relation now, as Siyu knows it (the full set, not a delta). */
    tagIds: z.array(z.string().min(1).max(128)).max(1000),
    /** When the change took effect; consumers keep the latest by this instant. */
    changedAt: isoInstant,
    /** Why it changed. */
    source: z.enum(["add", "followup", "edit", "transfer", "sync"]),
  }),
  /** churn-stats' alerts queue: tell a staff member that a customer deleted them (one per loss fact). */
  "churn.alert_requested": z.object({
    factId: z.string().regex(/^[0-9a-f]{32}$/),
    userId,
    externalUserId,
    channelId: z.string(),
    lostAt: isoInstant,
    /** Customers of other staff members the customer still follows (for the message text). */
    stillConnectedTo: z.array(userId).max(100).default([]),
    /** How often the alert was deferred because the member was at WeCom's app-message limit. */
    deferrals: z.number().int().nonnegative().default(0),
  }),
  /** churn-stats' rebuild queue: recompute the counters of a range of corp days from the stored facts. */
  "churn.rebuild_requested": z.object({
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    dryRun: z.boolean().default(false),
  }),
  "group.created": z.object({ chatId: z.string().min(1), ownerUserId: userId.optional(), createdAt: isoInstant }),
  "group.dismissed": z.object({ chatId: z.string().min(1), dismissedAt: isoInstant }),
  /**
   * contact-intake: a `change_external_chat` `update` callback (wecom-reference §3). The versions are
   * opaque: a consumer holding a count at version v applies this change only if `lastMemberVersion`
   * is v; anything else means a callback was lost or reordered, and `groupchat/get` settles it.
   */
  "group.member_changed": z.object({
    chatId: z.string().min(1),
    /** `UpdateDetail`. */
    change: z.enum(["add_member", "del_member", "change_owner", "change_name", "change_notice", "other"]),
    /** `MemChangeCnt`: how many members joined or left. */
    memberChangeCount: z.number().int().nonnegative().optional(),
    /** `LastMemVer`: the member-list version before this change. */
    lastMemberVersion: z.string().optional(),
    /** `CurMemVer`: the member-list version after this change (`groupchat/get`'s `member_version`). */
    memberVersion: z.string().optional(),
    /** `JoinScene` of an `add_member`: 0 invited by a member (direct or link), 3 scanned the group QR. */
    joinScene: z.number().int().nonnegative().optional(),
    /** `QuitScene` of a `del_member`: 0 left, 1 removed by the owner or an admin. */
    quitScene: z.number().int().nonnegative().optional(),
    /**
     * `MemChangeList`: the ids (`external_userid` or staff `userid`) that joined or left. Absent when
     * the callback lists none (older WeCom builds) or more than the bound (see `MAX_MEMBER_CHANGE_IDS`).
     */
    memberIds: z.array(z.string().min(1).max(128)).min(1).max(MAX_MEMBER_CHANGE_IDS).optional(),
    changedAt: isoInstant,
  }),
  /** broadcast-scheduler's runs queue: plan and start one run of a campaign (idempotent per run key). */
  "broadcast.run_requested": z.object({
    campaignId: z.string().min(1).max(64),
    /** `<campaignId>#<ISO instant>` or `<campaignId>#now`: one run per scheduled instant. */
    runKey: z.string().min(1).max(128),
    at: isoInstant,
  }),
  /** broadcast-scheduler's sends queue: one `add_msg_template` for one sender chunk of a run, from its outbox row. */
  "broadcast.chunk_requested": z.object({
    runKey: z.string().min(1).max(128),
    chunkId: z.string().min(1).max(200),
  }),
  /** A customer (or group) received a campaign's mass message: the member confirmed and WeCom delivered it. */
  "broadcast.delivered": z.object({
    campaignId: z.string().min(1).max(64),
    runKey: z.string().min(1).max(128),
    chatType: z.enum(["single", "group"]),
    /** The customer (single) or the group chat id (group). */
    recipientId: z.string().min(1).max(128),
    userId,
    msgId: z.string().min(1).max(128),
    deliveredAt: isoInstant,
  }),
  /** group-live-code's FIFO sync queue (group = code): bring a code's native join way in line with its pool. */
  "livecode.sync_requested": z.object({
    codeId: z.string().min(1).max(32),
    reason: z.enum(["created", "edited", "members", "dismissed", "routed", "sweep"]),
  }),
  /** moments-publisher's runs queue: a run of a post has something to do now (send, poll, track, close, collect). */
  "moment.run_due": z.object({
    postId: z.string().min(1).max(32),
    at: isoInstant,
  }),
} as const satisfies Record<string, z.ZodType>;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
export type DomainEvent<T extends EventType = EventType> = Envelope<EventData<T>> & { type: T };

export const eventTypes = Object.keys(eventSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

export class EnvelopeError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(message: string, issues: { path: string; message: string }[] = []) {
    super(message);
    this.name = "EnvelopeError";
    this.issues = issues;
  }
}

/** zod's issues as field issues: the path joined with dots, the message, and the rule's code and figures (not for custom rules). */
export function formatIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join("."),
    message: i.message,
    ...(i.code === "custom" ? {} : ruleFacts(i)),
  }));
}

function ruleFacts(issue: z.core.$ZodIssue): Omit<FieldIssue, "path" | "message"> {
  const facts: Omit<FieldIssue, "path" | "message"> = { code: issue.code };
  const i = issue as unknown as Record<string, unknown>;
  if (typeof i.minimum === "number" || typeof i.minimum === "bigint") facts.minimum = Number(i.minimum);
  if (typeof i.maximum === "number" || typeof i.maximum === "bigint") facts.maximum = Number(i.maximum);
  if (typeof i.origin === "string") facts.origin = i.origin;
  if (typeof i.expected === "string") facts.expected = i.expected;
  if (typeof i.format === "string") facts.format = i.format;
  return facts;
}

/** Validate a raw message (object or JSON text) as an envelope whose data matches its type's schema. */
export function parseEnvelope(raw: unknown): DomainEvent {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new EnvelopeError("message body is not JSON");
    }
  }
  const env = envelopeSchema.safeParse(value);
  if (!env.success) throw new EnvelopeError("invalid envelope", formatIssues(env.error));
  const { type } = env.data;
  if (!isEventType(type)) throw new EnvelopeError(`unknown event type: ${type}`, [{ path: "type", message: "not registered" }]);
  const data = eventSchemas[type].safeParse(env.data.data);
  if (!data.success) throw new EnvelopeError(`invalid data for ${type}`, formatIssues(data.error, ["data"]));
  return { ...env.data, data: data.data } as DomainEvent;
}

/** Build (and validate) an envelope. Pass `id` when the producer may retry, so the id stays stable. */
export function makeEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: { corpId: string; occurredAt: Date | string; id?: string },
): DomainEvent<T> {
  const event = {
    id: meta.id ?? newId(),
    type,
    occurredAt: new Date(meta.occurredAt).toISOString(),
    corpId: meta.corpId,
    data,
  };
  return parseEnvelope(event) as DomainEvent<T>;
}
