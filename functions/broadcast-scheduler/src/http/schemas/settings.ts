/** `GET` and `PUT /v1/broadcasts/settings` (`getReceiveSettings`, store/settings.ts). */
import { receiveSettingsSchema } from "../../domain/quota.ts";
import { instant } from "./common.ts";

export const broadcastSettingsSchema = receiveSettingsSchema.extend({ updatedAt: instant("last set (absent until an operator sets them)").optional() });
