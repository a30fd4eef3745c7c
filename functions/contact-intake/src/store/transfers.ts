import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { assertCursor, assignClauses, batchWrite, documentClient, isConditionalCheckFailed, key, type Page, queryPage, queryPrefix, unlessConditionFailed } from "@siyu/store";
import type { CustomerTransferRecord, TransferCustomerStatus, TransferPhase } from "../domain/transfer.ts";
import { custPk } from "./customer-keys.ts";

/**
 * Customer transfers (在职/离职继承). One item collection per transfer, pk `TRANSFER#<transferId>`:
 *   sk `TRANSFER`: the header (members, kind, message, state `planning` → `open` → `final`);
 *   sk `B#<nnnn>`: one planned WeCom call (≤ 100 customers) and its state `planned` → `calling` → `sent` | `failed`;
 *   sk `C#<externalUserId>`: one row per customer with its status (see domain `TransferCustomerStatus`).
 * Headers carry gsi1 `TRANSFERS#OPEN` while not final (what the result poller reads) and gsi2 `TRANSFERS`
 * (all transfers, newest first). Each customer's own history sits in its collection: pk `CUST#<id>`,
 * sk `XFER#<plannedAt>#<transferId>` — the 90-day rule and the taker's add-event check read it there.
 */
export type TransferState = TransferPhase;

export interface TransferHeader {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  resigned: boolean;
  successMessage?: string;
  state: TransferState;
  createdAt: string;
  updatedAt: string;
  finalAt?: string;
  batches: number;
  included: number;
  excluded: number;
  /** Fingerprint of the request body, to tell a replay from a reuse of the Idempotency-Key. */
  requestHash: string;
  idempotencyKey?: string;
}

export type BatchState = "planned" | "calling" | "sent" | "failed";

export interface TransferBatch {
  batch: number;
  externalUserIds: string[];
  state: BatchState;
  claimedAt?: string;
  sentAt?: string;
  errcode?: number;
}

export interface TransferRow {
  externalUserId: string;
  status: TransferCustomerStatus;
  batch?: number;
  channelId?: string;
  /** Why a row is excluded or failed (domain reasons, e.g. `too-frequent`, `not-a-follower`, `no-record`). */
  reason?: string;
  errcode?: number;
  eligibleAt?: string;
  recentTransfers?: number;
  /** When its batch was claimed (pending) and when WeCom started it (waiting onwards). */
  claimedAt?: string;
  startedAt?: string;
  /** waiting: automatic completion time; done: when it completed. */
  takeoverAt?: string;
  /** done: contact.transferred has been published. */
  published?: boolean;
  updatedAt: string;
}

const transferPk = (transferId: string) => key("TRANSFER", transferId);
const headerKey = (transferId: string) => ({ pk: transferPk(transferId), sk: "TRANSFER" });
const batchKey = (transferId: string, batch: number) => ({ pk: transferPk(transferId), sk: key("B", String(batch).padStart(4, "0")) });
const rowKey = (transferId: string, externalUserId: string) => ({ pk: transferPk(transferId), sk: key("C", externalUserId) });
const historyKey = (externalUserId: string, plannedAt: string, transferId: string) => ({ pk: custPk(externalUserId), sk: key("XFER", plannedAt, transferId) });

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, ...rest } = item;
  return rest as T;
};

export async function getTransfer(table: string, transferId: string): Promise<TransferHeader | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: headerKey(transferId), ConsistentRead: true }));
  return out.Item ? strip<TransferHeader>(out.Item) : undefined;
}

/**
 * Store a planned transfer: its rows and batches, then the header (only if no transfer with this id
 * exists: false when one does), then each included customer's history entry (status pending), which
 * from then on keeps other transfers of that customer out.
 */
export async function insertTransfer(
  table: string,
  t: { header: TransferHeader; batches: TransferBatch[]; rows: TransferRow[]; history: (CustomerTransferRecord & { externalUserId: string })[] },
): Promise<boolean> {
  const id = t.header.transferId;
  await batchWrite(table, [
    ...t.batches.map((b) => ({ ...batchKey(id, b.batch), ...b })),
    ...t.rows.map((r) => ({ ...rowKey(id, r.externalUserId), ...r })),
  ]);
  try {
    await documentClient().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...headerKey(id),
          ...t.header,
          gsi1pk: "TRANSFERS#OPEN",
          gsi1sk: `${t.header.createdAt}#${id}`,
          gsi2pk: "TRANSFERS",
          gsi2sk: `${t.header.createdAt}#${id}`,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
  await batchWrite(
    table,
    t.history.map((h) => ({ ...historyKey(h.externalUserId, h.plannedAt, h.transferId), ...h })),
  );
  return true;
}

export async function setTransferState(table: string, transferId: string, state: "open" | "final", now: Date): Promise<void> {
  const at = now.toISOString();
  await unlessConditionFailed(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: headerKey(transferId),
        UpdateExpression: state === "final" ? "SET #s = :s, updatedAt = :at, finalAt = :at REMOVE gsi1pk, gsi1sk" : "SET #s = :s, updatedAt = :at",
        ConditionExpression: state === "final" ? "attribute_exists(pk)" : "#s = :planning",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":s": state, ":at": at, ...(state === "final" ? {} : { ":planning": "planning" }) },
      }),
    ),
  );
}

export async function getBatches(table: string, transferId: string): Promise<TransferBatch[]> {
  return (await queryPrefix(table, transferPk(transferId), "B#")).map((i) => strip<TransferBatch>(i));
}

/** Claim a planned batch for its one WeCom call. Undefined when it was claimed before (never call twice). */
export async function claimBatch(table: string, transferId: string, batch: number, now: Date): Promise<TransferBatch | undefined> {
  try {
    const out = await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: batchKey(transferId, batch),
        UpdateExpression: "SET #s = :calling, claimedAt = :at",
        ConditionExpression: "#s = :planned",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":calling": "calling", ":planned": "planned", ":at": now.toISOString() },
        ReturnValues: "ALL_NEW",
      }),
    );
    return strip<TransferBatch>(out.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** Give a claim back after a call WeCom certainly did not act on (busy, rate-limited). */
export async function releaseBatch(table: string, transferId: string, batch: number): Promise<void> {
  await unlessConditionFailed(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: batchKey(transferId, batch),
        UpdateExpression: "SET #s = :planned REMOVE claimedAt",
        ConditionExpression: "#s = :calling",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":calling": "calling", ":planned": "planned" },
      }),
    ),
  );
}

export async function finishBatch(table: string, transferId: string, batch: number, state: "sent" | "failed", now: Date, errcode?: number): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: batchKey(transferId, batch),
      UpdateExpression: `SET #s = :s, sentAt = :at${errcode !== undefined ? ", errcode = :e" : ""}`,
      ExpressionAttributeNames: { "#s": "state" },
      ExpressionAttributeValues: { ":s": state, ":at": now.toISOString(), ...(errcode !== undefined ? { ":e": errcode } : {}) },
    }),
  );
}

/**
 * Move a customer row on. `from` lists the statuses it may move from (the row is left alone, and
 * false returned, when it is elsewhere: a later or concurrent update won).
 */
export async function updateRow(
  table: string,
  transferId: string,
  externalUserId: string,
  from: readonly TransferCustomerStatus[],
  fields: Partial<Omit<TransferRow, "externalUserId">> & { updatedAt: string },
): Promise<boolean> {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = {};
  const sets = assignClauses(fields, "f", { names, values });
  const allowed = from.map((_, i) => `:from${i}`);
  from.forEach((s, i) => {
    values[`:from${i}`] = s;
  });
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: rowKey(transferId, externalUserId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(", ")})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}


/** Update a customer's history entry for a transfer. */
export async function updateHistory(
  table: string,
  externalUserId: string,
  ref: { plannedAt: string; transferId: string },
  fields: { status: TransferCustomerStatus; startedAt?: string; completedAt?: string },
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = assignClauses(fields, "h", { names, values });
  await unlessConditionFailed(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: historyKey(externalUserId, ref.plannedAt, ref.transferId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/** A customer's transfers, oldest first (consistent: the add-event check must see a fresh plan). */
export async function customerTransfers(table: string, externalUserId: string): Promise<CustomerTransferRecord[]> {
  return (await queryPrefix(table, custPk(externalUserId), "XFER#")).map((i) => strip<CustomerTransferRecord>(i));
}

/** Transfers not final yet, oldest first (the poller's work list). */
export async function openTransfers(table: string, limit: number): Promise<TransferHeader[]> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": "TRANSFERS#OPEN" },
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => strip<TransferHeader>(i));
}

/** Rows the poller still has work on: pending or waiting, or done without their event published. */
export async function workRows(table: string, transferId: string): Promise<TransferRow[]> {
  const items = await queryPrefix(table, transferPk(transferId), "C#", {
    FilterExpression: "#s IN (:pending, :waiting) OR (#s = :done AND published = :no)",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: { ":pending": "pending", ":waiting": "waiting", ":done": "done", ":no": false },
  });
  return items.map((i) => strip<TransferRow>(i));
}

/** Every row's status (for the counts). */
export async function rowStatuses(table: string, transferId: string): Promise<TransferCustomerStatus[]> {
  const items = await queryPrefix(table, transferPk(transferId), "C#", { ProjectionExpression: "#s", ExpressionAttributeNames: { "#s": "status" } }, 100_000);
  return items.map((i) => i.status as TransferCustomerStatus);
}

/** One page of a transfer's customer rows (by customer id), optionally of one status. */
export async function listRows(
  table: string,
  transferId: string,
  opts: { limit: number; cursor?: string | undefined; status?: TransferCustomerStatus | undefined },
): Promise<Page<TransferRow>> {
  assertCursor(opts.cursor, ["pk", "sk"], { pk: transferPk(transferId) }, { attribute: "sk", prefix: "C#" });
  const page = await queryPage<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p AND begins_with(sk, :c)",
    ExpressionAttributeValues: { ":p": transferPk(transferId), ":c": "C#", ...(opts.status ? { ":s": opts.status } : {}) },
    ...(opts.status ? { FilterExpression: "#s = :s", ExpressionAttributeNames: { "#s": "status" } } : {}),
    ConsistentRead: true,
    limit: opts.limit,
    cursor: opts.cursor,
    keyAttributes: ["pk", "sk"],
  });
  const items = page.items.map((i) => strip<TransferRow>(i));
  return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
}

/** Transfers newest first. */
export async function listTransfers(table: string, opts: { limit: number; cursor?: string | undefined }): Promise<Page<TransferHeader>> {
  assertCursor(opts.cursor, ["pk", "sk", "gsi2pk", "gsi2sk"], { gsi2pk: "TRANSFERS" });
  const page = await queryPage<Record<string, unknown>>({
    TableName: table,
    IndexName: "gsi2",
    KeyConditionExpression: "gsi2pk = :p",
    ExpressionAttributeValues: { ":p": "TRANSFERS" },
    ScanIndexForward: false,
    limit: opts.limit,
    cursor: opts.cursor,
    keyAttributes: ["pk", "sk", "gsi2pk", "gsi2sk"],
  });
  const items = page.items.map((i) => strip<TransferHeader>(i));
  return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
}
