import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { runDigest } from "../app/messages.ts";

/** 09:00 corp time: yesterday's figures and the staff with the most losses, to the configured lead. */
export const handler = job("daily-digest", async ({ config, clock, log, scheduledTime }) => {
  const wecom = wecomFor(config);
  const outcome = await runDigest({ table: config.table, timeZone: config.timeZone, now: () => clock.now(), log, wecom: () => wecom.app() }, scheduledTime);
  log.info("daily digest", { status: outcome.status, day: outcome.day });
  return outcome;
});
