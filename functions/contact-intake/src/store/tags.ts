import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { assertCursor, batchGet, batchWrite, documentClient, isConditionalCheckFailed, key, type Page, queryAll, queryPage } from "@siyu/store";
import type { CorpTag, CorpTagGroup, TagListDiff } from "../domain/tags.ts";

/**
 * Siyu's copy of the corp tag list, in one partition `CORPTAGS`:
 *   sk `G#<groupId>`: a group (name, order); sk `T#<tagId>`: a tag (group, name, order).
 * Tags also carry gsi1 `CORPTAGGROUP#<groupId>` / `<tagId>`, so a group's tags are one Query.
 * The corp tag count (WeCom's 3000 limit) is a COUNT Query over `T#` — always what the copy holds.
 */
const PK = "CORPTAGS";
const groupKey = (groupId: string) => ({ pk: PK, sk: key("G", groupId) });
const tagKey = (tagId: string) => ({ pk: PK, sk: key("T", tagId) });

function groupItem(g: CorpTagGroup, at: string) {
  const item: Record<string, unknown> = { ...groupKey(g.groupId), groupId: g.groupId, groupName: g.groupName, order: g.order, syncedAt: at };
  if (g.createTime !== undefined) item.createTime = g.createTime;
  return item;
}

function tagItem(t: CorpTag, at: string) {
  const item: Record<string, unknown> = {
    ...tagKey(t.tagId),
    tagId: t.tagId,
    groupId: t.groupId,
    name: t.name,
    order: t.order,
    syncedAt: at,
    gsi1pk: key("CORPTAGGROUP", t.groupId),
    gsi1sk: t.tagId,
  };
  if (t.createTime !== undefined) item.createTime = t.createTime;
  return item;
}

const toTag = (i: Record<string, unknown>): CorpTag => {
  const t: CorpTag = { tagId: String(i.tagId), groupId: String(i.groupId), name: String(i.name), order: Number(i.order ?? 0) };
  if (typeof i.createTime === "number") t.createTime = i.createTime;
  return t;
};
const toGroup = (i: Record<string, unknown>, tags: CorpTag[]): CorpTagGroup => {
  const g: CorpTagGroup = { groupId: String(i.groupId), groupName: String(i.groupName), order: Number(i.order ?? 0), tags };
  if (typeof i.createTime === "number") g.createTime = i.createTime;
  return g;
};

/** Corp tags in the copy. */
export async function countCorpTags(table: string): Promise<number> {
  let n = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :p AND begins_with(sk, :t)",
        ExpressionAttributeValues: { ":p": PK, ":t": "T#" },
        Select: "COUNT",
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    n += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return n;
}

async function tagsOfGroup(table: string, groupId: string): Promise<CorpTag[]> {
  const items = await queryAll<Record<string, unknown>>({
    TableName: table,
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :g",
    ExpressionAttributeValues: { ":g": key("CORPTAGGROUP", groupId) },
  });
  return items.map(toTag);
}

async function groupItems(table: string): Promise<Record<string, unknown>[]> {
  return queryAll<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p AND begins_with(sk, :g)",
    ExpressionAttributeValues: { ":p": PK, ":g": "G#" },
    ConsistentRead: true,
  });
}

/** A group of the copy by id or by name (names are unique in a corp). */
export async function findGroup(table: string, by: { groupId?: string; groupName?: string }): Promise<CorpTagGroup | undefined> {
  let item: Record<string, unknown> | undefined;
  if (by.groupId) {
    [item] = await batchGet(table, [groupKey(by.groupId)], { consistent: true });
  } else if (by.groupName) {
    item = (await groupItems(table)).find((g) => g.groupName === by.groupName);
  }
  if (!item) return undefined;
  return toGroup(item, await tagsOfGroup(table, String(item.groupId)));
}

/** Tags of the copy by id, with their group's name (unknown ids are left out). */
export async function getTags(table: string, tagIds: readonly string[]): Promise<(CorpTag & { groupName?: string })[]> {
  const safe = tagIds.filter((id) => id);
  if (safe.length === 0) return [];
  const tags = (await batchGet<Record<string, unknown>>(table, safe.map(tagKey))).map(toTag);
  const groups = await batchGet<Record<string, unknown>>(table, [...new Set(tags.map((t) => t.groupId))].map(groupKey));
  const names = new Map(groups.map((g) => [String(g.groupId), String(g.groupName)]));
  return tags.map((t) => {
    const name = names.get(t.groupId);
    return name === undefined ? t : { ...t, groupName: name };
  });
}

/** The whole copy (the reconciliation's "before"). Bounded: WeCom allows 3000 tags. */
export async function readTagCopy(table: string): Promise<CorpTagGroup[]> {
  const items = await queryAll<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": PK },
    ConsistentRead: true,
  });
  const tags = items.filter((i) => String(i.sk).startsWith("T#")).map(toTag);
  const byGroup = new Map<string, CorpTag[]>();
  for (const t of tags) byGroup.set(t.groupId, [...(byGroup.get(t.groupId) ?? []), t]);
  const groups = items.filter((i) => String(i.sk).startsWith("G#")).map((g) => toGroup(g, byGroup.get(String(g.groupId)) ?? []));
  // tags whose group item is missing (should not happen) still count: keep them under a placeholder
  const known = new Set(groups.map((g) => g.groupId));
  for (const [groupId, list] of byGroup) if (!known.has(groupId)) groups.push({ groupId, groupName: "", order: 0, tags: list });
  return groups;
}

/** Write what a full pull changed (see `diffTagLists`). */
export async function applyTagDiff(table: string, diff: TagListDiff, at: Date): Promise<void> {
  const iso = at.toISOString();
  await batchWrite(
    table,
    [...diff.putGroups.map((g) => groupItem(g, iso)), ...diff.putTags.map((t) => tagItem(t, iso))],
    [...diff.removeTagIds.map(tagKey), ...diff.removeGroupIds.map(groupKey)],
  );
}

/** Upsert a group and some of its tags (the tags an add or a by-id fetch returned); other tags stay. */
export async function upsertTags(table: string, group: CorpTagGroup, at: Date): Promise<void> {
  const iso = at.toISOString();
  await batchWrite(table, [groupItem(group, iso), ...group.tags.map((t) => tagItem(t, iso))]);
}

/** Replace one group with WeCom's version of it (undefined = the group is gone). */
export async function replaceGroup(table: string, groupId: string, group: CorpTagGroup | undefined, at: Date): Promise<void> {
  const iso = at.toISOString();
  const current = await tagsOfGroup(table, groupId);
  const keep = new Set(group?.tags.map((t) => t.tagId) ?? []);
  const removed = current.filter((t) => !keep.has(t.tagId)).map((t) => tagKey(t.tagId));
  await batchWrite(table, group ? [groupItem(group, iso), ...group.tags.map((t) => tagItem(t, iso))] : [], group ? removed : [...removed, groupKey(groupId)]);
}

export async function deleteTags(table: string, tagIds: readonly string[]): Promise<void> {
  await batchWrite(table, [], tagIds.map(tagKey));
}

/** A page of groups (by group id), each with all its tags. */
export async function listTagGroups(table: string, opts: { limit: number; cursor?: string | undefined }): Promise<Page<CorpTagGroup>> {
  assertCursor(opts.cursor, ["pk", "sk"], { pk: PK }, { attribute: "sk", prefix: "G#" });
  const page = await queryPage<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p AND begins_with(sk, :g)",
    ExpressionAttributeValues: { ":p": PK, ":g": "G#" },
    limit: opts.limit,
    cursor: opts.cursor,
    keyAttributes: ["pk", "sk"],
  });
  const groups = await Promise.all(page.items.map(async (g) => toGroup(g, await tagsOfGroup(table, String(g.groupId)))));
  return page.nextCursor ? { items: groups, nextCursor: page.nextCursor } : { items: groups };
}

/**
 * A short lease that serialises tag creation, so two concurrent requests cannot both pass the
 * 3000-tag check. Returns a release function, or undefined when another request holds it.
 */
export async function acquireTagLock(table: string, now: Date, leaseSeconds = 15): Promise<(() => Promise<void>) | undefined> {
  const owner = `${now.getTime()}-${Math.random().toString(36).slice(2)}`;
  const nowSec = Math.floor(now.getTime() / 1000);
  const k = { pk: "LOCK", sk: "corp-tags" };
  try {
    await documentClient().send(
      new PutCommand({
        TableName: table,
        Item: { ...k, owner, lockUntil: nowSec + leaseSeconds, ttl: nowSec + leaseSeconds + 3600 },
        ConditionExpression: "attribute_not_exists(pk) OR lockUntil < :now",
        ExpressionAttributeValues: { ":now": nowSec },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
  return async () => {
    await documentClient()
      .send(new DeleteCommand({ TableName: table, Key: k, ConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": owner } }))
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  };
}
