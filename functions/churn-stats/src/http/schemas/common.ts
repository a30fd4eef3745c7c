/** Pieces the churn-stats answers share. */
import * as z from "zod";

/** A calendar day `YYYY-MM-DD`. */
export const day = (description = "A calendar day YYYY-MM-DD in the corp timezone") => z.string().meta({ description });

/** A count of customers, relations or events. */
export const count = (description?: string) => (description ? z.number().int().meta({ description }) : z.number().int());

/** A share in [0, 1], `null` when its denominator is 0 (or the figure is not known yet). */
export const rate = (description: string) => z.number().nullable().meta({ description });
