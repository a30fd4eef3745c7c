/** The JSON answers of `GET|PUT /v1/stats/settings` and `POST /v1/stats/rebuild`. */
import * as z from "zod";
import { churnSettingsSchema } from "../../domain/index.ts";
import { day } from "./common.ts";

const { shape } = churnSettingsSchema;

/** The stored settings (the defaults until an admin saved some): every field present, so the request's defaults are unwrapped. */
export const storedSettingsSchema = z.object({
  ...shape,
  dailyDigest: shape.dailyDigest.unwrap(),
  digestLeadUserId: shape.digestLeadUserId.unwrap(),
  updatedAt: z.string().nullable().meta({ description: "When an admin last saved them (ISO 8601); null for the defaults" }),
  updatedBy: z.string().nullable().meta({ description: "Who saved them (the token's subject); null for the defaults or an unnamed caller" }),
});

export const rebuildQueuedSchema = z.object({
  rebuildId: z.string().meta({ description: "The id the rebuild consumer reports under (a ULID)" }),
  from: day(),
  to: day(),
  dryRun: z.boolean(),
  status: z.literal("queued"),
});
