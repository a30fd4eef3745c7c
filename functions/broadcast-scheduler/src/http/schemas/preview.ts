/** `POST /v1/broadcasts/preview` and `POST /v1/broadcasts/{campaignId}/preview` (`previewView`, app/plan.ts). */
import * as z from "zod";
import { chatTypeSchema, count, instant } from "./common.ts";
import { exclusionReasonSchema, quotaHitSchema, recipientExclusionReasonSchema } from "./plan.ts";

/** A customer left out (`CustomerExclusion`). */
const customerExclusionSchema = z.object({
  externalUserId: z.string(),
  reason: recipientExclusionReasonSchema,
  userId: z.string().optional().meta({ description: "the member the customer would have been routed to, when there is one" }),
  quota: quotaHitSchema.optional(),
});

/** A group left out (`GroupExclusion`). */
const groupExclusionSchema = z.object({
  chatId: z.string(),
  reason: recipientExclusionReasonSchema,
  ownerUserId: z.string(),
  quota: quotaHitSchema.optional(),
});

/** A follow relation (`DuplicateFollow`) or a group row (`DuplicateGroup`) not used: the recipient is planned under `routedTo`. */
const duplicateSchema = z.union([
  z.object({ externalUserId: z.string(), userId: z.string(), routedTo: z.string() }),
  z.object({ chatId: z.string(), ownerUserId: z.string(), routedTo: z.string() }),
]);

export const previewSchema = z.object({
  chatType: chatTypeSchema,
  at: instant("when the run would be pushed to staff"),
  deadline: instant("until when members may send it"),
  audience: count().meta({ description: "matched recipients: planned + Σ excludedCounts (over the recipient reasons)" }),
  planned: count(),
  perSender: z.record(z.string(), count()).meta({ description: "planned recipients per sender (userId)" }),
  senders: count(),
  calls: count().meta({ description: "add_msg_template calls (one per sender chunk)" }),
  excludedCounts: z.record(exclusionReasonSchema, count()),
  excluded: z.array(z.union([customerExclusionSchema, groupExclusionSchema])).meta({ description: "the left-out recipients with why, at most 200 (customers by externalUserId, groups by chatId)" }),
  excludedTruncated: z.boolean().meta({ description: "more were left out than `excluded` lists (the counts are whole)" }),
  duplicates: z.array(duplicateSchema).meta({ description: "at most 200" }),
  quietUntil: instant("the run's instant is in quiet hours: the earliest it may go").optional(),
});

export const storedPreviewSchema = previewSchema.extend({ campaignId: z.string() });
