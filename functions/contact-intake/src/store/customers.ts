import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { AppError } from "@siyu/kernel";
import { assignClauses, decodeCursor, documentClient, encodeCursor, isConditionalCheckFailed, key, putIfAbsent, queryAll, type Page } from "@siyu/store";
import { type CustomerListPlan, decodeListCursor, encodeListCursor, invalidCursor, type ListCursor, type ListSource, matchesResidual, monthOf, monthsToRead } from "../domain/customers.ts";
import type { RelationStatus, RelationUpdate, TimelineEntry } from "../domain/events.ts";
import type { TagStatus } from "../domain/followups.ts";
import { batchGet, batchWrite } from "./batch.ts";

/**
 * Customers, their follow relations and their timeline live in one item collection per customer:
 *   pk `CUST#<externalUserId>`: sk `PROFILE` (name, unionid, type, avatar…), sk `REL#<userId>` (one per staff
 *   member), sk `TL#<at>#<id>` (timeline), sk `WELCOME#<addKey>` (welcome outcome), sk `XFER#<plannedAt>#<transferId>`
 *   (the customer's transfers, see transfers.ts).
 * Relations carry three index keys for the customer list: gsi1 by staff (`STAFF#<userId>`), gsi2 by channel
 * (`CHAN#<channelId>`), gsi3 by UTC month of the add (`ADDED#<YYYY-MM>`); every sort key is
 * `<addedAt>#<externalUserId>#<userId>`, so an added-date range is a key condition, never a Scan. Tag membership
 * items (`TAG#<tagId>` / `<addedAt>#<externalUserId>#<userId>`) serve the tag filter; `META` / `ADDED_MONTHS`
 * lists the months that hold relations.
 */
export const custPk = (externalUserId: string) => key("CUST", externalUserId);

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

export const timelineItem = (e: TimelineEntry): Record<string, unknown> => ({ pk: custPk(e.externalUserId), sk: key("TL", e.at, e.id), ...e });

/** A welcome's outcome, as the item that replaces its reservation (undefined fields are dropped by the document client). */
export const welcomeItem = (externalUserId: string, addKey: string, outcome: Record<string, unknown>): { pk: string; sk: string } & Record<string, unknown> => ({
  pk: custPk(externalUserId),
  sk: key("WELCOME", addKey),
  ...outcome,
});

/** Timeline entries have deterministic keys and content: writing one again is harmless. */
export async function appendTimeline(table: string, entries: readonly TimelineEntry[]): Promise<void> {
  await batchWrite(table, entries.map(timelineItem));
}

/**
 * One write to the customer's `PROFILE`: the fields from externalcontact/get (when fetched) and, when a
 * relation change was applied, `lastEventAt` (and `firstSeenAt` the first time).
 */
export async function writeProfile(
  table: string,
  externalUserId: string,
  w: { profile?: Omit<CustomerProfile, "externalUserId" | "firstSeenAt" | "lastEventAt">; syncedAt?: string; eventAt?: string },
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":id": externalUserId };
  const sets = ["externalUserId = :id"];
  const first = w.eventAt ?? w.syncedAt;
  if (first) {
    values[":first"] = first;
    sets.push("firstSeenAt = if_not_exists(firstSeenAt, :first)");
    sets.push(w.eventAt ? "lastEventAt = :first" : "lastEventAt = if_not_exists(lastEventAt, :first)");
  }
  const fields: Record<string, unknown> = { ...(w.profile ?? {}) };
  if (w.profile && w.syncedAt) fields.profileSyncedAt = w.syncedAt;
  sets.push(...assignClauses(fields, "f", { names, values }));
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: custPk(externalUserId), sk: "PROFILE" },
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: values,
    }),
  );
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
 * Does nothing when the relation is unknown.
 */
export async function setRelationTags(table: string, externalUserId: string, userId: string, tagIds: readonly string[]): Promise<{ added: string[]; removed: string[] } | undefined> {
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
  return { added, removed };
}

/**
 * A follow-up's result on a relation's channel tags: `tagIds` (when applied) join the relation's tags
 * and the tag filter's rows, and `tagStatus` says where the add's tags stand. Nothing when the relation
 * is unknown or no longer the one the add made (a later re-add starts its own tags).
 */
export async function recordRelationTags(
  table: string,
  w: { externalUserId: string; userId: string; tagStatus: TagStatus; applied?: readonly string[] },
): Promise<boolean> {
  const rel = await getRelation(table, w.externalUserId, w.userId);
  if (rel?.status !== "active") return false;
  const tagIds = [...new Set([...(rel.tagIds ?? []), ...(w.applied ?? [])])];
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: custPk(w.externalUserId), sk: key("REL", w.userId) },
        UpdateExpression: "SET tagIds = :t, tagStatus = :s",
        // only the relation that was read: a concurrent re-add or loss keeps its own state
        ConditionExpression: "statusAt = :at",
        ExpressionAttributeValues: { ":t": tagIds, ":s": w.tagStatus, ":at": rel.statusAt },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
  if (w.applied?.length) await batchWrite(table, tagMembershipItems(rel, w.applied));
  return true;
}

// ───────────────────────────── customer detail ─────────────────────────────

export interface CustomerDetail {
  profile: CustomerProfile | undefined;
  relations: RelationRecord[];
  /** Newest first, one page. */
  timeline: (TimelineEntry & Record<string, unknown>)[];
  timelineNextCursor?: string;
  welcomes: Record<string, unknown>[];
  transfers: Record<string, unknown>[];
}

async function collection(table: string, externalUserId: string, prefix: string): Promise<Record<string, unknown>[]> {
  const items = await queryAll<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p AND begins_with(sk, :s)",
    ExpressionAttributeValues: { ":p": custPk(externalUserId), ":s": prefix },
  });
  return items.map(stripKeys);
}

/**
 * Everything about one customer: profile, relations, welcome outcomes and transfers (small,
 * bounded sets) and one page of the timeline, newest first. Undefined when Siyu has never seen them.
 */
export async function getCustomerDetail(
  table: string,
  externalUserId: string,
  timeline: { limit: number; cursor?: string | undefined },
): Promise<CustomerDetail | undefined> {
  const pk = custPk(externalUserId);
  let start: Record<string, unknown> | undefined;
  if (timeline.cursor) {
    const k = decodeCursor(timeline.cursor, ["pk", "sk"]);
    if (!k || k.pk !== pk || !String(k.sk).startsWith("TL#")) {
      throw new AppError(400, "invalid-cursor", "Invalid cursor", "the timeline cursor is not one this API returned for this customer", {
        errors: [{ path: "query.timelineCursor", message: "not a cursor returned for this customer" }],
      });
    }
    start = k;
  }
  const [profileOut, relations, welcomes, transfers, tl] = await Promise.all([
    documentClient().send(new GetCommand({ TableName: table, Key: { pk, sk: "PROFILE" } })),
    collection(table, externalUserId, "REL#"),
    collection(table, externalUserId, "WELCOME#"),
    collection(table, externalUserId, "XFER#"),
    documentClient().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues: { ":p": pk, ":s": "TL#" },
        ScanIndexForward: false,
        Limit: timeline.limit,
        ExclusiveStartKey: start,
      }),
    ),
  ]);
  if (!profileOut.Item && relations.length === 0) return undefined;
  const detail: CustomerDetail = {
    profile: profileOut.Item ? (stripKeys(profileOut.Item) as unknown as CustomerProfile) : undefined,
    relations: relations as unknown as RelationRecord[],
    timeline: (tl.Items ?? []).map(stripKeys) as unknown as CustomerDetail["timeline"],
    welcomes,
    transfers: transfers.sort((a, b) => (String(a.plannedAt) < String(b.plannedAt) ? 1 : -1)),
  };
  const next = encodeCursor(tl.LastEvaluatedKey);
  if (next) detail.timelineNextCursor = next;
  return detail;
}

/** Profiles of many customers (for list rows). */
export async function getProfiles(table: string, externalUserIds: readonly string[]): Promise<Map<string, CustomerProfile>> {
  const items = await batchGet<Record<string, unknown>>(
    table,
    externalUserIds.map((id) => ({ pk: custPk(id), sk: "PROFILE" })),
  );
  return new Map(items.map((i) => [String(i.externalUserId), stripKeys(i) as unknown as CustomerProfile]));
}

// ───────────────────────────── the customer list ─────────────────────────────

/**
 * Months (UTC, `YYYY-MM`) that hold at least one relation, so the month-of-add index can be walked
 * without visiting empty months. A string set on one item, added to (idempotently) by every write
 * that sets a relation's add time; each container remembers what it already added.
 */
const MONTHS_KEY = { pk: "META", sk: "ADDED_MONTHS" };
const monthsRecorded = new Set<string>();

export async function recordAddedMonth(table: string, month: string): Promise<void> {
  const memo = `${table}|${month}`;
  if (monthsRecorded.has(memo)) return;
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: MONTHS_KEY, UpdateExpression: "ADD months :m", ExpressionAttributeValues: { ":m": new Set([month]) } }),
  );
  monthsRecorded.add(memo);
}

export async function knownAddedMonths(table: string): Promise<string[]> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: MONTHS_KEY, ConsistentRead: true }));
  const months = out.Item?.months as Set<string> | string[] | undefined;
  return months ? [...months] : [];
}

interface IndexSpec {
  indexName?: string;
  pkAttr: string;
  skAttr: string;
  keyAttributes: string[];
}

const INDEX: Record<ListSource["kind"], IndexSpec> = {
  staff: { indexName: "gsi1", pkAttr: "gsi1pk", skAttr: "gsi1sk", keyAttributes: ["pk", "sk", "gsi1pk", "gsi1sk"] },
  channel: { indexName: "gsi2", pkAttr: "gsi2pk", skAttr: "gsi2sk", keyAttributes: ["pk", "sk", "gsi2pk", "gsi2sk"] },
  tag: { pkAttr: "pk", skAttr: "sk", keyAttributes: ["pk", "sk"] },
  added: { indexName: "gsi3", pkAttr: "gsi3pk", skAttr: "gsi3sk", keyAttributes: ["pk", "sk", "gsi3pk", "gsi3sk"] },
};

function partitionOf(source: ListSource, month?: string): string {
  switch (source.kind) {
    case "staff":
      return key("STAFF", source.userId);
    case "channel":
      return key("CHAN", source.channelId);
    case "tag":
      return key("TAG", source.tagId);
    case "added":
      return key("ADDED", month!);
  }
}

/** Bounds on one request's work when filters discard most rows: the page may come back short, with a cursor. */
const MAX_ROUNDS = 10;
const MAX_EVALUATED = 2000;

export interface RelationRow extends RelationRecord {
  name?: string;
}

/**
 * One page of follow relations for a planned query (see domain `planCustomerList`): newest add
 * first, read from one index partition at a time (Query, never Scan), filling the page across
 * partitions (months) and filtered reads, with a cursor that resumes exactly after the last row
 * returned.
 */
export async function listRelations(table: string, plan: CustomerListPlan, cursor?: string): Promise<Page<RelationRow>> {
  const spec = INDEX[plan.source.kind];
  const months = plan.source.kind === "added" ? monthsToRead(await knownAddedMonths(table), plan.fromInstant, plan.toExclusive) : undefined;
  let state: ListCursor = { f: plan.fingerprint };
  if (cursor) {
    state = decodeListCursor(cursor, {
      fingerprint: plan.fingerprint,
      keyAttributes: spec.keyAttributes,
      sortKeyAttribute: spec.skAttr,
      skFrom: plan.skFrom,
      skTo: plan.skTo,
      ...(months ? { months } : {}),
    });
    // the key must be in the partition it will be used on (DynamoDB rejects a foreign start key)
    if (state.k && state.k[spec.pkAttr] !== partitionOf(plan.source, state.m)) throw invalidCursor("the cursor is not one this API returned");
  } else if (months) {
    if (months.length === 0) return { items: [] };
    state.m = months[0]!;
  }

  // filters the index cannot apply as a key condition, pushed into the Query where the row is the relation
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const r = plan.residual;
  if (plan.source.kind !== "tag") {
    if (r.status) {
      filters.push("#status = :status");
      names["#status"] = "status";
      values[":status"] = r.status;
    }
    if (r.channelId) {
      filters.push("channelId = :channel");
      values[":channel"] = r.channelId;
    }
    if (r.tagId) {
      filters.push("contains(tagIds, :tag)");
      values[":tag"] = r.tagId;
    }
  }

  const items: RelationRecord[] = [];
  let evaluated = 0;
  let done = false;
  for (let round = 0; round < MAX_ROUNDS && items.length < plan.limit && evaluated < MAX_EVALUATED; round++) {
    const remaining = plan.limit - items.length;
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        IndexName: spec.indexName,
        KeyConditionExpression: `${spec.pkAttr} = :pk AND ${spec.skAttr} BETWEEN :from AND :to`,
        ExpressionAttributeValues: { ":pk": partitionOf(plan.source, state.m), ":from": plan.skFrom, ":to": plan.skTo, ...values },
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
        ScanIndexForward: false,
        // with filters, read ahead a little: rows past the page are not lost, the cursor points at the last row returned
        Limit: filters.length || plan.source.kind === "tag" ? Math.max(remaining, 25) : remaining,
        ExclusiveStartKey: state.k,
      }),
    );
    evaluated += out.ScannedCount ?? 0;
    const rows = (out.Items ?? []) as Record<string, unknown>[];
    let relations: (RelationRecord | undefined)[];
    if (plan.source.kind === "tag") {
      relations = await relationsOfMembershipRows(table, rows, plan.source.tagId);
    } else {
      relations = rows.map((i) => stripKeys(i) as unknown as RelationRecord);
    }
    let stopAt = -1;
    for (let i = 0; i < rows.length; i++) {
      const rel = relations[i];
      if (!rel || !matchesResidual(rel, r)) continue;
      items.push(rel);
      if (items.length === plan.limit) {
        stopAt = i;
        break;
      }
    }
    if (stopAt >= 0 && (stopAt < rows.length - 1 || out.LastEvaluatedKey)) {
      // the page is full inside what this Query read: resume right after the last row returned
      const last = rows[stopAt]!;
      state.k = Object.fromEntries(spec.keyAttributes.map((a) => [a, last[a] as string]));
      break;
    }
    if (out.LastEvaluatedKey) {
      state.k = out.LastEvaluatedKey as Record<string, string>;
    } else {
      // this partition is exhausted: on to the next month, or the end
      const next = months ? months[months.indexOf(state.m!) + 1] : undefined;
      if (next === undefined) {
        done = true;
        break;
      }
      state = { f: state.f, m: next };
    }
  }

  const profiles = await getProfiles(table, items.map((i) => i.externalUserId));
  const out: RelationRow[] = items.map((rel) => {
    const name = profiles.get(rel.externalUserId)?.name;
    return name === undefined ? rel : { ...rel, name };
  });
  return done ? { items: out } : { items: out, nextCursor: encodeListCursor(state) };
}

/** The relations behind tag membership rows, undefined where the row is stale (tag removed or relation re-added since). */
async function relationsOfMembershipRows(table: string, rows: Record<string, unknown>[], tagId: string): Promise<(RelationRecord | undefined)[]> {
  const found = await batchGet<Record<string, unknown>>(
    table,
    rows.map((row) => ({ pk: custPk(String(row.externalUserId)), sk: key("REL", String(row.userId)) })),
  );
  const byKey = new Map(found.map((i) => [`${i.externalUserId}\u0000${i.userId}`, stripKeys(i) as unknown as RelationRecord]));
  return rows.map((row) => {
    const rel = byKey.get(`${row.externalUserId}\u0000${row.userId}`);
    if (!rel || rel.addedAt !== row.addedAt || !(rel.tagIds ?? []).includes(tagId)) return undefined;
    return rel;
  });
}

/** Reserve the one welcome attempt for an add. False: an earlier delivery already tried (never send twice). */
export async function reserveWelcome(table: string, externalUserId: string, addKey: string, at: string): Promise<boolean> {
  return putIfAbsent(table, { pk: custPk(externalUserId), sk: key("WELCOME", addKey), status: "sending", reservedAt: at });
}

/** A sent (or failed) welcome's outcome, over its own reservation. */
export async function putWelcomeOutcome(table: string, item: ReturnType<typeof welcomeItem>): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: item }));
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
