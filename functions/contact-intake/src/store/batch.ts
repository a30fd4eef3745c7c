import { BatchGetCommand, BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { AppError } from "@siyu/kernel";
import { decodeCursor, documentClient, type Key } from "@siyu/store";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Put and delete many items, 25 per request (8 requests in flight), retrying unprocessed items with backoff. Not atomic. */
export async function batchWrite(table: string, puts: readonly Record<string, unknown>[], deletes: readonly Key[] = []): Promise<void> {
  const requests = [...puts.map((Item) => ({ PutRequest: { Item } })), ...deletes.map((Key) => ({ DeleteRequest: { Key } }))];
  const chunks: (typeof requests)[] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await mapLimit(chunks, 8, async (chunk) => {
    let pending: typeof requests | undefined = chunk;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`batch write: ${pending.length} items still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000));
      const out = await documentClient().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] as typeof requests | undefined;
    }
  });
}

/** Get many items by key, 100 per request (order not kept; missing keys are absent). */
export async function batchGet<T = Record<string, unknown>>(table: string, keys: readonly Key[], opts: { consistent?: boolean } = {}): Promise<T[]> {
  const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`batch get: ${pending.length} keys still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000));
      const res = await documentClient().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: opts.consistent ?? false } } }));
      out.push(...((res.Responses?.[table] ?? []) as T[]));
      pending = res.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return out;
}

/** Run `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Check a `queryPage` cursor before using it: it must decode to a key of this very query (same
 * partition, sort key under the expected prefix), else DynamoDB would fail on a foreign start key
 * (a 500) or page another collection. Throws the 400 `invalid-cursor` problem.
 */
export function assertCursor(
  cursor: string | undefined,
  keyAttributes: readonly string[],
  expected: Record<string, string>,
  sortKey?: { attribute: string; prefix: string },
): void {
  if (!cursor) return;
  const k = decodeCursor(cursor, keyAttributes);
  const ok = k && Object.entries(expected).every(([a, v]) => k[a] === v) && (!sortKey || String(k[sortKey.attribute]).startsWith(sortKey.prefix));
  if (!ok) {
    throw new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned for this list", {
      errors: [{ path: "query.cursor", message: "not a cursor returned for this list" }],
    });
  }
}
