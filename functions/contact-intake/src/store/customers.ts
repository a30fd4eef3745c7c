import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, isConditionalCheckFailed, key, putIfAbsent, queryPage, transact, TransactionConflict, type Page } from "@siyu/store";
import type { RelationStatus, RelationUpdate, TimelineEntry } from "../domain/events.ts";

/**
 * Customers, their follow relations and their timeline live in one item collection per customer:
 *   pk `CUST#<externalUserId>`: sk `PROFILE` (name, unionid, type, avatar…), sk `REL#<userId>` (one per staff
 *   member), sk `TL#<at>#<id>` (timeline), sk `WELCOME#<addKey>` (welcome outcome).
 * Relations carry three index keys for the customer list: gsi1 by staff (`STAFF#<userId>`), gsi2 by channel
 * (`CHAN#<channelId>`), gsi3 by month of the add (`ADDED#<YYYY-MM>`); every sort key is `<addedAt>#<externalUserId>#<userId>`,
 * so an added-date range is a key condition, never a Scan. Tag membership items (`TAG#<tagId>` /
 * `<addedAt>#<externalUserId>#<userId>`) serve the tag filter.
 */
const custPk = (externalUserId: string) => key("CUST", externalUserId);

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
  updatedAt: string;
}

export interface CustomerProfile {
  externalUserId: string;
  name?: string;
  unionId?: string;
  type?: number;
  avatar?: string;
  gender?: number;
  corpName?: string;
  firstSeenAt: string;
  lastEventAt: string;
  profileSyncedAt?: string;
}

export async function getRelation(table: string, externalUserId: string, userId: string): Promise<RelationRecord | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: table, Key: { pk: custPk(externalUserId), sk: key("REL", userId) }, ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return stripKeys(out.Item) as unknown as RelationRecord;
}

function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, gsi3pk: _g, gsi3sk: _h, ttl: _i, ...rest } = item;
  return rest;
}

const listSortKey = (addedAt: string, externalUserId: string, userId: string) => `${addedAt}#${externalUserId}#${userId}`;

/**
 * Apply a relation change and the customer's `lastEventAt` in one transaction. Changes older than the
 * stored one are ignored (`statusAt` guard), so out-of-order deliveries cannot roll a relation back.
 */
export async function applyRelation(table: string, r: RelationUpdate, now: Date, tagIds: string[] = []): Promise<boolean> {
  const nowIso = now.toISOString();
  const existing = await getRelation(table, r.externalUserId, r.userId);
  const addedAt = r.addedAt ?? existing?.addedAt ?? r.at;
  const record: RelationRecord = {
    externalUserId: r.externalUserId,
    userId: r.userId,
    status: r.status,
    channelId: r.channelId,
    addedAt,
    statusAt: r.at,
    tagIds: [...new Set([...(existing?.tagIds ?? []), ...tagIds])],
    updatedAt: nowIso,
  };
  const state = r.state ?? existing?.state;
  if (state !== undefined) record.state = state;
  const confirmed = r.confirmed ?? existing?.confirmed;
  if (confirmed !== undefined) record.confirmed = confirmed;
  const sortKey = listSortKey(addedAt, r.externalUserId, r.userId);
  try {
    await transact([
      {
        Put: {
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
        },
      },
      {
        Update: {
          TableName: table,
          Key: { pk: custPk(r.externalUserId), sk: "PROFILE" },
          UpdateExpression: "SET externalUserId = :id, firstSeenAt = if_not_exists(firstSeenAt, :at), lastEventAt = :at",
          ExpressionAttributeValues: { ":id": r.externalUserId, ":at": r.at },
        },
      },
    ]);
    return true;
  } catch (error) {
    if (error instanceof TransactionConflict && error.failedCondition(0)) return false;
    throw error;
  }
}

export async function addRelationTags(table: string, externalUserId: string, userId: string, tagIds: string[], addedAt: string): Promise<void> {
  if (tagIds.length === 0) return;
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: custPk(externalUserId), sk: key("REL", userId) },
      UpdateExpression: "SET tagIds = list_append(if_not_exists(tagIds, :empty), :new)",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":empty": [], ":new": tagIds },
    }),
  ).catch((error: unknown) => {
    if (!isConditionalCheckFailed(error)) throw error;
  });
  for (const tagId of tagIds) {
    await putIfAbsent(table, { pk: key("TAG", tagId), sk: listSortKey(addedAt, externalUserId, userId), externalUserId, userId, tagId, addedAt });
  }
}

export async function appendTimeline(table: string, entries: readonly TimelineEntry[]): Promise<void> {
  for (const e of entries) {
    await putIfAbsent(table, { pk: custPk(e.externalUserId), sk: key("TL", e.at, e.id), ...e });
  }
}

export async function updateProfile(table: string, p: Omit<CustomerProfile, "firstSeenAt" | "lastEventAt">, at: string): Promise<void> {
  const fields: Record<string, unknown> = { ...p, profileSyncedAt: at };
  delete fields.externalUserId;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":id": p.externalUserId, ":at": at };
  const sets = ["externalUserId = :id", "firstSeenAt = if_not_exists(firstSeenAt, :at)", "lastEventAt = if_not_exists(lastEventAt, :at)"];
  Object.entries(fields).forEach(([k, v], i) => {
    if (v === undefined) return;
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    sets.push(`#f${i} = :f${i}`);
  });
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: custPk(p.externalUserId), sk: "PROFILE" },
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: values,
    }),
  );
}

export interface CustomerView {
  profile: CustomerProfile | undefined;
  relations: RelationRecord[];
  timeline: (TimelineEntry & Record<string, unknown>)[];
  welcomes: Record<string, unknown>[];
}

/** Everything about one customer: one Query over its item collection. */
export async function getCustomer(table: string, externalUserId: string): Promise<CustomerView | undefined> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(
      new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": custPk(externalUserId) }, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  if (items.length === 0) return undefined;
  const bySk = (prefix: string) => items.filter((i) => String(i.sk).startsWith(prefix)).map(stripKeys);
  const profile = items.find((i) => i.sk === "PROFILE");
  return {
    profile: profile ? (stripKeys(profile) as unknown as CustomerProfile) : undefined,
    relations: bySk("REL#") as unknown as RelationRecord[],
    timeline: bySk("TL#") as unknown as CustomerView["timeline"],
    welcomes: bySk("WELCOME#"),
  };
}

export interface CustomerFilter {
  userId?: string;
  channelId?: string;
  tagId?: string;
  /** Inclusive corp-day bounds of the add, as UTC instants. */
  addedFrom?: string;
  addedTo?: string;
  status?: RelationStatus;
  limit: number;
  cursor?: string;
}

/**
 * Relations matching a filter, newest add first, one index chosen by the most selective filter
 * (staff, then channel, then tag, else the month index of `addedTo`); the rest are filter expressions.
 */
export async function listRelations(table: string, f: CustomerFilter): Promise<Page<RelationRecord>> {
  const from = f.addedFrom ?? "0000";
  const to = f.addedTo ? `${f.addedTo}#~` : "9999";
  let index: { name?: string; pkAttr: string; skAttr: string; pk: string; keyAttributes: string[] };
  if (f.userId) index = { name: "gsi1", pkAttr: "gsi1pk", skAttr: "gsi1sk", pk: key("STAFF", f.userId), keyAttributes: ["pk", "sk", "gsi1pk", "gsi1sk"] };
  else if (f.channelId) index = { name: "gsi2", pkAttr: "gsi2pk", skAttr: "gsi2sk", pk: key("CHAN", f.channelId), keyAttributes: ["pk", "sk", "gsi2pk", "gsi2sk"] };
  else if (f.tagId) index = { pkAttr: "pk", skAttr: "sk", pk: key("TAG", f.tagId), keyAttributes: ["pk", "sk"] };
  else {
    const month = (f.addedTo ?? new Date().toISOString()).slice(0, 7);
    index = { name: "gsi3", pkAttr: "gsi3pk", skAttr: "gsi3sk", pk: key("ADDED", month), keyAttributes: ["pk", "sk", "gsi3pk", "gsi3sk"] };
  }
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":pk": index.pk, ":from": from, ":to": to };
  if (f.status && !f.tagId) {
    filters.push("#status = :status");
    names["#status"] = "status";
    values[":status"] = f.status;
  }
  if (f.channelId && index.name !== "gsi2" && !f.tagId) {
    filters.push("channelId = :channel");
    values[":channel"] = f.channelId;
  }
  if (f.tagId && index.pkAttr !== "pk") {
    filters.push("contains(tagIds, :tag)");
    values[":tag"] = f.tagId;
  }
  const page = await queryPage<Record<string, unknown>>({
    TableName: table,
    IndexName: index.name,
    KeyConditionExpression: `${index.pkAttr} = :pk AND ${index.skAttr} BETWEEN :from AND :to`,
    ExpressionAttributeValues: values,
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
    ScanIndexForward: false,
    limit: f.limit,
    cursor: f.cursor,
    keyAttributes: index.keyAttributes,
  });
  let items = page.items;
  if (index.pkAttr === "pk") {
    // tag membership rows point at relations: read them for the current status and channel
    const rels = await Promise.all(items.map((i) => getRelation(table, String(i.externalUserId), String(i.userId))));
    items = rels.filter((r): r is RelationRecord => r !== undefined && (!f.status || r.status === f.status) && (!f.channelId || r.channelId === f.channelId)) as unknown as Record<string, unknown>[];
  }
  return { ...page, items: items.map((i) => stripKeys(i) as unknown as RelationRecord) };
}

/** Reserve the one welcome attempt for an add. False: an earlier delivery already tried (never send twice). */
export async function reserveWelcome(table: string, externalUserId: string, addKey: string, at: string): Promise<boolean> {
  return putIfAbsent(table, { pk: custPk(externalUserId), sk: key("WELCOME", addKey), status: "sending", reservedAt: at });
}

export async function recordWelcome(table: string, externalUserId: string, addKey: string, outcome: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  Object.entries(outcome).forEach(([k, v], i) => {
    if (v === undefined) return;
    names[`#o${i}`] = k;
    values[`:o${i}`] = v;
    sets.push(`#o${i} = :o${i}`);
  });
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: custPk(externalUserId), sk: key("WELCOME", addKey) },
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** Callbacks Siyu does not understand are kept (90 days) for inspection, never rejected. */
export async function storeUnknownEvent(table: string, dedupeKey: string, raw: string, at: Date, event?: string, changeType?: string): Promise<void> {
  await putIfAbsent(table, {
    pk: key("UNKNOWN", at.toISOString().slice(0, 10)),
    sk: dedupeKey,
    raw,
    event,
    changeType,
    receivedAt: at.toISOString(),
    ttl: Math.floor(at.getTime() / 1000) + 90 * 86_400,
  });
}
