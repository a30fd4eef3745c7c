import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { sendChunk } from "../app/send.ts";

/** One add_msg_template per outbox chunk, claimed before the call; a lost answer is reconciled before any retry. */
export const handler = sqs({
  queue: "sends",
  accepts: ["broadcast.chunk_requested"],
  idempotency: false,
  concurrency: 4,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    const outcome = await sendChunk({ config, wecom: () => wecom.client(), now: () => clock.now(), log }, event.data.runKey, event.data.chunkId);
    log.info("chunk send", { runKey: event.data.runKey, chunkId: event.data.chunkId, outcome });
  },
});
