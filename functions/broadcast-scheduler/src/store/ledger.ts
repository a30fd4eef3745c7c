/**
 * The receive-quota ledger: one item per customer (or group) in 16 shard partitions, holding what it
 * received or was known not to receive, one map entry per source (`<runKey>` for Siyu's runs,
 * `p:<msgid>` for a member's personal mass message). An entry key is written with `SET e.#k`, so a
 * repeated poll or pull writes the same entry again (idempotent by construction).
 *
 * Planned deliveries of runs still open are not written here (that would be one write per planned
 * customer): the planner adds them from the open runs' outbox chunks (`withOpenRuns`, domain/ledger.ts).
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGet, documentClient, key, mapLimit, queryAll } from "@siyu/store";
import type { LedgerEntry } from "../domain/quota.ts";
import { SHARDS, shardOf } from "./shards.ts";

const ledgerPk = (recipientId: string) => key("L", shardOf(recipientId));

interface StoredEntry {
  a: string;
  s: LedgerEntry["source"];
  st: LedgerEntry["state"];
  /** The member who sent it (a delivered one tells the planner who last talked with the customer). */
  u?: string;
}

const toStored = (e: LedgerEntry): StoredEntry => ({ a: e.at, s: e.source, st: e.state, ...(e.userId ? { u: e.userId } : {}) });

/** Entries are top-level attributes `e:<entry key>`, so writing one is one unconditional, repeatable SET. */
const ENTRY = "e:";

/** Record one entry for a recipient (kind `single` customers and `group` chats have separate items): one call, idempotent. */
export async function recordLedger(table: string, chatType: "single" | "group", recipientId: string, entryKey: string, entry: LedgerEntry): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: ledgerPk(`${chatType}:${recipientId}`), sk: key(chatType, recipientId) },
      UpdateExpression: "SET id = :id, #k = :v",
      ExpressionAttributeNames: { "#k": `${ENTRY}${entryKey}` },
      ExpressionAttributeValues: { ":id": recipientId, ":v": toStored(entry) },
    }),
  );
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

function entriesOf(item: Record<string, unknown>): LedgerEntry[] {
  return Object.entries(item)
    .filter(([k]) => k.startsWith(ENTRY))
    .map(([k, raw]) => {
      const v = raw as StoredEntry;
      return { at: v.a, source: v.s, state: v.st, ...(v.s === "siyu" ? { runId: k.slice(ENTRY.length) } : {}), ...(v.u ? { userId: v.u } : {}) };
    });
}

/** The ledger of these recipients only (an explicit-ids audience): batch reads, not the whole ledger. */
export async function readLedgerOf(table: string, chatType: "single" | "group", ids: readonly string[], onRequest?: () => void): Promise<Map<string, LedgerEntry[]>> {
  const keys = [...new Set(ids)].map((id) => ({ pk: ledgerPk(`${chatType}:${id}`), sk: key(chatType, id) }));
  const items = await batchGet<{ id: string } & Record<string, unknown>>(table, keys, { consistent: true, concurrency: 4, ...(onRequest ? { onRequest } : {}) });
  return new Map(items.map((i) => [i.id, entriesOf(i)]));
}

/** The whole ledger of one kind, by recipient, with each entry's key as its `runId` (Siyu's runs). */
export async function readLedger(table: string, chatType: "single" | "group", onRequest?: () => void): Promise<Map<string, LedgerEntry[]>> {
  const out = new Map<string, LedgerEntry[]>();
  await mapLimit([...Array(SHARDS).keys()], SHARDS, async (n) => {
    onRequest?.();
    const items = await queryAll<{ id: string } & Record<string, unknown>>(
      {
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :kind)",
        ExpressionAttributeValues: { ":pk": key("L", n), ":kind": `${chatType}#` },
      },
      10_000_000,
    );
    for (const item of items) out.set(item.id, entriesOf(item));
  });
  return out;
}
