import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { sendWelcome } from "../app/welcome.ts";

/**
 * The welcome lane, fed by the callback route beside the intake queue: a WelcomeCode dies 20 s after
 * the add, so the welcome does not wait behind the rest of the add (tags, profile, caps), which may lag
 * under a burst. No idempotency record: the add's welcome reservation, claimed before the call, is it.
 */
export const handler = sqs({
  queue: "welcome",
  accepts: ["wecom.welcome_requested"],
  idempotency: false,
  concurrency: 10,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await sendWelcome(
      { table: config.table, timeZone: config.timeZone, wecom: () => wecom.client(), now: () => clock.now(), log },
      { ...event.data, createTime: new Date(event.data.createTime) },
    );
  },
});
