import { BatchGetCommand, BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./client.ts";
import type { Key } from "./keys.ts";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Run `fn` over `items` with at most `limit` in flight; results keep the input order.
 *
 * @example
 * const relations = await mapLimit(ids, 16, (id) => getRelation(table, id, userId));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Backoff before retry `attempt` (1, 2, …) of a batch's unprocessed items: 50 ms doubling, at most 2 s. */
const unprocessedBackoff = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);
const MAX_ATTEMPTS = 8;

/**
 * Put and delete many items, 25 per request (`concurrency` requests in flight, default 8), retrying
 * DynamoDB's unprocessed items with backoff. Not atomic: use it for items with deterministic keys and
 * content, which a retry rewrites unchanged.
 */
export async function batchWrite(table: string, puts: readonly Record<string, unknown>[], deletes: readonly Key[] = [], opts: { concurrency?: number } = {}): Promise<void> {
  const requests = [...puts.map((Item) => ({ PutRequest: { Item } })), ...deletes.map((Key) => ({ DeleteRequest: { Key } }))];
  const chunks: (typeof requests)[] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await mapLimit(chunks, opts.concurrency ?? 8, async (chunk) => {
    let pending: typeof requests | undefined = chunk;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`batch write: ${pending.length} items still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(unprocessedBackoff(attempt));
      const out = await documentClient().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] as typeof requests | undefined;
    }
  });
}

/**
 * Get many items by key, 100 per request (`concurrency` in flight, default 1), retrying unprocessed
 * keys with backoff. Order is not kept; missing keys are absent. `onRequest` counts requests (for
 * read-cost figures).
 */
export async function batchGet<T = Record<string, unknown>>(
  table: string,
  keys: readonly Key[],
  opts: { consistent?: boolean; concurrency?: number; onRequest?: () => void } = {},
): Promise<T[]> {
  const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
  const chunks: Key[][] = [];
  for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
  const found = await mapLimit(chunks, opts.concurrency ?? 1, async (chunk) => {
    const out: T[] = [];
    let pending: Record<string, unknown>[] | undefined = chunk.map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`batch get: ${pending.length} keys still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(unprocessedBackoff(attempt));
      opts.onRequest?.();
      const res = await documentClient().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: opts.consistent ?? false } } }));
      out.push(...((res.Responses?.[table] ?? []) as T[]));
      pending = res.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
    return out;
  });
  return found.flat();
}
