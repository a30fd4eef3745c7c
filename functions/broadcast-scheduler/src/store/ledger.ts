/**
 * The receive-quota ledger: one item per customer (or group) in 16 shard partitions, holding what it
 * received or was known not to receive, one map entry per source (`<runKey>` for Siyu's runs,
 * `p:<msgid>` for a member's personal mass message). An entry key is written with `SET e.#k`, so a
 * repeated poll or pull writes the same entry again (idempotent by construction).
 *
 * Planned deliveries of runs still open are not written here (that would be one write per planned
 * customer): the planner adds them from the open runs' outbox chunks (`withOpenRuns`, domain/ledger.ts).
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, isConditionalCheckFailed, key, mapLimit, queryAll } from "@siyu/store";
import type { LedgerEntry } from "../domain/quota.ts";
import { SHARDS, shardOf } from "./shards.ts";

const ledgerPk = (recipientId: string) => key("L", shardOf(recipientId));

interface StoredEntry {
  a: string;
  s: LedgerEntry["source"];
  st: LedgerEntry["state"];
}

const toStored = (e: LedgerEntry): StoredEntry => ({ a: e.at, s: e.source, st: e.state });

/** Record one entry for a recipient (kind `single` customers and `group` chats have separate items). */
export async function recordLedger(table: string, chatType: "single" | "group", recipientId: string, entryKey: string, entry: LedgerEntry): Promise<void> {
  const k = { pk: ledgerPk(`${chatType}:${recipientId}`), sk: key(chatType, recipientId) };
  const client = documentClient();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: k,
          UpdateExpression: "SET e.#k = :v",
          ConditionExpression: "attribute_exists(e)",
          ExpressionAttributeNames: { "#k": entryKey },
          ExpressionAttributeValues: { ":v": toStored(entry) },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    try {
      await client.send(
        new PutCommand({ TableName: table, Item: { ...k, id: recipientId, e: { [entryKey]: toStored(entry) } }, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      return;
    } catch (error) {
      // created meanwhile by another writer: update it
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  throw new Error(`ledger entry ${entryKey} for ${recipientId} could not be written`);
}

/** Many entries, `concurrency` writes in flight. */
export async function recordLedgerMany(
  table: string,
  chatType: "single" | "group",
  entries: readonly { recipientId: string; entryKey: string; entry: LedgerEntry }[],
  concurrency = 16,
): Promise<void> {
  await mapLimit(entries, concurrency, (e) => recordLedger(table, chatType, e.recipientId, e.entryKey, e.entry));
}

/** The whole ledger of one kind, by recipient, with each entry's key as its `runId` (Siyu's runs). */
export async function readLedger(table: string, chatType: "single" | "group", onRequest?: () => void): Promise<Map<string, LedgerEntry[]>> {
  const out = new Map<string, LedgerEntry[]>();
  await mapLimit([...Array(SHARDS).keys()], SHARDS, async (n) => {
    onRequest?.();
    const items = await queryAll<{ id: string; sk: string; e: Record<string, StoredEntry> }>(
      {
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :kind)",
        ExpressionAttributeValues: { ":pk": key("L", n), ":kind": `${chatType}#` },
      },
      10_000_000,
    );
    for (const item of items) {
      out.set(
        item.id,
        Object.entries(item.e ?? {}).map(([k, v]) => ({ at: v.a, source: v.s, state: v.st, ...(v.s === "siyu" ? { runId: k } : {}) })),
      );
    }
  });
  return out;
}
