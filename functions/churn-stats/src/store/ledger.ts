/**
 * The write path: one customer's ledger + the fact log + the counter increments, in one transaction.
 *
 * 1. Read the customer ledger (strongly consistent).
 * 2. `applyFacts` (pure) → new ledger (version + 1), the appended facts, the exact increments.
 * 3. One TransactWriteItems: the ledger Put with condition `version = old` (`attribute_not_exists`
 *    for a new customer) — the ledger is the dedupe marker and the lock —, a Put per appended fact
 *    into the fact log (`attribute_not_exists`), and an `ADD` per counter row. Nothing is read and
 *    then written back: a counter only ever receives `ADD`s, each committed together with the ledger
 *    version that produced it.
 * 4. A cancelled transaction (another writer updated the customer first, or a transaction conflict)
 *    is retried from step 1: the increments are recomputed against the newer ledger.
 *
 * Every write also bumps the revision of each counter partition it touches (`packs.ts`), which is
 * how the read cache knows a pack went stale.
 *
 * **More than 100 items** (DynamoDB's transaction limit; only unusually late facts that reshape many
 * days of one customer get there; test/store-pure.test.ts holds an everyday add's size): the transaction holds the ledger,
 * the fact log items and a **pending-increments record** instead of the increments, and the ledger
 * gets `pending.<id>`. The increments are then applied in follow-up transactions of at most
 * `maxItems − 1` rows and revision bumps, each together with a per-chunk marker on the pending record (condition
 * `attribute_not_exists(done.<i>)`), so every chunk applies exactly once even when several workers
 * finish the same record. Whoever reads a ledger with `pending` entries completes them before
 * applying anything (a redelivery of the event does, if the first attempt died halfway). A record
 * too large for one item (≈ 2,500 rows) is a permanent failure: the event is parked with the reason.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Key, TransactionConflict, documentClient, markerPut, sleep, transact, ttlAfter } from "@siyu/store";
import {
  type ApplyResult,
  applyFacts,
  type CustomerLedger,
  customerKey,
  customerLedgerSchema,
  emptyLedger,
  type Fact,
  MAX_TRANSACT_ITEMS,
  storageIncrements,
} from "../domain/index.ts";
import { type RowIncrement, rowIncrements, rowUpdate } from "./counters.ts";
import { factLogKey, ledgerKey, pendingKey, utcDay } from "./keys.ts";
import { revBumps } from "./packs.ts";

/** A write that can never succeed (e.g. an item over DynamoDB's 400 KB): park the event, don't retry. */
export class LedgerWriteImpossible extends Error {
  override name = "LedgerWriteImpossible";
}

export interface LedgerWriteOptions {
  table: string;
  timeZone: string;
  now: Date;
  /** Items per transaction (default and maximum: DynamoDB's 100). Lower only in tests. */
  maxItems?: number;
  /** Attempts on version conflicts before giving up (the queue retries later). Default 12. */
  maxAttempts?: number;
}

export interface LedgerWrite {
  /** `applyFacts`' result of the attempt that committed (or found nothing new). */
  result: ApplyResult;
  /** The ledger as stored now (after the write, or as found for a redelivery). */
  ledger: CustomerLedger;
  attempts: number;
  /** The increments went through a pending-increments record (more than `maxItems` items). */
  split: boolean;
}

interface LedgerItem {
  pk: string;
  sk: string;
  corpId: string;
  externalUserId: string;
  version: number;
  facts: Fact[];
  pending?: Record<string, boolean>;
}

export async function readLedger(table: string, corpId: string, externalUserId: string): Promise<{ ledger: CustomerLedger; pending: string[] }> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: ledgerKey(corpId, externalUserId), ConsistentRead: true }));
  const item = out.Item as LedgerItem | undefined;
  if (!item) return { ledger: emptyLedger(corpId, externalUserId), pending: [] };
  const ledger = customerLedgerSchema.parse({ corpId: item.corpId, externalUserId: item.externalUserId, version: item.version, facts: item.facts });
  return { ledger, pending: Object.keys(item.pending ?? {}) };
}

function ledgerPut(table: string, ledger: CustomerLedger, previousVersion: number, now: Date, pending?: string) {
  const item: Record<string, unknown> = {
    ...ledgerKey(ledger.corpId, ledger.externalUserId),
    entity: "ledger",
    corpId: ledger.corpId,
    externalUserId: ledger.externalUserId,
    version: ledger.version,
    facts: ledger.facts,
    factCount: ledger.facts.length,
    updatedAt: now.toISOString(),
  };
  if (pending) item.pending = { [pending]: true };
  return {
    Put: {
      TableName: table,
      Item: item,
      ConditionExpression: previousVersion === 0 ? "attribute_not_exists(pk)" : "version = :v",
      ...(previousVersion === 0 ? {} : { ExpressionAttributeValues: { ":v": previousVersion } }),
    },
  };
}

function factLogPut(table: string, fact: Fact) {
  const custKey = customerKey(fact);
  return markerPut(table, { ...factLogKey(utcDay(fact.at), custKey, fact.factId), entity: "fact", customerKey: custKey, ...fact });
}

const isTooLarge = (error: unknown) =>
  error instanceof Error && error.name === "ValidationException" && /size has exceeded|too large|maximum allowed size/i.test(error.message);

const backoff = (attempt: number) => sleep(Math.floor(Math.random() * Math.min(200, 10 * 2 ** attempt)));

/**
 * Apply the facts of one event (all of one customer) exactly once. Safe to call again with the same
 * facts (redelivery): it then finds them in the ledger and writes nothing.
 */
export async function applyToLedger(facts: readonly Fact[], o: LedgerWriteOptions): Promise<LedgerWrite> {
  const first = facts[0];
  if (!first) throw new RangeError("applyToLedger needs at least one fact");
  const maxItems = Math.max(4, Math.min(o.maxItems ?? MAX_TRANSACT_ITEMS, MAX_TRANSACT_ITEMS));
  const maxAttempts = o.maxAttempts ?? 12;
  const custKey = customerKey(first);
  /** Facts the fact log already holds (a fact log Put failed its condition): the first version stays. */
  const logged = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const { ledger, pending } = await readLedger(o.table, first.corpId, first.externalUserId);
    if (pending.length > 0) {
      for (const id of pending) await completePending(o.table, first.corpId, first.externalUserId, id, o.now);
      continue;
    }
    const result = applyFacts(ledger, facts, { timeZone: o.timeZone });
    if (!result.changed) return { result, ledger, attempts: attempt, split: false };

    const rows = rowIncrements(storageIncrements(result.deltas));
    const increments = [...rows, ...revBumps(rows)];
    const toLog = result.appended.filter((f) => !logged.has(f.factId));
    const factPuts = toLog.map((f) => factLogPut(o.table, f));
    const split = 1 + factPuts.length + increments.length > maxItems;
    const pendingId = split ? pendingKey(custKey, result.ledger.version).sk : undefined;
    const items = [ledgerPut(o.table, result.ledger, ledger.version, o.now, pendingId), ...factPuts];
    if (split) items.push(pendingPut(o.table, custKey, result.ledger.version, chunkRows(rows, maxItems - 1), o.now));
    else items.push(...increments.map((r) => rowUpdate(o.table, r)));
    try {
      await transact(items);
    } catch (error) {
      if (isTooLarge(error)) {
        throw new LedgerWriteImpossible(`the ledger of ${custKey} (${result.ledger.facts.length} facts) or its pending record exceeds DynamoDB's item size`);
      }
      if (!(error instanceof TransactionConflict)) throw error;
      // fact log items that already exist keep their first recorded version; retry without them
      toLog.forEach((f, i) => {
        if (error.failedCondition(1 + i)) logged.add(f.factId);
      });
      if (attempt >= maxAttempts) throw new Error(`gave up on ${custKey} after ${attempt} conflicting attempts (${error.codes.join(", ")})`);
      if (error.failedCondition(0) || error.codes.includes("TransactionConflict")) await backoff(attempt);
      continue;
    }
    if (split && pendingId) await completePending(o.table, first.corpId, first.externalUserId, pendingId, o.now);
    return { result, ledger: result.ledger, attempts: attempt, split };
  }
}

// --- pending increments (the > 100 items fallback) ----------------------------------------------------------

interface PendingItem {
  pk: string;
  sk: string;
  /** Each chunk: counter rows and the revision bumps of their partitions, one transaction's worth. */
  chunks: RowIncrement[][];
  done: Record<string, boolean>;
  status: "pending" | "done";
}

/** Cut rows into chunks that, with their partitions' revision bumps, fit `capacity` items each. */
export function chunkRows(rows: readonly RowIncrement[], capacity: number): RowIncrement[][] {
  const chunks: RowIncrement[][] = [];
  let current: RowIncrement[] = [];
  for (const r of rows) {
    const next = [...current, r];
    if (current.length > 0 && next.length + revBumps(next).length > capacity) {
      chunks.push([...current, ...revBumps(current)]);
      current = [r];
    } else current = next;
  }
  if (current.length > 0) chunks.push([...current, ...revBumps(current)]);
  return chunks;
}

function pendingPut(table: string, custKey: string, version: number, chunks: RowIncrement[][], now: Date) {
  const item = {
    ...pendingKey(custKey, version),
    entity: "pending-increments",
    chunks,
    done: {},
    status: "pending",
    createdAt: now.toISOString(),
  };
  return markerPut(table, item);
}

/**
 * Apply a pending-increments record chunk by chunk (each chunk once, whoever runs it), then mark it
 * done and take it off the ledger. Idempotent; any number of workers may run it at the same time.
 */
export async function completePending(table: string, corpId: string, externalUserId: string, id: string, now: Date): Promise<void> {
  const key: Key = { pk: pendingKey(customerKey({ corpId, externalUserId }), 0).pk, sk: id };
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  const record = out.Item as PendingItem | undefined;
  if (record && record.status !== "done") {
    for (const [i, chunk] of record.chunks.entries()) {
      if (record.done[String(i)]) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          await transact([
            {
              Update: {
                TableName: table,
                Key: key,
                UpdateExpression: "SET done.#i = :t",
                ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(done.#i)",
                ExpressionAttributeNames: { "#i": String(i) },
                ExpressionAttributeValues: { ":t": true },
              },
            },
            ...chunk.map((r) => rowUpdate(table, r)),
          ]);
          break;
        } catch (error) {
          if (error instanceof TransactionConflict && error.failedCondition(0)) break; // another worker applied this chunk
          if (!(error instanceof TransactionConflict) || attempt >= 8) throw error;
          await backoff(attempt);
        }
      }
    }
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: "SET #s = :done, completedAt = :at, #ttl = :ttl",
        ExpressionAttributeNames: { "#s": "status", "#ttl": "ttl" },
        ExpressionAttributeValues: { ":done": "done", ":at": now.toISOString(), ":ttl": ttlAfter(now, 14 * 86_400) },
      }),
    );
  }
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: ledgerKey(corpId, externalUserId),
      UpdateExpression: "REMOVE pending.#id",
      ConditionExpression: "attribute_exists(pending.#id)",
      ExpressionAttributeNames: { "#id": id },
    }),
  ).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
  });
}
