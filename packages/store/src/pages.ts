import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { AppError } from "@siyu/kernel";
import { documentClient } from "./client.ts";

/**
 * Opaque pagination cursors: the base64url of DynamoDB's LastEvaluatedKey. Clients pass them back
 * unchanged; a cursor that doesn't decode to a key of string/number attributes is a 400, not a crash.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  if (!lastKey) return undefined;
  return Buffer.from(JSON.stringify({ v: 1, k: lastKey })).toString("base64url");
}

export function decodeCursor(cursor: string | undefined, expectedAttributes?: readonly string[]): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const invalid = () =>
    new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned", {
      errors: [{ path: "cursor", message: "not a cursor returned by this API" }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { v?: unknown }).v !== 1) throw invalid();
  const k = (parsed as { k?: unknown }).k;
  if (typeof k !== "object" || k === null || Array.isArray(k)) throw invalid();
  for (const [name, value] of Object.entries(k)) {
    if (typeof value !== "string" && typeof value !== "number") throw invalid();
    if (expectedAttributes && !expectedAttributes.includes(name)) throw invalid();
  }
  if (expectedAttributes && Object.keys(k).length !== expectedAttributes.length) throw invalid();
  return k as Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * One page of a Query. `keyAttributes` are the attributes of the table key plus, for an index, the
 * index key: they validate the cursor.
 */
export async function queryPage<T>(
  input: Omit<QueryCommandInput, "ExclusiveStartKey" | "Limit"> & { limit: number; cursor?: string; keyAttributes: readonly string[] },
): Promise<Page<T>> {
  const { limit, cursor, keyAttributes, ...query } = input;
  const out = await documentClient().send(
    new QueryCommand({ ...query, Limit: limit, ExclusiveStartKey: decodeCursor(cursor, keyAttributes) }),
  );
  const nextCursor = encodeCursor(out.LastEvaluatedKey);
  return nextCursor ? { items: (out.Items ?? []) as T[], nextCursor } : { items: (out.Items ?? []) as T[] };
}

/** Every item of a Query (follows LastEvaluatedKey); for bounded result sets only. */
export async function queryAll<T>(input: Omit<QueryCommandInput, "ExclusiveStartKey">, maxItems = 10_000): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as T[]));
    if (items.length > maxItems) throw new RangeError(`query returned more than ${maxItems} items`);
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Check a cursor before using it: it must decode to a key of this very query (same partition, sort key
 * under the expected prefix), else DynamoDB would fail on a foreign start key (a 500) or page another
 * collection. Throws the 400 `invalid-cursor` problem naming `path` (default `query.cursor`).
 *
 * @example
 * assertCursor(cursor, ["pk", "sk"], { pk: transferPk(id) }, { attribute: "sk", prefix: "C#" });
 */
export function assertCursor(
  cursor: string | undefined,
  keyAttributes: readonly string[],
  expected: Record<string, string>,
  sortKey?: { attribute: string; prefix: string },
  opts: { path?: string; list?: string } = {},
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  const path = opts.path ?? "query.cursor";
  const list = opts.list ?? "this list";
  const invalid = () =>
    new AppError(400, "invalid-cursor", "Invalid cursor", `the cursor is not one this API returned for ${list}`, {
      errors: [{ path, message: `not a cursor returned for ${list}` }],
    });
  // an undecodable cursor is decodeCursor's own 400
  const k = decodeCursor(cursor, keyAttributes);
  const ok = k && Object.entries(expected).every(([a, v]) => k[a] === v) && (!sortKey || String(k[sortKey.attribute]).startsWith(sortKey.prefix));
  if (!ok) throw invalid();
  return k;
}

/**
 * Every item of one partition whose sort key starts with `prefix` (consistent unless told), with
 * `extra` Query input merged in (a filter, a projection; its values join `:pk` and `:prefix`).
 *
 * @example
 * const batches = await queryPrefix(table, transferPk(id), "B#");
 */
export async function queryPrefix<T = Record<string, unknown>>(
  table: string,
  pk: string,
  prefix: string,
  extra: Omit<QueryCommandInput, "TableName" | "KeyConditionExpression" | "ExclusiveStartKey"> = {},
  maxItems?: number,
): Promise<T[]> {
  return queryAll<T>(
    {
      ConsistentRead: true,
      ...extra,
      TableName: table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ":pk": pk, ":prefix": prefix },
    },
    maxItems,
  );
}
