/** The answers about posts: a post (`postView`), its plan (`planView`), its runs (`runView`), in app/posts.ts. */
import * as z from "zod";
import { postCreateSchema, visibilitySchema } from "../../domain/post.ts";
import { instant, limitReasonSchema, postStateSchema, runStateSchema } from "./common.ts";

const postId = z.string().meta({ description: "The post's id" });

/** A post's definition as stored: the create body as it parsed, every default filled in. */
export const postDefinitionSchema = postCreateSchema.required().extend({ visibility: visibilitySchema.required() });

export const refusedRunSchema = z.object({
  at: instant("The instant the schedule asked for"),
  reason: limitReasonSchema,
  detail: z.string().meta({ description: "Who or what would break the limit, with the numbers" }),
});

export const movedRunSchema = z.object({
  from: instant("The instant the schedule asked for"),
  to: instant("The instant the run was moved to (the next day that fits, same clock time)"),
  reason: limitReasonSchema,
  detail: z.string(),
});

/** What planning makes of a definition (`planView`). */
export const planSchema = z
  .object({
    runs: z.number().int().meta({ description: "How many runs would be scheduled" }),
    firstAt: instant("The first run's instant").nullable(),
    moved: z.array(movedRunSchema).meta({ description: "Runs moved to a later day (onLimit: move)" }),
    refused: z.array(refusedRunSchema).meta({ description: "Runs that break a daily limit: a create or an edit with any is a 422 daily-limit" }),
    schedule: z.array(instant("A run's instant")).meta({ description: "Every run's instant, in time order" }),
  })
  .meta({ description: "The plan: every run, the moved and the refused ones, and why" });

/** `POST /v1/moments/preview`. */
export const previewSchema = z.object({ definition: postDefinitionSchema, plan: planSchema });

/** A post (`postView`): its definition's fields at the top level, with its state. */
export const postSchema = z.object({
  postId,
  state: postStateSchema,
  started: z.boolean().meta({ description: "A run was handed to WeCom: the post can no longer be edited" }),
  ...postDefinitionSchema.shape,
  runs: z.number().int().meta({ description: "How many runs were planned" }),
  refused: z.array(refusedRunSchema).meta({ description: "Refused runs (a post is only stored when none is refused: empty)" }),
  createdAt: instant("When the post was created"),
  updatedAt: instant("When the post was last changed"),
});

/** `POST /v1/moments`: the post, with its plan when it was just created (not on a replay). */
export const createdPostSchema = postSchema.extend({ plan: planSchema.optional().meta({ description: "The plan the post was scheduled by (absent on an Idempotency-Key replay)" }) });

/** `GET /v1/moments`. */
export const postPageSchema = z.object({
  items: z.array(postSchema).meta({ description: "Newest first; with `state` a filtered page may hold fewer than `limit` (even none)" }),
  nextCursor: z.string().nullable().meta({ description: "The next page's cursor; null at the end" }),
});

const nullableInstant = (description: string) => instant(description).nullable();

/** One run of a post (`runView`): its state, WeCom's ids, the staff's publishing, reminders. */
export const runDetailSchema = z.object({
  at: instant("The run's instant (its key)"),
  windowEnd: instant("The publishing window's end: WeCom's unpublished tasks are cancelled then"),
  state: runStateSchema,
  jobid: z.string().nullable().meta({ description: "add_moment_task's jobid, once submitted" }),
  momentId: z.string().nullable().meta({ description: "WeCom's moment id, once created" }),
  staff: z.object({
    published: z.number().int().meta({ description: "Staff who published it" }),
    total: z.number().int().meta({ description: "Staff asked to publish it" }),
    trackedAt: nullableInstant("When the staff's status was last read from WeCom"),
  }),
  staffStatus: z.array(z.object({ userId: z.string(), published: z.boolean() })),
  invalidSenders: z
    .object({ userIds: z.array(z.string()), departmentIds: z.array(z.number().int()) })
    .nullable()
    .meta({ description: "Senders WeCom refused, once created" }),
  invalidTags: z.array(z.string()).meta({ description: "Customer tags WeCom refused" }),
  reminders: z.array(
    z.object({
      at: instant("When the reminder is due"),
      sentAt: instant("When it was sent").optional(),
      to: z.number().int().optional().meta({ description: "How many staff it was sent to" }),
    }),
  ),
  cancelRequestedAt: nullableInstant("When an operator cancelled the run"),
  closedAt: nullableInstant("When the window was closed in WeCom"),
  error: z
    .object({ errcode: z.number().int().optional().meta({ description: "WeCom's errcode, when WeCom refused" }), message: z.string(), at: instant("When it happened") })
    .nullable()
    .meta({ description: "Why the run failed, expired or was missed (or the last retried error)" }),
});

/** `GET /v1/moments/{postId}`: the post and every run. */
export const postDetailSchema = postSchema.extend({ runDetails: z.array(runDetailSchema).meta({ description: "Every run, in time order" }) });
