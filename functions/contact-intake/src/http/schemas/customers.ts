/**
 * The customer routes' answers (`GET /v1/customers`, `GET /v1/customers/{externalUserId}`), as the
 * use cases in `app/customers.ts` build them from the store's records. With `SIYU_CHECK_RESPONSES=1`
 * every answer is checked against these, so docs/openapi.json cannot drift from the code.
 */
import * as z from "zod";
import { customerListQuerySchema } from "../../domain/customers.ts";
import type { TimelineKind } from "../../domain/events.ts";
import { TRANSFER_CUSTOMER_STATUSES } from "../../domain/transfer.ts";
import type { WelcomeOutcome, WelcomeVariant } from "../../domain/welcome.ts";

/**
 * The enum of a domain union type that has no runtime list: the object must name every member and
 * nothing else (the compiler checks both), so the documented set follows the type.
 */
export function domainEnum<T extends string>(members: { [K in T]: true }) {
  return z.enum(Object.keys(members) as T[]);
}

/** An ISO 8601 instant, e.g. `2024-06-01T08:30:00.000Z`. */
export const instant = (what: string) => z.string().meta({ description: `${what} (ISO 8601 instant)` });

const relationStatusSchema = customerListQuerySchema.shape.status.unwrap().meta({ description: "The follow relation's state" });

/** Where the channel tags of the add stand (domain `TagStatus`). */
const tagStatusSchema = z
  .discriminatedUnion("status", [
    z.object({
      status: z.literal("applied"),
      at: instant("When WeCom applied them"),
      dropped: z.array(z.string()).optional().meta({ description: "Channel tags WeCom no longer had: dropped from the channel" }),
    }),
    z.object({
      status: z.literal("pending"),
      attempt: z.number().int(),
      errcode: z.number().int().meta({ description: "WeCom's errcode of the last try (-2: no answer)" }),
      nextAttemptAt: instant("The next try"),
    }),
    z.object({ status: z.literal("failed"), errcode: z.number().int(), errmsg: z.string().optional(), at: instant("When it was given up") }),
  ])
  .meta({ description: "The channel tags of the add: applied, pending a retry, or failed with WeCom's errcode" });

/** One follow relation (customer × staff member) as stored (`RelationRecord`). */
const relationSchema = z.object({
  externalUserId: z.string(),
  userId: z.string().meta({ description: "The staff member followed" }),
  status: relationStatusSchema,
  channelId: z.string().meta({ description: "The channel of the add (`unknown` when not a Siyu channel)" }),
  state: z.string().optional().meta({ description: "The add's State (a Siyu channel id, or another code's)" }),
  confirmed: z.boolean().optional().meta({ description: "false after add_half_external_contact, true after add_external_contact" }),
  addedAt: instant("When the relation (re)started"),
  statusAt: instant("When the relation took its status"),
  tagIds: z.array(z.string()).meta({ description: "WeCom corp tag ids on this relation" }),
  tagStatus: tagStatusSchema.optional(),
  updatedAt: instant("Last write"),
});

/** A row of `GET /v1/customers`: the relation and the customer's name when Siyu has their profile. */
export const customerRowSchema = relationSchema.extend({ name: z.string().optional().meta({ description: "The customer's WeCom name, from their profile" }) });

export const customerPageSchema = z.object({
  items: z.array(customerRowSchema),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null at the end" }),
});

/** The customer's `PROFILE` (`CustomerProfile`), from externalcontact/get and the events. */
const profileSchema = z.object({
  externalUserId: z.string(),
  name: z.string().optional(),
  unionId: z.string().optional(),
  type: z.number().int().optional().meta({ description: "WeCom's type: 1 WeChat user, 2 WeCom user" }),
  avatar: z.string().optional(),
  gender: z.number().int().optional(),
  corpName: z.string().optional(),
  firstSeenAt: instant("First event or profile fetch"),
  lastEventAt: instant("Latest relation change"),
  profileSyncedAt: instant("Last externalcontact/get").optional(),
});

/** A tag on a relation, named from Siyu's copy of the corp tag list; an id it does not know (deleted since) is shown bare (nulls). */
const relationTagSchema = z.object({
  tagId: z.string(),
  name: z.string().nullable(),
  groupId: z.string().nullable(),
  groupName: z.string().nullable(),
});

const timelineKindSchema = domainEnum<TimelineKind>({
  added: true,
  confirmed: true,
  "transferred-in": true,
  lost: true,
  removed: true,
  "transferred-out": true,
  "profile-edited": true,
  "transfer-failed": true,
});

/** One timeline entry (`TimelineEntry`). */
const timelineEntrySchema = z.object({
  id: z.string(),
  externalUserId: z.string(),
  userId: z.string(),
  kind: timelineKindSchema,
  at: instant("When it happened"),
  channelId: z.string().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

type WelcomeStatus = WelcomeOutcome["status"] | "sending";

/** One add's welcome: its reservation (`sending`) until the outcome replaces it. */
const welcomeSchema = z.object({
  status: domainEnum<WelcomeStatus>({ sending: true, sent: true, failed: true, "no-code": true, expired: true, "no-message": true }),
  userId: z.string().optional(),
  channelId: z.string().optional(),
  eventAt: instant("The add event's CreateTime").optional(),
  variant: domainEnum<WelcomeVariant>({ default: true, "off-hours": true }).optional(),
  latencyMs: z.number().optional(),
  ageMs: z.number().optional().meta({ description: "expired: the code's age when Siyu got to it" }),
  errcode: z.number().int().optional(),
  errmsg: z.string().optional(),
  retryable: z.boolean().optional(),
  reservedAt: instant("When the one attempt was reserved").optional(),
  recordedAt: instant("When the outcome was recorded").optional(),
});

/** One transfer of the customer, as kept in their history (`CustomerTransferRecord`). */
const customerTransferSchema = z.object({
  externalUserId: z.string(),
  transferId: z.string(),
  fromUserId: z.string(),
  toUserId: z.string(),
  resigned: z.boolean(),
  channelId: z.string(),
  status: z.enum(TRANSFER_CUSTOMER_STATUSES),
  plannedAt: instant("When the transfer was planned"),
  startedAt: instant("When WeCom started it (absent while pending)").optional(),
  completedAt: instant("When it completed").optional(),
});

/** `GET /v1/customers/{externalUserId}`: everything Siyu knows of one customer, with one page of the timeline. */
export const customerDetailSchema = z.object({
  externalUserId: z.string(),
  profile: profileSchema.nullable().meta({ description: "null when Siyu has no profile (only relations)" }),
  relations: z.array(relationSchema.extend({ tags: z.array(relationTagSchema) })),
  timeline: z.array(timelineEntrySchema).meta({ description: "Newest first, one page" }),
  timelineNextCursor: z.string().nullable().meta({ description: "Pass as `timelineCursor` for the next page; null at the end" }),
  welcomes: z.array(welcomeSchema),
  transfers: z.array(customerTransferSchema).meta({ description: "Newest first" }),
});
