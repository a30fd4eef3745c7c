/**
 * What the channel routes answer (OpenAPI response bodies; checked against every answer under
 * SIYU_CHECK_RESPONSES=1): the channel view of `channelView` (app/channels.ts) — its stored definition,
 * defaults applied, plus its WeCom contact way and sync state — and `GET`'s day of adds per member.
 */
import * as z from "zod";
import { attachmentSchema, ROTATIONS, userIdSchema } from "../../domain/channel.ts";
import { SIYU } from "../../domain/limits.ts";
import { scheduleWindowsSchema } from "../../domain/schedule.ts";

const dailyCap = z.int().min(1).max(SIYU.maxDailyAddCap);
const count = z.int().min(0);

const isoTime = (description: string) => z.string().meta({ description: `${description} (ISO 8601, UTC)` });

/** A channel's status (store `ChannelStatus`); also the list's `status` filter. */
export const channelStatusSchema = z.enum(["active", "archived"]);

/** A staff member as stored: the `userId` shorthand is expanded and `weight` defaulted. */
const staffMemberViewSchema = z.object({
  userId: userIdSchema,
  dailyCap: dailyCap.optional().meta({ description: "Adds per corp day on this channel before the member is taken off the code; absent: the corp default" }),
  weight: z.int().min(1).max(SIYU.maxWeight).meta({ description: "Share of adds under `weighted` rotation" }),
});

const welcomeViewSchema = z.object({
  text: z.string().optional(),
  attachments: z.array(attachmentSchema),
});

/** `channelView`: one channel, as create, list, patch and archive answer it. */
export const channelViewSchema = z.object({
  channelId: z.string().meta({ description: "The channel id, also the contact way's `state`" }),
  state: z.string().meta({ description: "The contact way's `state` (equal to `channelId`)" }),
  status: channelStatusSchema,
  name: z.string(),
  staff: z.array(staffMemberViewSchema).meta({ description: "The pool: who is on the code in work hours (or always, without a schedule)" }),
  backupStaff: z.array(staffMemberViewSchema),
  rotation: z.enum(ROTATIONS),
  schedule: z
    .object({ windows: scheduleWindowsSchema, offHoursStaff: z.array(staffMemberViewSchema) })
    .optional()
    .meta({ description: "Work hours in the corp's timezone; absent: always in hours" }),
  skipVerify: z.boolean(),
  tagIds: z.array(z.string()).meta({ description: "Corp tag ids applied to every customer added through the channel" }),
  welcome: welcomeViewSchema.optional(),
  welcomeOffHours: welcomeViewSchema.optional(),
  configId: z.string().meta({ description: "The WeCom contact way's config_id" }),
  qrCode: z.string().meta({ description: "The contact way's QR code URL (empty when WeCom gave none)" }),
  currentStaff: z.array(z.string()).meta({ description: "User ids on the code now (the last successful update_contact_way)" }),
  nextBoundaryAt: isoTime("When the code's staff next changes by time (schedule edge or the cap reset at corp midnight)").optional(),
  createdAt: isoTime("Created"),
  updatedAt: isoTime("Last changed"),
  archivedAt: isoTime("Archived").optional(),
  version: z.int().min(1).meta({ description: "Bumped on every write of the channel" }),
});

/** `GET /v1/channels`: a page, newest first. */
export const channelPageSchema = z.object({
  items: z.array(channelViewSchema),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last" }),
});

/** `GET /v1/channels/{channelId}`: the channel and today's adds per member against their daily cap. */
export const channelDetailSchema = channelViewSchema.extend({
  today: z.object({
    day: z.string().meta({ description: "The corp day (YYYY-MM-DD, the corp's timezone)" }),
    members: z
      .array(
        z.object({
          userId: z.string(),
          added: count.meta({ description: "Adds through this channel today" }),
          cap: dailyCap.meta({ description: "The member's daily cap on this channel" }),
          reachedCap: z.boolean(),
        }),
      )
      .meta({ description: "Every member the channel can put on its code, and anyone else who had adds today" }),
  }),
});
