import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { reconcileDay } from "../app/reconcile.ts";
import { reconciliationDay } from "../domain/index.ts";

/** Early morning corp time: yesterday's WeCom statistics next to Siyu's counters (see app/reconcile.ts). */
export const handler = job("reconcile", async ({ config, clock, log, scheduledTime }) => {
  const wecom = wecomFor(config);
  const day = reconciliationDay(scheduledTime, config.timeZone);
  const result = await reconcileDay({ table: config.table, timeZone: config.timeZone, now: () => clock.now(), log, wecom: () => wecom.client() }, day);
  return { date: result.date, staff: result.staffCount, mismatches: result.mismatches, errors: result.errors, wecomCalls: result.wecomCalls };
});
