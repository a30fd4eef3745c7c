/** `GET/PUT /v1/moments/settings` (`momentSettings`, `putMomentSettings` in app/posts.ts). */
import * as z from "zod";
import { instant } from "./common.ts";

const customerPostsPerDay = z.number().int().meta({ description: "How many posts a customer may see a day (planning refuses or moves runs beyond it)" });

export const momentSettingsSchema = z.object({
  customerPostsPerDay,
  updatedAt: instant("When the setting was last changed").nullable().meta({ description: "When the setting was last changed; null: never set (the default applies)" }),
});

/** `PUT`: the setting as saved. */
export const savedMomentSettingsSchema = momentSettingsSchema.extend({ updatedAt: instant("When the setting was saved") });
