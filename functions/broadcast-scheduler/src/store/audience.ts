/**
 * The audience read model: Siyu's own copy of follow relations (customer × staff) and customer groups,
 * fed by contact-intake's events on the topic (services never read each other's tables). Relations
 * live in 16 shard partitions (`R#<n>`, sort key `<externalUserId>#<userId>`), so a whole-corp plan
 * reads them in parallel pages and one customer's relations are one Query.
 *
 * Every write is ordered by the instant of the change it records: an older event never overwrites a
 * newer one (`addedAt`/`statusAt`/`tagsAt` guards), so redelivered and out-of-order events are harmless.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, key, mapLimit, queryAll, queryPrefix, unlessConditionFailed } from "@siyu/store";
import type { Candidate } from "../domain/audience-types.ts";
import type { GroupCandidate } from "../domain/group-audience.ts";
import { SHARDS, shardOf } from "./shards.ts";

const relPk = (externalUserId: string) => key("R", shardOf(externalUserId));

/** One conditional update of a read-model item; false when its condition (an order guard) failed. */
async function orderedUpdate(table: string, k: { pk: string; sk: string }, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
  const out = await unlessConditionFailed(
    documentClient().send(new UpdateCommand({ TableName: table, Key: k, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeValues: values })),
  );
  return out !== undefined;
}
const relSk = (externalUserId: string, userId: string) => key(externalUserId, userId);

/** A relation started (or started again): active from `addedAt`, unless a later change is stored. */
export async function relationAdded(table: string, r: { externalUserId: string; userId: string; channelId: string; addedAt: string; tagIds?: readonly string[] }): Promise<boolean> {
  return orderedUpdate(
    table,
    { pk: relPk(r.externalUserId), sk: relSk(r.externalUserId, r.userId) },
    "SET externalUserId = :e, userId = :u, channelId = :c, addedAt = :a, statusAt = :a, active = :t, lastInteractionAt = :a" + (r.tagIds ? ", tagIds = if_not_exists(tagIds, :tags)" : ""),
    "attribute_not_exists(statusAt) OR statusAt < :a",
    { ":e": r.externalUserId, ":u": r.userId, ":c": r.channelId, ":a": r.addedAt, ":t": true, ...(r.tagIds ? { ":tags": [...r.tagIds] } : {}) },
  );
}

/** A relation ended (lost, removed, transferred away) at `at`, unless a later add is stored. */
export async function relationEnded(table: string, r: { externalUserId: string; userId: string; at: string }): Promise<boolean> {
  return orderedUpdate(
    table,
    { pk: relPk(r.externalUserId), sk: relSk(r.externalUserId, r.userId) },
    "SET externalUserId = :e, userId = :u, statusAt = :a, active = :f",
    "attribute_not_exists(statusAt) OR statusAt <= :a",
    { ":e": r.externalUserId, ":u": r.userId, ":a": r.at, ":f": false },
  );
}

/** A relation's full tag set as of `changedAt` (contact.tags_changed), unless a later one is stored. */
export async function relationTags(table: string, r: { externalUserId: string; userId: string; tagIds: readonly string[]; changedAt: string }): Promise<boolean> {
  return orderedUpdate(
    table,
    { pk: relPk(r.externalUserId), sk: relSk(r.externalUserId, r.userId) },
    "SET externalUserId = :e, userId = :u, tagIds = :tags, tagsAt = :at",
    "attribute_not_exists(tagsAt) OR tagsAt <= :at",
    { ":e": r.externalUserId, ":u": r.userId, ":tags": [...r.tagIds], ":at": r.changedAt },
  );
}

interface RelationItem {
  externalUserId: string;
  userId: string;
  channelId?: string;
  addedAt?: string;
  active?: boolean;
  tagIds?: string[];
  lastInteractionAt?: string;
}

function toCandidate(i: RelationItem): Candidate | undefined {
  // a tags event that arrived before its add: not a relation yet
  if (i.addedAt === undefined) return undefined;
  return {
    externalUserId: i.externalUserId,
    userId: i.userId,
    channelId: i.channelId ?? "unknown",
    addedAt: i.addedAt,
    tagIds: i.tagIds ?? [],
    active: i.active === true,
    ...(i.lastInteractionAt ? { lastInteractionAt: i.lastInteractionAt } : {}),
  };
}

const PROJECTION = { ProjectionExpression: "externalUserId, userId, channelId, addedAt, active, tagIds, lastInteractionAt" };

/** Every relation of the corp (16 shards read in parallel), for a whole-audience plan. */
export async function allRelations(table: string, onRequest?: () => void): Promise<Candidate[]> {
  const shards = await mapLimit([...Array(SHARDS).keys()], SHARDS, async (n) => {
    onRequest?.();
    return queryAll<RelationItem>({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": key("R", n) }, ...PROJECTION }, 10_000_000);
  });
  return shards.flat().map(toCandidate).filter((c): c is Candidate => c !== undefined);
}

/** The relations of these customers only (an explicit-ids audience): one Query per customer. */
export async function relationsOf(table: string, externalUserIds: readonly string[]): Promise<Candidate[]> {
  const rows = await mapLimit(externalUserIds, 16, (id) => queryPrefix<RelationItem>(table, relPk(id), `${key(id)}#`, PROJECTION));
  return rows.flat().map(toCandidate).filter((c): c is Candidate => c !== undefined);
}

const GROUPS_PK = "G";

/** A group was created (or its owner learned): active under `ownerUserId` from `at`. */
export async function groupSeen(table: string, g: { chatId: string; ownerUserId?: string; at: string; active: boolean }): Promise<boolean> {
  return orderedUpdate(
    table,
    { pk: GROUPS_PK, sk: key(g.chatId) },
    `SET chatId = :c, statusAt = :a, active = :act${g.ownerUserId ? ", ownerUserId = :o" : ""}`,
    "attribute_not_exists(statusAt) OR statusAt <= :a",
    { ":c": g.chatId, ":a": g.at, ":act": g.active, ...(g.ownerUserId ? { ":o": g.ownerUserId } : {}) },
  );
}

/** Every known group; a group whose owner is not known yet is left out (no one could send to it). */
export async function allGroups(table: string): Promise<GroupCandidate[]> {
  const items = await queryAll<{ chatId: string; ownerUserId?: string; active?: boolean }>(
    { TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": GROUPS_PK } },
    1_000_000,
  );
  return items.filter((g) => g.ownerUserId).map((g) => ({ chatId: g.chatId, ownerUserId: g.ownerUserId!, active: g.active === true }));
}
