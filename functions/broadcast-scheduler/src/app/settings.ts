import type { ReceiveSettings } from "../domain/quota.ts";
import { getReceiveSettings, putReceiveSettings } from "../store/settings.ts";
import type { Deps } from "./deps.ts";

/** The corp's receive rules per audience kind (defaults until an operator sets them). */
export const receiveSettings = (deps: Pick<Deps, "config">) => getReceiveSettings(deps.config.table);

/** Replace the corp's receive rules; later plans (and previews) use them at once. */
export async function replaceReceiveSettings(deps: Pick<Deps, "config" | "now">, settings: ReceiveSettings) {
  await putReceiveSettings(deps.config.table, settings, deps.now());
  return getReceiveSettings(deps.config.table);
}
