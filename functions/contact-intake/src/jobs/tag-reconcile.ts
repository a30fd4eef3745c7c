import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { reconcileTags } from "../app/tags.ts";

/**
 * Daily (03:30 corp time): pull the whole corp tag list and make Siyu's copy equal to it, in case a
 * change_external_tag callback was lost. Logs and returns what changed.
 */
export const handler = job("tag-reconcile", async ({ config, clock, log }) => {
  const wecom = wecomFor(config);
  const counts = await reconcileTags({ table: config.table, wecom: () => wecom.client(), now: () => clock.now(), log });
  log.info("corp tags reconciled", { ...counts });
  return counts;
});
