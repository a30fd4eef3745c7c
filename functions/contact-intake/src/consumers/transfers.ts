import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { sendTransferBatch } from "../app/transfer-batch.ts";

/**
 * One planned batch (≤ 100 customers) of a stored transfer → one transfer_customer /
 * resigned/transfer_customer call. The batch is claimed before the call, so a redelivery never calls
 * WeCom twice; busy or rate-limited answers give the claim back and the message is retried.
 */
export const handler = sqs({
  queue: "transfers",
  accepts: ["transfer.batch_requested"],
  idempotency: { prefix: "transfer-batch", key: (e) => `${e.data.transferId}#${e.data.batch}`, lockSeconds: 60 },
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await sendTransferBatch({ config, wecom: () => wecom.client(), now: () => clock.now(), log }, event.data.transferId, event.data.batch);
  },
});
