/**
 * Counter rows: written only with `ADD` (exact and commutative), read by key lookups and Queries of
 * one partition. Every row also counts its own writes in `rev`, which the rebuild uses as an
 * optimistic-lock token (a row it read is only overwritten if no increment landed since).
 */
import { type NativeAttributeValue, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { batchGet, counterUpdate, documentClient, type Key, queryPage } from "@siyu/store";
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type CohortCounters,
  type Counters,
  type GroupId,
  type StorageIncrements,
  zeroCohort,
  zeroCounters,
} from "../domain/index.ts";
import { cohortRowKey, dayRowKey, type GroupKind, groupPrefix, monthRowKey, totalRowKey } from "./keys.ts";

export interface RowIncrement {
  key: Key;
  deltas: Record<string, number>;
}

type Item = Record<string, NativeAttributeValue>;

function counterDeltas(c: Counters): Record<string, number> {
  const d: Record<string, number> = {};
  for (const k of COUNTER_FIELDS) d[k] = c[k];
  d.rev = 1;
  return d;
}

function cohortDeltas(c: CohortCounters): Record<string, number> {
  const d: Record<string, number> = {};
  for (const k of COHORT_FIELDS) d[k] = c[k];
  d.rev = 1;
  return d;
}

/** Every counter row `ADD` of a storage increment (day, month, total and cohort rows). */
export function rowIncrements(inc: StorageIncrements): RowIncrement[] {
  return [
    ...inc.days.map((r) => ({ key: dayRowKey(r.day, r.group), deltas: counterDeltas(r) })),
    ...inc.months.map((r) => ({ key: monthRowKey(r.month, r.group), deltas: counterDeltas(r) })),
    ...inc.totals.map((r) => ({ key: totalRowKey(r.group), deltas: counterDeltas(r) })),
    ...inc.cohorts.map((r) => ({ key: cohortRowKey(r.day, r.group), deltas: cohortDeltas(r) })),
  ];
}

export function rowUpdate(table: string, r: RowIncrement) {
  return counterUpdate(table, r.key, r.deltas);
}

const num = (v: unknown) => (typeof v === "number" ? v : 0);

export function countersOf(item: Item | undefined): Counters {
  const c = zeroCounters();
  if (item) for (const k of COUNTER_FIELDS) c[k] = num(item[k]);
  return c;
}

export function cohortOf(item: Item | undefined): CohortCounters {
  const c = zeroCohort();
  if (item) for (const k of COHORT_FIELDS) c[k] = num(item[k]);
  return c;
}

export const revOf = (item: Item | undefined): number | undefined => (item ? num(item.rev) : undefined);

const cellKey = (k: Key) => `${k.pk}|${k.sk}`;

export interface ReadStats {
  requests: number;
}

/** BatchGetItem of any number of keys (`@siyu/store`'s `batchGet`: chunks, unprocessed keys retried), by `pk|sk`. */
export async function batchGetRows(
  table: string,
  keys: readonly Key[],
  opts: { concurrency?: number; consistent?: boolean; stats?: ReadStats } = {},
): Promise<Map<string, Item>> {
  const stats = opts.stats;
  const items = await batchGet<Item>(table, keys, {
    concurrency: opts.concurrency ?? 16,
    consistent: opts.consistent ?? false,
    ...(stats ? { onRequest: () => void stats.requests++ } : {}),
  });
  return new Map(items.map((item) => [cellKey(item as Key), item]));
}

/** Every item of one partition, optionally only sort keys in [from, to] or with a prefix. */
export async function queryPartition(
  table: string,
  pk: string,
  opts: {
    between?: [string, string];
    beginsWith?: string;
    consistent?: boolean;
    projection?: { expression: string; names: Record<string, string> };
    stats?: ReadStats;
  } = {},
): Promise<Item[]> {
  const values: Record<string, string> = { ":pk": pk };
  let condition = "pk = :pk";
  if (opts.between) {
    condition += " AND sk BETWEEN :a AND :b";
    values[":a"] = opts.between[0];
    values[":b"] = opts.between[1];
  } else if (opts.beginsWith !== undefined) {
    condition += " AND begins_with(sk, :p)";
    values[":p"] = opts.beginsWith;
  }
  const items: Item[] = [];
  let start: Record<string, NativeAttributeValue> | undefined;
  do {
    if (opts.stats) opts.stats.requests++;
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: start,
        ConsistentRead: opts.consistent ?? false,
        ...(opts.projection ? { ProjectionExpression: opts.projection.expression, ExpressionAttributeNames: opts.projection.names } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * One page of a kind's groups, from the total rows (`TOTAL#<kind>`): the registry of every group that
 * ever had a counted fact, maintained in the same transactions as the counters. Sorted by group id.
 */
export async function groupRegistryPage(
  table: string,
  kind: Extract<GroupKind, "staff" | "channel">,
  opts: { limit: number; cursor?: string | undefined; stats?: ReadStats },
): Promise<{ totals: Map<GroupId, Counters>; groups: GroupId[]; nextCursor?: string }> {
  if (opts.stats) opts.stats.requests++;
  const page = await queryPage<Item>({
    TableName: table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
    ExpressionAttributeValues: { ":pk": totalRowKey(`${kind}:x`).pk, ":p": groupPrefix(kind) },
    // the registry page needs the group ids (and the cursor's key) and the balance: not every counter
    ProjectionExpression: "pk, sk, active",
    limit: opts.limit,
    cursor: opts.cursor,
    keyAttributes: ["pk", "sk"],
  });
  const totals = new Map(page.items.map((i) => [i.sk as string, countersOf(i)]));
  return { totals, groups: [...totals.keys()], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** All groups of a kind (for jobs: the reconciliation's member list, the digest). */
export async function allGroups(table: string, kind: Extract<GroupKind, "staff" | "channel">): Promise<GroupId[]> {
  const items = await queryPartition(table, totalRowKey(`${kind}:x`).pk, { beginsWith: groupPrefix(kind) });
  return items.map((i) => i.sk as string);
}
