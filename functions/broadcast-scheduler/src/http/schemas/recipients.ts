/** `GET /v1/broadcasts/{campaignId}/recipients` (`recipientsOf`, app/campaigns.ts). */
import * as z from "zod";
import { RECIPIENT_STATUSES } from "../../domain/run.ts";
import { instant } from "./common.ts";
import { quotaHitSchema, recipientExclusionReasonSchema } from "./plan.ts";

/** A customer (or group) of the run and its state (`RecipientRow`, without its chunk). */
export const recipientSchema = z.object({
  id: z.string().meta({ description: "external user id, or chat id for a group run" }),
  status: z.enum([...RECIPIENT_STATUSES, "excluded"]),
  userId: z.string().optional().meta({ description: "the sender" }),
  reason: recipientExclusionReasonSchema.optional().meta({ description: "why an excluded recipient was left out" }),
  quota: quotaHitSchema.optional(),
  errcode: z.number().int().optional().meta({ description: "WeCom's errcode for a failed recipient" }),
  sendTime: instant("when the member sent it").optional(),
  updatedAt: instant("last changed").optional(),
});

/** One page of the run's recipients (`?run=`, else the latest run; runKey null before the first run). */
export const recipientPageSchema = z.object({
  runKey: z.string().nullable(),
  items: z.array(recipientSchema),
  nextCursor: z.string().nullable(),
});
