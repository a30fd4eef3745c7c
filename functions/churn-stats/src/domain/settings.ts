/**
 * The corp's churn-stats settings (`PUT /v1/stats/settings`). Everything is off by default: alerts
 * and digests are messages to real people and are opted into by an admin.
 */
import * as z from "zod";

const userId = z.string().min(1).max(64);

export const churnSettingsSchema = z
  .strictObject({
    /** Send a staff member an app message when a customer deletes them (a loss that counts). */
    lossAlerts: z.boolean(),
    /** Send the daily digest (09:00 corp time, yesterday's figures) to `digestLeadUserId`. */
    dailyDigest: z.boolean().default(false),
    /** The lead who receives the digest. */
    digestLeadUserId: userId.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    if (s.dailyDigest && !s.digestLeadUserId) {
      ctx.addIssue({ code: "custom", path: ["digestLeadUserId"], message: "is required when dailyDigest is true" });
    }
  });

export type ChurnSettings = z.output<typeof churnSettingsSchema>;

export const DEFAULT_SETTINGS: ChurnSettings = { lossAlerts: false, dailyDigest: false, digestLeadUserId: null };
