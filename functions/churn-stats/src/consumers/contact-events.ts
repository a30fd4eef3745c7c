import { PermanentFailure, sqs } from "@siyu/lambda-kit";
import { LedgerWriteImpossible, recordEvent } from "../app/record.ts";
import { ForeignCorpEvent } from "../domain/index.ts";

/**
 * `contact.added|lost|removed|transferred` from the topic: record the facts and count them exactly.
 * Idempotency comes from the customer ledger (a redelivered event finds its facts there), not from a
 * separate record; concurrent records of one customer are serialised by the ledger's version check.
 * An event of another corp, or one whose ledger outgrew DynamoDB's item size, can never be recorded:
 * parked with the reason.
 */
export const handler = sqs({
  queue: "events",
  accepts: ["contact.added", "contact.lost", "contact.removed", "contact.transferred"],
  idempotency: false,
  concurrency: 5,
  async handle(event, { config, clock, log }) {
    try {
      await recordEvent(
        { table: config.table, corpId: config.corpId, timeZone: config.timeZone, now: () => clock.now(), log, alertsQueueUrl: config.queueUrl("alerts") },
        event,
      );
    } catch (error) {
      if (error instanceof ForeignCorpEvent || error instanceof LedgerWriteImpossible) throw new PermanentFailure(error.message);
      throw error;
    }
  },
});
