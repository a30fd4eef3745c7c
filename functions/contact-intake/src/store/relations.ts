import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, documentClient, isConditionalCheckFailed, key, queryAll, unlessConditionFailed } from "@siyu/store";
import { monthOf, } from "../domain/customers.ts";
import type { RelationStatus, RelationUpdate, } from "../domain/events.ts";
import type { TagStatus } from "../domain/followups.ts";
import { recordAddedMonth } from "./added-months.ts";
import { custPk, listSortKey, stripKeys } from "./customer-keys.ts";
import { writeProfile } from "./profiles.ts";

/** Follow relations (one staff member ↔ one customer), sk `REL#<userId>` in the customer's collection, with the customer-list index keys and the tag filter's membership rows. */
export interface RelationRecord {
  externalUserId: string;
  userId: string;
  status: RelationStatus;
  channelId: string;
  state?: string;
  confirmed?: boolean;
  addedAt: string;
  statusAt: string;
  tagIds: string[];
  /** The channel tags of the add: applied, pending a retry, or failed with WeCom's errcode. */
  tagStatus?: TagStatus;
  updatedAt: string;
}

export async function getRelation(table: string, externalUserId: string, userId: string): Promise<RelationRecord | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: table, Key: { pk: custPk(externalUserId), sk: key("REL", userId) }, ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return stripKeys(out.Item) as unknown as RelationRecord;
}


/**
 * Apply a relation change: one conditional Put of the relation. Changes older than the stored one are
 * ignored (`statusAt` guard), so out-of-order deliveries cannot roll a relation back; a retry of the same
 * change writes the same item again. Returns whether the change was applied.
 *
 * Tags: `tagIds` are added to the relation's tags; `replaceTags` sets them exactly (WeCom's own list).
 * Unless `touchProfile` is false, the customer's `lastEventAt` follows (a second write: the two need not be
 * atomic, a retry repeats both); the intake path folds that into its profile write instead.
 */
export async function applyRelation(
  table: string,
  r: RelationUpdate,
  now: Date,
  opts: { tagIds?: readonly string[]; replaceTags?: readonly string[]; existing?: RelationRecord | null; touchProfile?: boolean; tagStatus?: TagStatus } = {},
): Promise<{ applied: boolean; record: RelationRecord }> {
  const nowIso = now.toISOString();
  // the caller may pass the relation it already read (null = known absent)
  const existing = opts.existing === undefined ? await getRelation(table, r.externalUserId, r.userId) : (opts.existing ?? undefined);
  const addedAt = r.addedAt ?? existing?.addedAt ?? r.at;
  const tagIds = opts.replaceTags ? [...opts.replaceTags] : [...(existing?.tagIds ?? []), ...(opts.tagIds ?? [])];
  const record: RelationRecord = {
    externalUserId: r.externalUserId,
    userId: r.userId,
    status: r.status,
    channelId: r.channelId,
    addedAt,
    statusAt: r.at,
    tagIds: [...new Set(tagIds)],
    updatedAt: nowIso,
  };
  const state = r.state ?? existing?.state;
  if (state !== undefined) record.state = state;
  const confirmed = r.confirmed ?? existing?.confirmed;
  if (confirmed !== undefined) record.confirmed = confirmed;
  const tagStatus = opts.tagStatus ?? existing?.tagStatus;
  if (tagStatus !== undefined) record.tagStatus = tagStatus;
  const sortKey = listSortKey(addedAt, r.externalUserId, r.userId);
  // the month must be listed before the relation can be found through it
  await recordAddedMonth(table, monthOf(addedAt));
  try {
    await documentClient().send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: custPk(r.externalUserId),
          sk: key("REL", r.userId),
          ...record,
          gsi1pk: key("STAFF", r.userId),
          gsi1sk: sortKey,
          gsi2pk: key("CHAN", r.channelId),
          gsi2sk: sortKey,
          gsi3pk: key("ADDED", addedAt.slice(0, 7)),
          gsi3sk: sortKey,
        },
        // never move a relation back in time (a late retry of an older event)
        ConditionExpression: "attribute_not_exists(pk) OR statusAt <= :at",
        ExpressionAttributeValues: { ":at": r.at },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { applied: false, record };
    throw error;
  }
  if (opts.touchProfile !== false) await writeProfile(table, r.externalUserId, { eventAt: r.at });
  return { applied: true, record };
}

/** The key of a relation's membership item in the tag filter's partition (`TAG#<tagId>`). */
export const tagMembershipKey = (rel: Pick<RelationRecord, "externalUserId" | "userId" | "addedAt">, tagId: string) => ({
  pk: key("TAG", tagId),
  sk: listSortKey(rel.addedAt, rel.externalUserId, rel.userId),
});

/** The tag filter's membership items of one relation. */
export function tagMembershipItems(rel: Pick<RelationRecord, "externalUserId" | "userId" | "addedAt">, tagIds: readonly string[]): Record<string, unknown>[] {
  return tagIds.map((tagId) => ({ ...tagMembershipKey(rel, tagId), externalUserId: rel.externalUserId, userId: rel.userId, tagId, addedAt: rel.addedAt }));
}


/** Every active relation of a staff member, via the staff index (Query pages, never a Scan). */
export async function activeRelationsOfStaff(table: string, userId: string): Promise<RelationRecord[]> {
  const items = await queryAll<Record<string, unknown>>(
    {
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      FilterExpression: "#s = :active",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":p": key("STAFF", userId), ":active": "active" },
    },
    100_000,
  );
  return items.map((i) => stripKeys(i) as unknown as RelationRecord);
}

// ───────────────────────────── relation tags ─────────────────────────────

/**
 * Make a relation's tags exactly `tagIds` (WeCom's corp tags on that follow relation, from
 * externalcontact/get): the relation's list, plus the `TAG#` membership rows the tag filter reads.
 * Does nothing when the relation is unknown. Returns the tags before and after, and the difference.
 */
export async function setRelationTags(
  table: string,
  externalUserId: string,
  userId: string,
  tagIds: readonly string[],
): Promise<{ before: string[]; after: string[]; added: string[]; removed: string[] } | undefined> {
  const rel = await getRelation(table, externalUserId, userId);
  if (!rel) return undefined;
  const next = [...new Set(tagIds.filter((t) => t))];
  const before = new Set(rel.tagIds ?? []);
  const added = next.filter((t) => !before.has(t));
  const removed = [...before].filter((t) => !next.includes(t));
  if (added.length || removed.length || (rel.tagIds ?? []).length !== next.length) {
    await documentClient()
      .send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: custPk(externalUserId), sk: key("REL", userId) },
          UpdateExpression: "SET tagIds = :t",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":t": next },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }
  await batchWrite(table, tagMembershipItems(rel, next), removed.map((tagId) => tagMembershipKey(rel, tagId)));
  return { before: rel.tagIds ?? [], after: next, added, removed };
}

/**
 * A follow-up's result on a relation's channel tags: `tagIds` (when applied) join the relation's tags
 * and the tag filter's rows, and `tagStatus` says where the add's tags stand. Nothing when the relation
 * is unknown or no longer the one the add made (a later re-add starts its own tags). Returns the
 * relation's tags before and after when written, undefined when not.
 */
export async function recordRelationTags(
  table: string,
  w: { externalUserId: string; userId: string; addedAt?: string | undefined; tagStatus: TagStatus; applied?: readonly string[] },
): Promise<{ before: string[]; after: string[] } | undefined> {
  const rel = await getRelation(table, w.externalUserId, w.userId);
  if (rel?.status !== "active" || (w.addedAt !== undefined && rel.addedAt !== w.addedAt)) return undefined;
  const tagIds = [...new Set([...(rel.tagIds ?? []), ...(w.applied ?? [])])];
  const written = await unlessConditionFailed(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: custPk(w.externalUserId), sk: key("REL", w.userId) },
        UpdateExpression: "SET tagIds = :t, tagStatus = :s",
        // only the relation that was read: a concurrent re-add or loss keeps its own state
        ConditionExpression: "statusAt = :at AND addedAt = :added",
        ExpressionAttributeValues: { ":t": tagIds, ":s": w.tagStatus, ":at": rel.statusAt, ":added": rel.addedAt },
      }),
    ),
  );
  if (!written) return undefined;
  if (w.applied?.length) await batchWrite(table, tagMembershipItems(rel, w.applied));
  return { before: rel.tagIds ?? [], after: tagIds };
}

/** Whether the relation is still the active one an add made at `addedAt` (no `addedAt`: any active one). */
export async function relationStillFrom(table: string, w: { externalUserId: string; userId: string; addedAt?: string | undefined }): Promise<boolean> {
  const rel = await getRelation(table, w.externalUserId, w.userId);
  return rel?.status === "active" && (w.addedAt === undefined || rel.addedAt === w.addedAt);
}

