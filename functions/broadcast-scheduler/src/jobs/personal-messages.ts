import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { pullPersonalMessages } from "../app/personal.ts";

/** Daily: members' own mass messages of the last 48 h into the receive-quota ledger. */
export const handler = job("personal-messages", async ({ config, clock, log }) => {
  const wecom = wecomFor(config);
  const out = await pullPersonalMessages({ config, wecom: () => wecom.client(), now: () => clock.now(), log });
  log.info("personal mass messages pulled", out);
  return out;
});
