import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { pollTransfers } from "../app/transfer-results.ts";

/**
 * Every 15 minutes: read transfer_result for every transfer not final yet (an indexed Query of open
 * transfers, never a sweep) and move each customer on until final; completed customers move their
 * follow relation and publish `contact.transferred` once.
 */
export const handler = job("transfer-results", async ({ config, clock, log }) => {
  const wecom = wecomFor(config);
  const out = await pollTransfers({ config, wecom: () => wecom.client(), now: () => clock.now(), log });
  if (out.transfers) log.info("transfer results polled", { ...out });
  return out;
});
