import { GetCommand, PutCommand, QueryCommand, } from "@aws-sdk/lib-dynamodb";
import { counterUpdate, documentClient, isConditionalCheckFailed, key, markerPut, type Page, queryPage, TransactionConflict, transact } from "@siyu/store";
import type { ChannelDefinition } from "../domain/channel.ts";
import type { RotationState } from "../domain/rotation.ts";

/**
 * A channel: its definition, its WeCom contact way, and the sync state of the contact way's user list.
 * `version` guards every write (optimistic concurrency), so concurrent edits and syncs never lose one another.
 *
 * Keys: pk `CHANNEL#<id>`, sk `CHANNEL`. gsi1 lists channels newest first (`CHANNELS` / `<createdAt>#<id>`);
 * gsi2 indexes active channels by their next time-driven boundary (`BOUNDARY` / `<iso>#<id>`), so the
 * boundary job reads only channels that are due.
 */
export type ChannelStatus = "active" | "archived";

export interface ChannelRecord {
  channelId: string;
  definition: ChannelDefinition;
  status: ChannelStatus;
  configId: string;
  qrCode: string;
  /** Users the contact way carries now (last successful update_contact_way). */
  codeUsers: string[];
  rotation: RotationState;
  /** Dedupe keys of adds already recorded in the rotation (most recent few), so a redelivery can't advance it twice. */
  rotationAdds: string[];
  nextBoundaryAt?: string;
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
  version: number;
}

const channelKey = (channelId: string) => ({ pk: key("CHANNEL", channelId), sk: "CHANNEL" });

function toItem(c: ChannelRecord) {
  const item: Record<string, unknown> = { ...channelKey(c.channelId), ...c, gsi1pk: "CHANNELS", gsi1sk: `${c.createdAt}#${c.channelId}` };
  if (c.status === "active" && c.nextBoundaryAt) {
    item.gsi2pk = "BOUNDARY";
    item.gsi2sk = `${c.nextBoundaryAt}#${c.channelId}`;
  }
  return item;
}

function fromItem(item: Record<string, unknown>): ChannelRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
  return rest as unknown as ChannelRecord;
}

export async function insertChannel(table: string, c: ChannelRecord): Promise<boolean> {
  try {
    await documentClient().send(new PutCommand({ TableName: table, Item: toItem(c), ConditionExpression: "attribute_not_exists(pk)" }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export async function getChannel(table: string, channelId: string): Promise<ChannelRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: channelKey(channelId), ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
}

/**
 * Channel definitions change rarely and every add (and every welcome) reads one: keep them a few
 * seconds per container. An operator's edit (welcome text, tags) therefore reaches adds within
 * CHANNEL_CACHE_MS.
 */
const CHANNEL_CACHE_MS = 5_000;
const channelCache = new Map<string, { at: number; channel: ChannelRecord | undefined }>();

export async function getChannelCached(table: string, channelId: string, now: Date): Promise<ChannelRecord | undefined> {
  const cacheKey = `${table}|${channelId}`;
  const hit = channelCache.get(cacheKey);
  if (hit && now.getTime() - hit.at < CHANNEL_CACHE_MS) return hit.channel;
  const channel = await getChannel(table, channelId);
  if (channelCache.size > 1000) channelCache.clear();
  channelCache.set(cacheKey, { at: now.getTime(), channel });
  return channel;
}

class StaleChannel extends Error {
  override name = "StaleChannel";
}

/** Replace the channel if it is still at `expectedVersion`; throws StaleChannel otherwise. */
async function saveChannel(table: string, c: ChannelRecord, expectedVersion: number): Promise<ChannelRecord> {
  const next = { ...c, version: expectedVersion + 1 };
  try {
    await documentClient().send(
      new PutCommand({
        TableName: table,
        Item: toItem(next),
        ConditionExpression: "#v = :v",
        ExpressionAttributeNames: { "#v": "version" },
        ExpressionAttributeValues: { ":v": expectedVersion },
      }),
    );
    return next;
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new StaleChannel(`channel ${c.channelId} changed concurrently`);
    throw error;
  }
}

/** Read-modify-write with retries on concurrent change. `change` returns undefined to write nothing. */
export async function updateChannel(
  table: string,
  channelId: string,
  change: (current: ChannelRecord) => Promise<ChannelRecord | undefined> | ChannelRecord | undefined,
  attempts = 8,
): Promise<ChannelRecord | undefined> {
  for (let i = 0; i < attempts; i++) {
    const current = await getChannel(table, channelId);
    if (!current) return undefined;
    const next = await change(current);
    if (!next) return current;
    try {
      return await saveChannel(table, next, current.version);
    } catch (error) {
      if (!(error instanceof StaleChannel)) throw error;
    }
  }
  throw new StaleChannel(`channel ${channelId}: gave up after ${attempts} concurrent changes`);
}

export async function listChannels(table: string, opts: { limit: number; cursor?: string; status?: ChannelStatus }): Promise<Page<ChannelRecord>> {
  const page = await queryPage<Record<string, unknown>>({
    TableName: table,
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :p",
    ExpressionAttributeValues: { ":p": "CHANNELS", ...(opts.status ? { ":s": opts.status } : {}) },
    ...(opts.status ? { FilterExpression: "#s = :s", ExpressionAttributeNames: { "#s": "status" } } : {}),
    ScanIndexForward: false,
    limit: opts.limit,
    cursor: opts.cursor,
    keyAttributes: ["pk", "sk", "gsi1pk", "gsi1sk"],
  });
  return { ...page, items: page.items.map(fromItem) };
}

/** Active channels whose next boundary is at or before `now` (a Query on gsi2, never a Scan). */
export async function channelsDueAt(table: string, now: Date, limit = 100): Promise<string[]> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      IndexName: "gsi2",
      KeyConditionExpression: "gsi2pk = :p AND gsi2sk <= :now",
      ExpressionAttributeValues: { ":p": "BOUNDARY", ":now": `${now.toISOString()}#~` },
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => String(i.channelId));
}

/** The channel's per-member add counters for one corp day. */
const capPk = (channelId: string, day: string) => key("CAP", channelId, day);

export async function addsOnDay(table: string, channelId: string, day: string): Promise<Record<string, number>> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": capPk(channelId, day) },
      ProjectionExpression: "sk, #c",
      ExpressionAttributeNames: { "#c": "count" },
      ConsistentRead: true,
    }),
  );
  const counts: Record<string, number> = {};
  for (const item of out.Items ?? []) counts[String(item.sk)] = Number(item.count ?? 0);
  return counts;
}

/** What counting one add found: counted before (a redelivery), counted and still under the cap, or counted near or over it. */
export type CountedAdd = { counted: false } | { counted: true; underCap: true } | { counted: true; underCap: false; countAfter: number };

/**
 * Count one add exactly once: a small dedupe marker (keyed by the add) and the increment go in one
 * transaction, so a redelivered add never counts twice. (A marker per add keeps the counter item tiny:
 * write units stay flat however many adds a day brings.)
 *
 * The increment is conditional on the count staying below the cap after it, so the usual add, far from
 * the cap, costs one call and needs no read. An add that brings the member to the cap or beyond fails that
 * condition and is counted unconditionally, then reads the count. The conditional increments are atomic,
 * so exactly `cap - 1` adds pass under the cap; every other add reads a count at or over it (which may
 * already include concurrent adds).
 */
export async function countAdd(
  table: string,
  p: { channelId: string; userId: string; day: string; addKey: string; ttl: number; cap: number },
): Promise<CountedAdd> {
  const counterKey = { pk: capPk(p.channelId, p.day), sk: p.userId };
  const marker = markerPut(table, { pk: key("CAPMARK", p.channelId, p.day, p.userId), sk: p.addKey, ttl: p.ttl });
  const increment = counterUpdate(table, counterKey, { count: 1 }, { ttl: p.ttl });
  try {
    await transact([marker, counterUpdate(table, counterKey, { count: 1 }, { ttl: p.ttl }, { staysBelow: { count: p.cap } })]);
    return { counted: true, underCap: true };
  } catch (error) {
    if (!(error instanceof TransactionConflict)) throw error;
    if (error.failedCondition(0)) return { counted: false };
    if (!error.failedCondition(1)) throw error;
  }
  // at or over the cap after this add: count it anyway (WeCom has already made the contact) and read the count
  try {
    await transact([marker, increment]);
  } catch (error) {
    if (error instanceof TransactionConflict && error.failedCondition(0)) return { counted: false };
    throw error;
  }
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: counterKey, ConsistentRead: true, ProjectionExpression: "#c", ExpressionAttributeNames: { "#c": "count" } }));
  return { counted: true, underCap: false, countAfter: Number(out.Item?.count ?? 0) };
}
