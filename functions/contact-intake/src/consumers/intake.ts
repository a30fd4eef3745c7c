import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { handleCallback } from "../app/intake.ts";

/**
 * WeCom callbacks, verified and queued by the HTTP function. No batching window: a WelcomeCode dies
 * 20 s after the event. Idempotent on the callback's natural key, so WeCom's retries and SQS
 * redeliveries have one effect.
 */
export const handler = sqs({
  queue: "intake",
  accepts: ["wecom.callback_received"],
  idempotency: { prefix: "intake", key: (e) => e.data.dedupeKey, lockSeconds: 60 },
  concurrency: 5,
  async handle(event, { config, clock, log, completion }) {
    const wecom = wecomFor(config);
    await handleCallback({ config, wecom: () => wecom.client(), now: () => clock.now(), log, completion }, event.data);
  },
});
