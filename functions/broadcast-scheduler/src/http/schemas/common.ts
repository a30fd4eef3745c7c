/** Small pieces the broadcast answers share. */
import * as z from "zod";

/** An ISO 8601 instant as the store keeps it (`toISOString()`, or the offset the operator gave). */
export const instant = (description: string) => z.string().meta({ description: `${description} (ISO 8601 instant)` });

/** Whom a campaign or run is for: customers (`single`) or customer groups (`group`), as WeCom's `chat_type`. */
export const chatTypeSchema = z.enum(["single", "group"]).meta({ description: "single: customers; group: customer groups (WeCom chat_type)" });

/** A count (of recipients, runs, calls…). */
export const count = () => z.number().int().min(0);
