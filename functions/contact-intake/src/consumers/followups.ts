import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { runFollowup } from "../app/followups.ts";

/**
 * Side effects of an add that failed inline (mark_tag, externalcontact/get), retried on their own with
 * backoff (each try is a new, delayed message), so the add's record never waits for them. Idempotent on
 * the try's id: a redelivered try does not call WeCom again.
 */
export const handler = sqs({
  queue: "followups",
  accepts: ["contact.followup_requested"],
  idempotency: { prefix: "followup", lockSeconds: 60 },
  concurrency: 5,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await runFollowup({ config, wecom: () => wecom.client(), now: () => clock.now(), log }, event.data);
  },
});
