/**
 * Campaigns (`C#<id>` / `meta`, listed newest first through gsi1 `campaigns`), their runs (`C#<id>` /
 * `run#<runKey>`, open ones indexed on gsi2 for the planner's ledger, tracked ones on gsi1 `track` by
 * next poll), and the due list (`due` / `<at>#<runKey>`) the minute job starts runs from.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { AppError, newId } from "@siyu/kernel";
import { assertCursor, batchGet, conditionMet, documentClient, encodeCursor, isConditionalCheckFailed, key, queryAll, queryPrefix, TransactionConflict, transact } from "@siyu/store";
import type { AudienceCounts } from "../domain/audience.ts";
import type { CampaignDefinition } from "../domain/campaign.ts";
import type { RecipientCounts, RunState } from "../domain/run.ts";
import type { CampaignStatus } from "../domain/status.ts";

export const campaignPk = (id: string) => key("C", id);
const META = "meta";
const runSk = (runKey: string) => key("run", runKey);

export interface CampaignRecord {
  campaignId: string;
  definition: CampaignDefinition;
  status: CampaignStatus;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: every change is conditional on the version it read. */
  version: number;
  idempotencyKey?: string;
  requestHash?: string;
  /** The next scheduled run (its instant and key), while there is one. */
  nextRunAt?: string;
  nextRunKey?: string;
  lastRunKey?: string;
  runs: number;
  cancelledAt?: string;
}

export type { RunState } from "../domain/run.ts";

export interface RunRecord {
  runKey: string;
  campaignId: string;
  chatType: "single" | "group";
  at: string;
  deadline: string;
  state: RunState;
  startedAt: string;
  plan: AudienceCounts;
  quietUntil?: string;
  chunks: number;
  recipients: RecipientCounts;
  remindersPlanned: string[];
  remindersDone: string[];
  /** The content and allow_select as the run started (an edit cannot reach a started run). */
  content?: CampaignDefinition["content"];
  allowSelect?: boolean;
  nextPollAt?: string;
  finishedAt?: string;
  updatedAt: string;
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
  return rest as T;
}

const listKeys = (c: Pick<CampaignRecord, "campaignId" | "createdAt">) => ({ gsi1pk: "campaigns", gsi1sk: `${c.createdAt}#${c.campaignId}` });

export async function getCampaign(table: string, campaignId: string): Promise<CampaignRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: campaignPk(campaignId), sk: META }, ConsistentRead: true }));
  return strip<CampaignRecord>(out.Item);
}

/** Store a new campaign and, when it has a run, its due entry, at once; false when the id exists (an idempotent replay). */
export async function insertCampaign(table: string, c: CampaignRecord, due?: { runKey: string; at: string }): Promise<boolean> {
  try {
    await transact([
      { Put: { TableName: table, Item: { pk: campaignPk(c.campaignId), sk: META, ...listKeys(c), ...c }, ConditionExpression: "attribute_not_exists(pk)" } },
      ...(due ? [{ Put: { TableName: table, Item: dueItem(c.campaignId, due.runKey, due.at) } }] : []),
    ]);
    return true;
  } catch (error) {
    if (error instanceof TransactionConflict && error.failedCondition(0)) return false;
    throw error;
  }
}

/**
 * Replace a campaign (edit, cancel, schedule moves) if it is still at `expectedVersion`; due entries to
 * drop and add go in the same transaction. False when another change came first.
 */
export async function replaceCampaign(
  table: string,
  c: CampaignRecord,
  expectedVersion: number,
  dues: { drop?: { runKey: string; at: string }[]; add?: { runKey: string; at: string }[] } = {},
): Promise<boolean> {
  try {
    await transact([
      {
        Put: {
          TableName: table,
          Item: { pk: campaignPk(c.campaignId), sk: META, ...listKeys(c), ...c },
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": expectedVersion },
        },
      },
      ...(dues.drop ?? []).map((d) => ({ Delete: { TableName: table, Key: dueKey(d.runKey, d.at) } })),
      ...(dues.add ?? []).map((d) => ({ Put: { TableName: table, Item: dueItem(c.campaignId, d.runKey, d.at) } })),
    ]);
    return true;
  } catch (error) {
    // another change came first (its condition failed, or it was writing at the same moment)
    if (error instanceof TransactionConflict && error.codes[0] !== "None") return false;
    throw error;
  }
}

/** Queries per page at most when a status filter skips campaigns (the answer's cursor goes on from where it stopped). */
const LIST_QUERIES = 10;

/**
 * Newest first, one page; with `status`, only campaigns in that status. The filter is applied after
 * DynamoDB's limit, so the page is filled by further queries (up to `LIST_QUERIES`): a page may come
 * back short, or empty, with a cursor when few campaigns match.
 */
export async function listCampaigns(table: string, opts: { limit: number; cursor?: string; status?: CampaignStatus }): Promise<{ items: CampaignRecord[]; nextCursor?: string }> {
  let start = assertCursor(opts.cursor, ["pk", "sk", "gsi1pk", "gsi1sk"], { gsi1pk: "campaigns", sk: META }, { attribute: "pk", prefix: "C#" }, { list: "the campaign list" });
  // every key part must be the string this list writes (a number would make DynamoDB refuse the start key)
  if (start && (typeof start.gsi1sk !== "string" || !/^\d{4}-\d{2}-\d{2}T[^#]+#[0-9A-Za-z]+$/.test(start.gsi1sk))) {
    throw new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned for the campaign list", {
      errors: [{ path: "query.cursor", message: "not a cursor returned for the campaign list" }],
    });
  }
  const raw: Record<string, unknown>[] = [];
  for (let n = 0; n < LIST_QUERIES && raw.length < opts.limit; n++) {
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :p",
        ...(opts.status
          ? { FilterExpression: "#st = :st", ExpressionAttributeNames: { "#st": "status" }, ExpressionAttributeValues: { ":p": "campaigns", ":st": opts.status } }
          : { ExpressionAttributeValues: { ":p": "campaigns" } }),
        ScanIndexForward: false,
        Limit: opts.limit,
        ExclusiveStartKey: start,
      }),
    );
    raw.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) break;
  }
  // a filtered page may gather more than asked: the cursor then starts after the last item kept
  if (raw.length > opts.limit) {
    raw.length = opts.limit;
    const last = raw[raw.length - 1]!;
    start = { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk };
  }
  const nextCursor = encodeCursor(start);
  return { items: raw.map((i) => strip<CampaignRecord>(i)!), ...(nextCursor ? { nextCursor } : {}) };
}

/** The runs named by (campaign, run key) pairs, in one batch read; missing ones are left out. */
export async function runsByKey(table: string, keys: readonly { campaignId: string; runKey: string }[]): Promise<RunRecord[]> {
  const items = await batchGet<Record<string, unknown>>(table, keys.map((k) => ({ pk: campaignPk(k.campaignId), sk: runSk(k.runKey) })), { consistent: true });
  return items.map((i) => strip<RunRecord>(i)!);
}

// ───────────── runs ─────────────

const openKeys = (r: RunRecord) => (r.state === "done" || r.state === "cancelled" ? {} : { gsi2pk: key("open", r.chatType), gsi2sk: r.runKey });
const trackKeys = (r: RunRecord) => (r.state === "tracking" && r.nextPollAt ? { gsi1pk: "track", gsi1sk: `${r.nextPollAt}#${r.runKey}` } : {});

function runItem(r: RunRecord) {
  return { pk: campaignPk(r.campaignId), sk: runSk(r.runKey), ...openKeys(r), ...trackKeys(r), ...r };
}

/** Create a run; false when it exists (a redelivered or duplicated trigger of the same scheduled instant). */
export async function insertRun(table: string, r: RunRecord): Promise<boolean> {
  try {
    await documentClient().send(new PutCommand({ TableName: table, Item: runItem(r), ConditionExpression: "attribute_not_exists(pk)" }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Take over a start that died while planning: replace its run row only if it is still the one read. */
export async function takeOverPlanning(table: string, stale: RunRecord, fresh: RunRecord): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new PutCommand({ TableName: table, Item: runItem(fresh), ConditionExpression: "#s = :planning AND updatedAt = :was", ExpressionAttributeNames: { "#s": "state" }, ExpressionAttributeValues: { ":planning": "planning", ":was": stale.updatedAt } }),
    ),
  );
}

/** The key of a run's row (for a transaction that changes it with another item). */
export const runItemKey = (campaignId: string, runKey: string) => ({ pk: campaignPk(campaignId), sk: runSk(runKey) });

/** Replace a run's recipient counts with ones counted afresh (the tracker's reconciliation of every row). */
export async function setRunCounts(table: string, campaignId: string, runKey: string, counts: RecipientCounts): Promise<void> {
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: runItemKey(campaignId, runKey), UpdateExpression: "SET recipients = :c", ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":c": counts } }),
  );
}

export async function getRun(table: string, campaignId: string, runKey: string): Promise<RunRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: campaignPk(campaignId), sk: runSk(runKey) }, ConsistentRead: true }));
  return strip<RunRecord>(out.Item);
}

/** Write a run's new state (the whole record: the indexes follow its state). */
export async function putRun(table: string, r: RunRecord): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: runItem(r) }));
}

export async function runsOf(table: string, campaignId: string): Promise<RunRecord[]> {
  return (await queryPrefix(table, campaignPk(campaignId), "run#")).map((i) => strip<RunRecord>(i)!);
}

/** Runs not done yet, of one kind (their planned recipients count in the ledger). */
export async function openRuns(table: string, chatType: "single" | "group"): Promise<{ campaignId: string; runKey: string }[]> {
  return queryAll<{ campaignId: string; runKey: string }>({
    TableName: table,
    IndexName: "gsi2",
    KeyConditionExpression: "gsi2pk = :p",
    ExpressionAttributeValues: { ":p": key("open", chatType) },
  });
}

/** Runs whose next poll is due at `now`. */
export async function runsToPoll(table: string, now: Date, limit = 50): Promise<{ campaignId: string; runKey: string }[]> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p AND gsi1sk <= :now",
      ExpressionAttributeValues: { ":p": "track", ":now": `${now.toISOString()}#~` },
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => ({ campaignId: i.campaignId as string, runKey: i.runKey as string }));
}

/** Add to a run's recipient counts and move its state on (atomic counters: concurrent chunk sends add up). */
export async function addRunCounts(table: string, campaignId: string, runKey: string, delta: Partial<RecipientCounts>): Promise<void> {
  const entries = Object.entries(delta).filter(([, v]) => v !== 0 && v !== undefined);
  if (entries.length === 0) return;
  const names: Record<string, string> = { "#r": "recipients" };
  const values: Record<string, number> = {};
  const parts = entries.map(([k, v], i) => {
    names[`#k${i}`] = k;
    values[`:v${i}`] = v!;
    return `#r.#k${i} = #r.#k${i} + :v${i}`;
  });
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: { pk: campaignPk(campaignId), sk: runSk(runKey) }, UpdateExpression: `SET ${parts.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
  );
}

// ───────────── due runs ─────────────

const DUE = "due";
const dueKey = (runKey: string, at: string) => ({ pk: DUE, sk: `${at}#${key(runKey)}` });
const dueItem = (campaignId: string, runKey: string, at: string) => ({ ...dueKey(runKey, at), campaignId, runKey, at });

export async function putDue(table: string, campaignId: string, runKey: string, at: string): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: dueItem(campaignId, runKey, at) }));
}

export async function dropDue(table: string, runKey: string, at: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: table, Key: dueKey(runKey, at) }));
}

/** Runs due at `now` (their instant has come). */
export async function dueRuns(table: string, now: Date, limit = 100): Promise<{ campaignId: string; runKey: string; at: string }[]> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :p AND sk <= :now",
      ExpressionAttributeValues: { ":p": DUE, ":now": `${now.toISOString()}#~` },
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => ({ campaignId: i.campaignId as string, runKey: i.runKey as string, at: i.at as string }));
}


/**
 * Move a run on without touching its counters (concurrent chunk sends add to them): its next poll
 * (the tracking index follows), the reminders done, or its close (both indexes dropped).
 */
export async function updateRunProgress(
  table: string,
  r: Pick<RunRecord, "campaignId" | "runKey">,
  change: { nextPollAt: string; remindersDone: string[]; at: string } | { closed: "done" | "cancelled"; remindersDone: string[]; at: string },
): Promise<void> {
  const values: Record<string, unknown> = { ":rd": change.remindersDone, ":at": change.at };
  let expr: string;
  if ("closed" in change) {
    Object.assign(values, { ":s": change.closed });
    expr = "SET #s = :s, remindersDone = :rd, updatedAt = :at, finishedAt = :at REMOVE nextPollAt, gsi1pk, gsi1sk, gsi2pk, gsi2sk";
  } else {
    Object.assign(values, { ":n": change.nextPollAt, ":t": "track", ":k": `${change.nextPollAt}#${r.runKey}`, ":tracking": "tracking" });
    expr = "SET #s = :tracking, nextPollAt = :n, gsi1pk = :t, gsi1sk = :k, remindersDone = :rd, updatedAt = :at";
  }
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: campaignPk(r.campaignId), sk: runSk(r.runKey) },
      UpdateExpression: expr,
      ExpressionAttributeNames: { "#s": "state" },
      ExpressionAttributeValues: values,
    }),
  );
}

/**
 * Take a run's poll lease until `until` (conditional), under a token of the caller's: two pollers (the
 * minute job, a cancel, a sync) never read and count the same answers twice. Undefined while another
 * holds it. The holder renews it as it goes and releases only its own.
 */
export async function takePollLease(table: string, r: Pick<RunRecord, "campaignId" | "runKey">, now: Date, until: Date): Promise<string | undefined> {
  const token = newId();
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: campaignPk(r.campaignId), sk: runSk(r.runKey) },
        UpdateExpression: "SET pollLease = :until, pollToken = :t",
        ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(pollLease) OR pollLease < :now)",
        ExpressionAttributeValues: { ":until": until.toISOString(), ":now": now.toISOString(), ":t": token },
      }),
    );
    return token;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** Extend the lease this token holds; false when it was lost (expired and taken by another poller). */
export async function renewPollLease(table: string, r: Pick<RunRecord, "campaignId" | "runKey">, token: string, until: Date): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: campaignPk(r.campaignId), sk: runSk(r.runKey) },
        UpdateExpression: "SET pollLease = :until",
        ConditionExpression: "pollToken = :t",
        ExpressionAttributeValues: { ":until": until.toISOString(), ":t": token },
      }),
    ),
  );
}

export async function releasePollLease(table: string, r: Pick<RunRecord, "campaignId" | "runKey">, token: string): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: campaignPk(r.campaignId), sk: runSk(r.runKey) },
        UpdateExpression: "REMOVE pollLease, pollToken",
        ConditionExpression: "pollToken = :t",
        ExpressionAttributeValues: { ":t": token },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
