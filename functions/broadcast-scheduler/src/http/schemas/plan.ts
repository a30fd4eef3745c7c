/**
 * The plan's counts and reasons, as the preview, a run's `plan` and the recipient rows answer them
 * (domain/audience.ts, domain/group-audience.ts).
 */
import * as z from "zod";
import type { ExclusionReason } from "../../domain/audience-types.ts";
import type { WindowKind } from "../../domain/quota.ts";
import { count, instant } from "./common.ts";

export const exclusionReasonSchema = z.enum(["quota", "not-a-follower", "duplicate", "quiet-hours", "excluded-tag"] as const satisfies readonly ExclusionReason[]);

/** The reasons a single recipient is left out with (`duplicate` counts relations, listed apart). */
export const recipientExclusionReasonSchema = exclusionReasonSchema.exclude(["duplicate"]);

/** The receive-quota window that left a recipient without quota (`QuotaHit`). */
export const quotaHitSchema = z.object({
  kind: z.enum(["day", "week", "month"] as const satisfies readonly WindowKind[]),
  start: instant("the window's start"),
  end: instant("the window's end (excluded)"),
  limit: count(),
  count: count().meta({ description: "mass messages counted in the window" }),
});

/** `AudienceCounts`: audience = planned + Σ excluded (over the recipient reasons); planned = Σ perSender. */
export const audienceCountsSchema = z.object({
  audience: count(),
  planned: count(),
  perSender: z.record(z.string(), count()).meta({ description: "planned recipients per sender (userId)" }),
  excluded: z.record(exclusionReasonSchema, count()).meta({ description: "left out per reason; duplicate counts relations, not customers" }),
});
