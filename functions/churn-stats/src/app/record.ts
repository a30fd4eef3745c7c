/**
 * The events consumer's work for one `contact.*` event: facts (domain) → one customer-ledger
 * transaction with the exact counter increments (store) → loss alerts asked for on the alerts queue.
 *
 * No separate idempotency record: the customer ledger is the dedupe marker (a redelivered event finds
 * its facts there and writes nothing). Alerts are asked for again on a redelivery — the alert marker
 * in the alerts consumer keeps them to one per loss fact — so an attempt that died between the
 * ledger write and the alert request loses nothing.
 */
import { sendCommand } from "@siyu/bus";
import { type DomainEvent, makeEvent } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { type Fact, factsToRecord, lossAlertCandidates, lossAlertRequests } from "../domain/index.ts";
import { applyToLedger, type LedgerWrite } from "../store/ledger.ts";
import { getSettings } from "../store/settings.ts";

/** A ledger grown past DynamoDB's item size: it can never be written, so the consumer parks the event. */
export { LedgerWriteImpossible } from "../store/ledger.ts";

export interface RecordDeps {
  table: string;
  corpId: string;
  timeZone: string;
  now: () => Date;
  log: Logger;
  /** The alerts queue (`churn.alert_requested`). */
  alertsQueueUrl: string;
  /** Tests only: a smaller transaction limit to exercise the split path. */
  maxTransactItems?: number;
}

export interface RecordOutcome {
  facts: Fact[];
  write: LedgerWrite | undefined;
  alertsRequested: number;
}

/**
 * Throws `ForeignCorpEvent` (domain) and `LedgerWriteImpossible` (store): both can never succeed, and
 * the consumer parks them.
 */
export async function recordEvent(deps: RecordDeps, event: DomainEvent): Promise<RecordOutcome> {
  const facts = factsToRecord(event, deps.corpId);
  if (facts.length === 0) return { facts, write: undefined, alertsRequested: 0 };
  const write = await applyToLedger(facts, {
    table: deps.table,
    timeZone: deps.timeZone,
    now: deps.now(),
    ...(deps.maxTransactItems ? { maxItems: deps.maxTransactItems } : {}),
  });
  const { result } = write;
  if (result.changed) {
    deps.log.info("facts recorded", {
      facts: result.appended.map((f) => ({ factId: f.factId, kind: f.kind })),
      outcomes: result.outcomes.map((o) => o.outcome),
      rows: result.deltas.counters.length + result.deltas.cohorts.length,
      attempts: write.attempts,
      split: write.split,
    });
  } else {
    deps.log.info("facts already recorded (redelivery)", { factIds: result.duplicates.map((f) => f.factId) });
  }

  const now = deps.now();
  const candidates = lossAlertCandidates(facts, write.ledger.facts, now);
  // most events are adds: the settings are read only when there is a loss worth telling
  const requests = candidates.length > 0 ? lossAlertRequests(candidates, await getSettings(deps.table)) : [];
  for (const r of requests) {
    await sendCommand(deps.alertsQueueUrl, makeEvent("churn.alert_requested", r.data, { corpId: event.corpId, occurredAt: now, id: r.id }));
  }
  return { facts, write, alertsRequested: requests.length };
}
