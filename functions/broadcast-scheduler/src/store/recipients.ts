/**
 * Per-recipient and per-staff rows of a run. Recipient rows live in one partition per outbox chunk
 * (`U#<runKey>#c#<chunkId>`) and the left-out ones in 16 shard partitions (`U#<runKey>#x#<n>`), so a
 * 100,000-customer run never writes one hot partition, and one chunk's rows are one Query. Staff rows
 * are in the run's partition (`U#<runKey>` / `s#<userId>`). Keys and contents are deterministic, so a
 * retried write rewrites the same rows.
 */
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, documentClient, key, queryAll, queryPrefix } from "@siyu/store";
import type { QuotaHit } from "../domain/audience.ts";
import type { ExclusionReason } from "../domain/audience-types.ts";
import type { RecipientStatus, StaffTaskState } from "../domain/run.ts";
import { runPk } from "./outbox.ts";
import { SHARDS, shardOf } from "./shards.ts";

export interface RecipientRow {
  id: string;
  /** `excluded` rows carry the reason the plan left the recipient out. */
  status: RecipientStatus | "excluded";
  userId?: string;
  chunkId?: string;
  reason?: Exclude<ExclusionReason, "duplicate">;
  quota?: QuotaHit;
  errcode?: number;
  sendTime?: string;
  updatedAt: string;
}

export type { StaffTaskState } from "../domain/run.ts";

export interface StaffRow {
  userId: string;
  task: StaffTaskState;
  chunkIds: string[];
  recipients: number;
  sendTime?: string;
  msgids?: string[];
  updatedAt: string;
}

/** Where a recipient row lives: its chunk's partition, or an excluded shard. */
export type RowPartition = { chunkId: string } | { excludedShard: number };

export const EXCLUDED_SHARDS = SHARDS;

export function partitionPk(runKey: string, p: RowPartition): string {
  return "chunkId" in p ? key("U", runKey, "c", p.chunkId) : key("U", runKey, "x", p.excludedShard);
}

const partitionOf = (r: Pick<RecipientRow, "id" | "chunkId">): RowPartition => (r.chunkId !== undefined ? { chunkId: r.chunkId } : { excludedShard: shardOf(r.id) });
const recipientSk = (id: string) => key("r", id);

export async function putRecipients(table: string, runKey: string, rows: readonly RecipientRow[], concurrency = 8): Promise<void> {
  await batchWrite(table, rows.map((r) => ({ pk: partitionPk(runKey, partitionOf(r)), sk: recipientSk(r.id), ...r })), [], { concurrency });
}

const stripKeys = <T>(i: Record<string, unknown>): T => {
  const { pk: _p, sk: _s, ...rest } = i;
  return rest as T;
};

/** One chunk's recipient rows (to compare a poll's answers with what is stored). */
export async function recipientsOfChunk(table: string, runKey: string, chunkId: string): Promise<RecipientRow[]> {
  return (
    await queryAll<Record<string, unknown>>(
      { TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": partitionPk(runKey, { chunkId }) }, ConsistentRead: true },
      10_000_000,
    )
  ).map((i) => stripKeys<RecipientRow>(i));
}

/** One page of one partition's rows, optionally of one status, from `startKey` (a key this function returned). */
export async function recipientPartitionPage(
  table: string,
  runKey: string,
  p: RowPartition,
  opts: { limit: number; startSk?: string; status?: RecipientRow["status"] },
): Promise<{ items: RecipientRow[]; lastSk?: string }> {
  const pk = partitionPk(runKey, p);
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk, ...(opts.status ? { ":st": opts.status } : {}) },
      ...(opts.status ? { FilterExpression: "#st = :st", ExpressionAttributeNames: { "#st": "status" } } : {}),
      // a status filter reads further per request (a rare status is not one request per row), then trims
      Limit: opts.status ? Math.max(opts.limit, 1000) : opts.limit,
      ...(opts.startSk ? { ExclusiveStartKey: { pk, sk: opts.startSk } } : {}),
    }),
  );
  const all = out.Items ?? [];
  const taken = all.slice(0, opts.limit);
  // trimmed: the page ends at the last row returned; else where DynamoDB stopped reading
  const lastSk = all.length > opts.limit ? (taken[taken.length - 1]!.sk as string) : (out.LastEvaluatedKey?.sk as string | undefined);
  return { items: taken.map((i) => stripKeys<RecipientRow>(i)), ...(lastSk ? { lastSk } : {}) };
}

const staffSk = (userId: string) => key("s", userId);

export async function putStaff(table: string, runKey: string, rows: readonly StaffRow[]): Promise<void> {
  await batchWrite(table, rows.map((r) => ({ pk: runPk(runKey), sk: staffSk(r.userId), ...r })));
}

export async function getStaff(table: string, runKey: string, userId: string): Promise<StaffRow | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: runPk(runKey), sk: staffSk(userId) }, ConsistentRead: true }));
  return out.Item ? stripKeys<StaffRow>(out.Item) : undefined;
}

export async function putOneStaff(table: string, runKey: string, row: StaffRow): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: { pk: runPk(runKey), sk: staffSk(row.userId), ...row } }));
}

export async function staffOf(table: string, runKey: string): Promise<StaffRow[]> {
  return (await queryPrefix(table, runPk(runKey), "s#")).map((i) => stripKeys<StaffRow>(i));
}
