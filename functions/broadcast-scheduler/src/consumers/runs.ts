import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { startRun } from "../app/run.ts";

/** One run of a campaign at its scheduled instant: plan afresh, store the outbox, queue its sends (idempotent per run key). */
export const handler = sqs({
  queue: "runs",
  accepts: ["broadcast.run_requested"],
  idempotency: false,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await startRun({ config, wecom: () => wecom.client(), now: () => clock.now(), log }, event.data);
  },
});
