/**
 * Per-recipient and per-staff rows of a run, in the run's partition: `r#<id>` (status, the member it
 * is routed to, a left-out customer's reason) and `s#<userId>` (the member's task). Written in
 * batches: their keys and contents are deterministic, so a retried write rewrites the same rows.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { assertCursor, batchWrite, documentClient, encodeCursor, key, queryPrefix } from "@siyu/store";
import type { QuotaHit } from "../domain/audience.ts";
import type { ExclusionReason } from "../domain/audience-types.ts";
import type { RecipientStatus } from "../domain/run.ts";
import { runPk } from "./outbox.ts";

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

export type StaffTaskState = "planned" | "waiting" | "sent" | "cancelled" | "failed";

export interface StaffRow {
  userId: string;
  task: StaffTaskState;
  chunkIds: string[];
  recipients: number;
  sendTime?: string;
  msgids?: string[];
  updatedAt: string;
}

/** Rows sort by chunk (`x` for left-out recipients), so one chunk's rows are one Query. */
const recipientSk = (r: Pick<RecipientRow, "id" | "chunkId">) => key("r", r.chunkId ?? "x", r.id);
const staffSk = (userId: string) => key("s", userId);

export async function putRecipients(table: string, runKey: string, rows: readonly RecipientRow[], concurrency = 8): Promise<void> {
  await batchWrite(table, rows.map((r) => ({ pk: runPk(runKey), sk: recipientSk(r), ...r })), [], { concurrency });
}

export async function putStaff(table: string, runKey: string, rows: readonly StaffRow[]): Promise<void> {
  await batchWrite(table, rows.map((r) => ({ pk: runPk(runKey), sk: staffSk(r.userId), ...r })));
}

const stripKeys = <T>(i: Record<string, unknown>): T => {
  const { pk: _p, sk: _s, ...rest } = i;
  return rest as T;
};

/** One chunk's recipient rows (to compare a poll's answers with what is stored). */
export async function recipientsOfChunk(table: string, runKey: string, chunkId: string): Promise<RecipientRow[]> {
  return (
    await queryPrefix(table, runPk(runKey), `${key("r", chunkId)}#`, {}, 10_000_000)
  ).map((i) => stripKeys<RecipientRow>(i));
}

export async function staffOf(table: string, runKey: string): Promise<StaffRow[]> {
  return (await queryPrefix(table, runPk(runKey), "s#")).map((i) => stripKeys<StaffRow>(i));
}

/** A page of recipient rows, optionally of one status. */
export async function recipientPage(
  table: string,
  runKey: string,
  opts: { limit: number; cursor?: string; status?: RecipientRow["status"] },
): Promise<{ items: RecipientRow[]; nextCursor?: string }> {
  const pk = runPk(runKey);
  const start = assertCursor(opts.cursor, ["pk", "sk"], { pk }, { attribute: "sk", prefix: "r#" }, { list: "this run's recipients" });
  const items: RecipientRow[] = [];
  let from = start;
  // a status filter may leave a page short: read on until the page is full or the run ends
  for (;;) {
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :r)",
        ExpressionAttributeValues: { ":pk": pk, ":r": "r#", ...(opts.status ? { ":st": opts.status } : {}) },
        ...(opts.status ? { FilterExpression: "#st = :st", ExpressionAttributeNames: { "#st": "status" } } : {}),
        Limit: opts.limit,
        ExclusiveStartKey: from,
      }),
    );
    items.push(...(out.Items ?? []).map((i) => stripKeys<RecipientRow>(i)));
    from = out.LastEvaluatedKey;
    if (!from || items.length >= opts.limit) break;
  }
  const page = items.slice(0, opts.limit);
  const last = page.length === opts.limit && (from || items.length > opts.limit) ? page[page.length - 1] : undefined;
  const nextCursor = last ? encodeCursor({ pk, sk: recipientSk(last) }) : undefined;
  return { items: page, ...(nextCursor ? { nextCursor } : {}) };
}
