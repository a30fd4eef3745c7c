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
import { type DomainEvent, deterministicId, makeEvent } from "@siyu/kernel";
import { type Logger, PermanentFailure } from "@siyu/lambda-kit";
import { type Fact, factsFromEvent, lossAlertCandidates } from "../domain/index.ts";
import { applyToLedger, LedgerWriteImpossible, type LedgerWrite } from "../store/ledger.ts";
import { getSettings } from "../store/settings.ts";

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

export async function recordEvent(deps: RecordDeps, event: DomainEvent): Promise<RecordOutcome> {
  if (event.corpId !== deps.corpId) {
    throw new PermanentFailure(`event of corp ${event.corpId} delivered to the stack of corp ${deps.corpId}`);
  }
  const facts = factsFromEvent(event);
  if (facts.length === 0) return { facts, write: undefined, alertsRequested: 0 };
  let write: LedgerWrite;
  try {
    write = await applyToLedger(facts, {
      table: deps.table,
      timeZone: deps.timeZone,
      now: deps.now(),
      ...(deps.maxTransactItems ? { maxItems: deps.maxTransactItems } : {}),
    });
  } catch (error) {
    if (error instanceof LedgerWriteImpossible) throw new PermanentFailure(error.message);
    throw error;
  }
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
  if (candidates.length === 0) return { facts, write, alertsRequested: 0 };
  const settings = await getSettings(deps.table);
  if (!settings.lossAlerts) return { facts, write, alertsRequested: 0 };
  for (const c of candidates) {
    const id = deterministicId("churn-alert", c.fact.factId);
    await sendCommand(
      deps.alertsQueueUrl,
      makeEvent(
        "churn.alert_requested",
        {
          factId: c.fact.factId,
          userId: c.fact.userId,
          externalUserId: c.fact.externalUserId,
          channelId: c.fact.channelId,
          lostAt: c.fact.at,
          stillConnectedTo: c.stillConnectedTo,
          deferrals: 0,
        },
        { corpId: event.corpId, occurredAt: now, id },
      ),
    );
  }
  return { facts, write, alertsRequested: candidates.length };
}
