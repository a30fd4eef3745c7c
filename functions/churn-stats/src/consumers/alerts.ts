import { PermanentFailure, sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { handleAlertRequest } from "../app/messages.ts";
import { LossAlertExpired } from "../domain/index.ts";

/**
 * Loss alerts to staff (`churn.alert_requested`). One per loss fact (a conditional marker), deferred
 * on this queue while the member is at WeCom's app-message limits, parked when too old to be news.
 */
export const handler = sqs({
  queue: "alerts",
  accepts: ["churn.alert_requested"],
  idempotency: false,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    const outcome = await handleAlertRequest(
      { table: config.table, timeZone: config.timeZone, now: () => clock.now(), log, wecom: () => wecom.app(), alertsQueueUrl: config.queueUrl("alerts") },
      event,
    ).catch((error: unknown) => {
      if (error instanceof LossAlertExpired) throw new PermanentFailure(error.message);
      throw error;
    });
    log.info("loss alert", { outcome, factId: event.data.factId, userId: event.data.userId });
  },
});
