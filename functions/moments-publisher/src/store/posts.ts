/**
 * moments-publisher's table (one per service):
 * - a post: `MP#<postId>` / `meta` (listed newest first through gsi1 `posts`);
 * - its runs: `MP#<postId>` / `run#<at>` — each run row is the run's outbox (claimed before
 *   `add_moment_task`) and carries its next action instant in gsi2 (`due` / `<dueAt>#<postId>#<at>`),
 *   which the per-minute job reads; a run with nothing left to do leaves the index;
 * - the day index `MPD#<corp day>` / `<at>#<postId>`: every scheduled run with its audience, for
 *   planning against the daily limits;
 * - the corp-wide limiter `MPL` / `add_moment_task` (recent call instants, written if unchanged);
 * - settings `MPS` / `settings`; loss facts `MPX#<externalUserId>` / `<userId>#<lostAt>` (from
 *   contact-intake's `contact.lost`, kept 60 days).
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { AppError } from "@siyu/kernel";
import { assertCursor, batchGet, batchWrite, conditionMet, documentClient, encodeCursor, key, mutateVersioned, queryAll, queryPrefix, ttlAfter } from "@siyu/store";
import type { RunAudience, ScheduledRun } from "../domain/plan.ts";
import type { PostDefinition, PostState } from "../domain/post.ts";
import type { RunRecord } from "../domain/run.ts";

const postPk = (postId: string) => key("MP", postId);
const runSk = (at: string) => key("run", at);
const dayPk = (day: string) => key("MPD", day);
const LIMITER = { pk: "MPL", sk: "add_moment_task" };
const SETTINGS = { pk: "MPS", sk: "settings" };
const lostPk = (externalUserId: string) => key("MPX", externalUserId);
const LOST_KEEP_SECONDS = 60 * 86_400;

export interface PostRecord {
  postId: string;
  definition: PostDefinition;
  state: PostState;
  /** A run was handed to WeCom: the definition can no longer change. */
  started: boolean;
  runs: number;
  refused: { at: string; reason: string; detail: string }[];
  version: number;
  createdAt: string;
  updatedAt: string;
  idempotencyKey?: string;
  requestHash?: string;
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _p, sk: _s, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
  return rest as T;
}

export async function getPost(table: string, postId: string): Promise<PostRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: postPk(postId), sk: "meta" }, ConsistentRead: true }));
  return strip<PostRecord>(out.Item);
}

/** Put a post if absent (create) or if still at `expectedVersion`; false when another write came first. */
export function putPost(table: string, p: PostRecord, expectedVersion?: number): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new PutCommand({
        TableName: table,
        Item: { pk: postPk(p.postId), sk: "meta", gsi1pk: "posts", gsi1sk: `${p.createdAt}#${p.postId}`, ...p },
        ...(expectedVersion === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": expectedVersion } }),
      }),
    ),
  );
}

/** Change a post by a function of its current state (re-read and retried when another write came first). */
export const mutatePost = (table: string, postId: string, change: (p: PostRecord) => PostRecord | undefined, now: string): Promise<PostRecord | undefined> =>
  mutateVersioned(() => getPost(table, postId), (next, v) => putPost(table, next, v), change, now, `moment post ${postId}`);

/**
 * Posts newest first. With `state`, a filter on the page read: a page may hold fewer than `limit`
 * posts (even none) and still have a next cursor — the list goes on until `nextCursor` is absent.
 */
export async function listPosts(table: string, opts: { limit: number; cursor?: string | undefined; state?: PostState | undefined }): Promise<{ items: PostRecord[]; nextCursor?: string }> {
  const start = assertCursor(opts.cursor, ["pk", "sk", "gsi1pk", "gsi1sk"], { gsi1pk: "posts", sk: "meta" }, { attribute: "pk", prefix: "MP#" }, { list: "the moment list" });
  if (start && typeof start.gsi1sk !== "string") throw new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned for the moment list");
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": "posts", ...(opts.state ? { ":s": opts.state } : {}) },
      ...(opts.state ? { FilterExpression: "#state = :s", ExpressionAttributeNames: { "#state": "state" } } : {}),
      ScanIndexForward: false,
      Limit: opts.limit,
      ExclusiveStartKey: start,
    }),
  );
  const nextCursor = encodeCursor(out.LastEvaluatedKey);
  return { items: (out.Items ?? []).map((i) => strip<PostRecord>(i)!), ...(nextCursor ? { nextCursor } : {}) };
}

// ── runs ──────────────────────────────────────────────────────────────────────

const dueKeys = (r: RunRecord, dueAt: string | undefined) => (dueAt ? { gsi2pk: "due", gsi2sk: `${dueAt}#${r.postId}#${r.at}` } : {});

export async function getRun(table: string, postId: string, at: string): Promise<RunRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: postPk(postId), sk: runSk(at) }, ConsistentRead: true }));
  return strip<RunRecord & { version: number }>(out.Item);
}

export async function runsOf(table: string, postId: string): Promise<(RunRecord & { version: number })[]> {
  return (await queryPrefix<Record<string, unknown>>(table, postPk(postId), "run#")).map((i) => strip<RunRecord & { version: number }>(i)!);
}

/** Write new runs (a planned post's occurrences) with their due instants; a retry rewrites the same. */
export async function putNewRuns(table: string, runs: readonly RunRecord[], dueAt: (r: RunRecord) => string | undefined): Promise<void> {
  await batchWrite(
    table,
    runs.map((r) => ({ pk: postPk(r.postId), sk: runSk(r.at), ...dueKeys(r, dueAt(r)), ...r, version: 1 })),
  );
}

/**
 * Replace a run if it is still at `version` (every state change is conditional: two workers never
 * both move one run), with its next due instant (none: it leaves the due index).
 */
export async function putRun(table: string, r: RunRecord, version: number, dueAt: string | undefined): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new PutCommand({
        TableName: table,
        Item: { pk: postPk(r.postId), sk: runSk(r.at), ...dueKeys(r, dueAt), ...r, version: version + 1 },
        ConditionExpression: "version = :v",
        ExpressionAttributeValues: { ":v": version },
      }),
    ),
  );
}

/** Runs whose next action is due by `now` (the per-minute job), oldest first. */
export async function dueRuns(table: string, now: Date, limit = 1000): Promise<{ postId: string; at: string; dueAt: string }[]> {
  const items = await queryAll<Record<string, unknown>>(
    { TableName: table, IndexName: "gsi2", KeyConditionExpression: "gsi2pk = :d AND gsi2sk <= :now", ExpressionAttributeValues: { ":d": "due", ":now": `${now.toISOString()}#~` } },
    limit,
  );
  return items.map((i) => ({ postId: String(i.postId), at: String(i.at), dueAt: String(i.gsi2sk).slice(0, String(i.gsi2sk).indexOf("#")) }));
}

// ── the day index (planning) ──────────────────────────────────────────────────

export async function scheduledOn(table: string, days: readonly string[]): Promise<ScheduledRun[]> {
  const out: ScheduledRun[] = [];
  for (const day of new Set(days)) {
    const items = await queryAll<ScheduledRun & { pk: string; sk: string }>({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": dayPk(day) }, ConsistentRead: true }, 100_000);
    out.push(...items.map(({ pk: _p, sk: _s, ...r }) => r));
  }
  return out;
}

export async function indexRuns(table: string, entries: readonly { day: string; at: string; postId: string; audience: RunAudience }[]): Promise<void> {
  await batchWrite(
    table,
    entries.map((e) => ({ pk: dayPk(e.day), sk: `${e.at}#${e.postId}`, postId: e.postId, at: e.at, ...e.audience })),
  );
}

export async function unindexRuns(table: string, entries: readonly { day: string; at: string; postId: string }[]): Promise<void> {
  await batchWrite(table, [], entries.map((e) => ({ pk: dayPk(e.day), sk: `${e.at}#${e.postId}` })));
}

// ── the limiter ───────────────────────────────────────────────────────────────

export async function readLimiter(table: string): Promise<{ recent: number[]; version: number }> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: LIMITER, ConsistentRead: true }));
  return { recent: (out.Item?.recent as number[] | undefined) ?? [], version: (out.Item?.version as number | undefined) ?? 0 };
}

export function writeLimiter(table: string, recent: readonly number[], version: number): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new PutCommand({
        TableName: table,
        Item: { ...LIMITER, recent: [...recent], version: version + 1 },
        ...(version === 0 ? { ConditionExpression: "attribute_not_exists(pk)" } : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": version } }),
      }),
    ),
  );
}

// ── settings and loss facts ───────────────────────────────────────────────────

export interface MomentSettings {
  customerPostsPerDay: number;
  updatedAt?: string;
}

export async function readSettings(table: string): Promise<MomentSettings | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: SETTINGS, ConsistentRead: true }));
  return strip<MomentSettings>(out.Item);
}

export async function writeSettings(table: string, s: MomentSettings): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: { ...SETTINGS, ...s } }));
}

/** A customer deleted a member (one row per pair; every loss instant kept, for a re-added customer). */
export async function putLost(table: string, f: { userId: string; externalUserId: string; lostAt: string }): Promise<void> {
  // a redelivered event finds its instant recorded (the condition fails, nothing changes)
  await conditionMet(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: lostPk(f.externalUserId), sk: f.userId },
        UpdateExpression: "SET lostAts = list_append(if_not_exists(lostAts, :none), :at), userId = :u, externalUserId = :e, #ttl = :ttl",
        ConditionExpression: "attribute_not_exists(lostAts) OR NOT contains(lostAts, :one)",
        ExpressionAttributeNames: { "#ttl": "ttl" },
        ExpressionAttributeValues: { ":none": [], ":at": [f.lostAt], ":one": f.lostAt, ":u": f.userId, ":e": f.externalUserId, ":ttl": ttlAfter(new Date(f.lostAt), LOST_KEEP_SECONDS) },
      }),
    ),
  );
}

/** The loss facts of these (member, customer) pairs, 100 a request. */
export async function lostOf(table: string, pairs: readonly { userId: string; externalUserId: string }[]): Promise<{ userId: string; externalUserId: string; lostAt: string }[]> {
  const items = await batchGet<Record<string, unknown>>(table, pairs.map((p) => ({ pk: lostPk(p.externalUserId), sk: p.userId })));
  return items.flatMap((i) => ((i.lostAts as string[] | undefined) ?? []).map((lostAt) => ({ userId: String(i.userId), externalUserId: String(i.externalUserId), lostAt })));
}
