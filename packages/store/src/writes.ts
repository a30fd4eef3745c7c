import { GetCommand, PutCommand, TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./client.ts";
import { isConditionalCheckFailed, transactionCancellationCodes } from "./errors.ts";
import type { Key } from "./keys.ts";

export type Item = Key & Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * Put an item only if no item with its key exists. Returns false (and writes nothing) when it does:
 * the caller treats that as "already done", which is how a redelivered message stays one effect.
 */
export async function putIfAbsent(table: string, item: Item): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export async function getItem<T extends object>(
  table: string,
  key: Key,
  opts: { consistent?: boolean } = {},
): Promise<(T & Key) | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: opts.consistent ?? false }),
  );
  return out.Item as (T & Key) | undefined;
}

export class TransactionConflict extends Error {
  /** Per item: the cancellation code (`ConditionalCheckFailed`, `TransactionConflict`, `None`, …). */
  readonly codes: string[];
  constructor(codes: string[]) {
    super(`transaction cancelled: ${codes.join(", ")}`);
    this.name = "TransactionConflict";
    this.codes = codes;
  }
  /** True when item `index` failed its condition (e.g. a dedupe marker that already exists). */
  failedCondition(index: number): boolean {
    return this.codes[index] === "ConditionalCheckFailed";
  }
}

/**
 * Run a write transaction (≤ 100 items). A cancelled transaction surfaces as `TransactionConflict`
 * with one code per item, so callers can tell "already done" from a real conflict.
 */
export async function transact(items: TransactItem[], opts: { token?: string } = {}): Promise<void> {
  if (items.length === 0) return;
  if (items.length > 100) throw new RangeError(`a transaction holds at most 100 items, got ${items.length}`);
  try {
    await documentClient().send(
      new TransactWriteCommand({ TransactItems: items, ClientRequestToken: opts.token }),
    );
  } catch (error) {
    const codes = transactionCancellationCodes(error);
    if (codes) throw new TransactionConflict(codes);
    throw error;
  }
}

/** A Put that only succeeds if the key is new: the dedupe marker of an exactly-once write. */
export function markerPut(table: string, item: Item): TransactItem {
  return { Put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(pk)" } };
}

/**
 * Clauses for an UpdateExpression from a record of fields: `#<p>0 = :<p>0` for SET, `#<p>0 :<p>0` for
 * ADD, one per defined field (undefined ones are skipped), with the placeholders' names and values
 * added to `into`. `prefix` keeps placeholders of several calls on one expression apart.
 */
export function assignClauses(
  fields: Record<string, unknown>,
  prefix: string,
  into: { names: Record<string, string>; values: Record<string, unknown> },
  op: "SET" | "ADD" = "SET",
): string[] {
  const clauses: string[] = [];
  Object.entries(fields).forEach(([field, value], i) => {
    if (value === undefined) return;
    into.names[`#${prefix}${i}`] = field;
    into.values[`:${prefix}${i}`] = value;
    clauses.push(op === "SET" ? `#${prefix}${i} = :${prefix}${i}` : `#${prefix}${i} :${prefix}${i}`);
  });
  return clauses;
}

/**
 * An Update that adds `deltas` to numeric attributes, creating the item (and `set` fields) when absent.
 * With `staysBelow`, it applies only if each named counter stays below its bound after the update (an
 * absent counter counts as 0): a cap check and the increment in one conditional write.
 */
export function counterUpdate(
  table: string,
  key: Key,
  deltas: Record<string, number>,
  set: Record<string, unknown> = {},
  opts: { staysBelow?: Record<string, number> } = {},
): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = assignClauses(deltas, "c", { names, values }, "ADD");
  const sets = assignClauses(set, "s", { names, values });
  const expr = [sets.length ? `SET ${sets.join(", ")}` : "", adds.length ? `ADD ${adds.join(", ")}` : ""]
    .filter(Boolean)
    .join(" ");
  const conditions = Object.entries(opts.staysBelow ?? {}).map(([field, bound], i) => {
    // after = before + delta < bound ⇔ before < bound - delta; an absent counter (0) passes only if delta < bound
    const limit = bound - (deltas[field] ?? 0);
    names[`#b${i}`] = field;
    values[`:b${i}`] = limit;
    return limit > 0 ? `(attribute_not_exists(#b${i}) OR #b${i} < :b${i})` : `#b${i} < :b${i}`;
  });
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: expr,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(conditions.length ? { ConditionExpression: conditions.join(" AND ") } : {}),
    },
  };
}

/**
 * Exact counting on at-least-once delivery: write the dedupe marker and the increments in one
 * transaction. Returns false (nothing changed) when the marker already existed.
 */
export async function incrementOnce(
  table: string,
  marker: Item,
  counters: { key: Key; deltas: Record<string, number>; set?: Record<string, unknown> }[],
): Promise<boolean> {
  try {
    await transact([markerPut(table, marker), ...counters.map((c) => counterUpdate(table, c.key, c.deltas, c.set))]);
    return true;
  } catch (error) {
    if (error instanceof TransactionConflict && error.failedCondition(0)) return false;
    throw error;
  }
}

/**
 * Change a versioned record by a function of its current state: read, change, write only if the
 * version is still the one read (`write(next, expectedVersion)`), else read again — so concurrent
 * changes are never lost. `change` returning undefined means nothing to write (the record as read is
 * returned). Undefined when the record does not exist.
 */
export async function mutateVersioned<T extends { version: number; updatedAt: string }>(
  read: () => Promise<T | undefined>,
  write: (next: T, expectedVersion: number) => Promise<boolean>,
  change: (current: T) => T | undefined,
  now: string,
  what: string,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await read();
    if (!cur) return undefined;
    const next = change(cur);
    if (!next) return cur;
    const stored = { ...next, version: cur.version + 1, updatedAt: now };
    if (await write(stored, cur.version)) return stored;
  }
  throw new Error(`${what} kept changing while it was written`);
}
