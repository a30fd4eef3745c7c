import { sqs } from "@siyu/lambda-kit";
import { recordEvent } from "../app/record.ts";

/**
 * `contact.added|lost|removed|transferred` from the topic: record the facts and count them exactly.
 * Idempotency comes from the customer ledger (a redelivered event finds its facts there), not from a
 * separate record; concurrent records of one customer are serialised by the ledger's version check.
 */
export const handler = sqs({
  queue: "events",
  accepts: ["contact.added", "contact.lost", "contact.removed", "contact.transferred"],
  idempotency: false,
  concurrency: 5,
  async handle(event, { config, clock, log }) {
    await recordEvent(
      { table: config.table, corpId: config.corpId, timeZone: config.timezone, now: () => clock.now(), log, alertsQueueUrl: config.queueUrl("alerts") },
      event,
    );
  },
});
