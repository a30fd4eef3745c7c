/**
 * A run's outbox: one row per `add_msg_template` call (a sender's chunk of ≤ 10,000 customers or
 * ≤ 2000 chats), in the run's partition `U#<runKey>` / `chunk#<n>`. A row is claimed (conditional
 * write) before the call, so a redelivered command never calls twice; a claim whose call timed out
 * stays claimed, and the next try reconciles with WeCom before creating anything (app/send.ts).
 * Recipient ids are stored deflated (10,000 WeCom ids are ~350 KB as text; an item holds 400 KB).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, documentClient, isConditionalCheckFailed, key, queryAll, queryPrefix, TransactionConflict, transact } from "@siyu/store";

export const runPk = (runKey: string) => key("U", runKey);
const chunkSk = (chunkId: string) => key("chunk", chunkId);

export type ChunkState = "planned" | "claimed" | "sent" | "failed";

export interface ChunkRecord {
  chunkId: string;
  sender: string;
  ids: string[];
  count: number;
  state: ChunkState;
  /** Tries that called WeCom (a claimed try whose answer was lost counts). */
  attempts: number;
  claimedAt?: string;
  msgid?: string;
  failCount?: number;
  errcode?: number;
  errmsg?: string;
  sentAt?: string;
  /** How the msgid was learned: the call's answer, or reconciliation after a lost answer. */
  via?: "answer" | "reconciled";
  /** Reminders sent for this message (ISO instants), within WeCom's 3 per 24 h. */
  reminders?: string[];
  cancelled?: boolean;
  /** `fail_list` of the call (recipients WeCom would not task). */
  failIds?: string[];
  /** The chunk's rows, staff row and run counts follow its outcome (set once, in the same transaction as the counts). */
  settled?: boolean;
}

const encodeIds = (ids: readonly string[]) => deflateRawSync(Buffer.from(ids.join("\n"), "utf8"));
const decodeIds = (b: Uint8Array | undefined) => (b?.length ? inflateRawSync(b).toString("utf8").split("\n") : []);

export function chunkItem(runKey: string, c: { chunkId: string; sender: string; ids: readonly string[] }) {
  return { pk: runPk(runKey), sk: chunkSk(c.chunkId), chunkId: c.chunkId, sender: c.sender, ids: encodeIds(c.ids), count: c.ids.length, state: "planned", attempts: 0 };
}

function fromItem(i: Record<string, unknown>): ChunkRecord {
  const { pk: _p, sk: _s, ids, failIds, ...rest } = i;
  return { ...(rest as Omit<ChunkRecord, "ids" | "failIds">), ids: decodeIds(ids as Uint8Array | undefined), failIds: decodeIds(failIds as Uint8Array | undefined) };
}

export async function chunksOf(table: string, runKey: string, opts: { withIds?: boolean } = {}): Promise<ChunkRecord[]> {
  const items = await queryPrefix(table, runPk(runKey), "chunk#", opts.withIds === false ? { ProjectionExpression: "chunkId, sender, #c, #s, attempts, claimedAt, msgid, failCount, errcode, reminders, cancelled, settled", ExpressionAttributeNames: { "#c": "count", "#s": "state" } } : {});
  return items.map(fromItem);
}

export async function getChunk(table: string, runKey: string, chunkId: string): Promise<ChunkRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: runPk(runKey), sk: chunkSk(chunkId) }, ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
}

/**
 * Claim a planned chunk for a call (planned → claimed, attempts + 1). False when it is not planned
 * (claimed by an earlier try, sent, or failed): the caller must not call `add_msg_template` blindly.
 */
export async function claimChunk(table: string, runKey: string, chunkId: string, now: Date): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
        UpdateExpression: "SET #s = :claimed, claimedAt = :now, attempts = attempts + :one",
        ConditionExpression: "#s = :planned",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":claimed": "claimed", ":planned": "planned", ":now": now.toISOString(), ":one": 1 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** A claimed chunk that WeCom certainly did not create (busy, rate-limited, or reconciled as absent) goes back to planned. */
export async function releaseChunk(table: string, runKey: string, chunkId: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
      UpdateExpression: "SET #s = :planned",
      ConditionExpression: "#s = :claimed",
      ExpressionAttributeNames: { "#s": "state" },
      ExpressionAttributeValues: { ":claimed": "claimed", ":planned": "planned" },
    }),
  );
}

/** Record a claimed chunk's outcome (sent with its msgid, or failed with WeCom's errcode); false if it was not claimed. */
export async function finishChunk(
  table: string,
  runKey: string,
  chunkId: string,
  out: { state: "sent"; msgid: string; failIds: readonly string[]; at: Date; via: "answer" | "reconciled" } | { state: "failed"; errcode: number; errmsg: string; at: Date },
): Promise<boolean> {
  const values: Record<string, unknown> = { ":s": out.state, ":claimed": "claimed", ":at": out.at.toISOString() };
  let set = "#s = :s, sentAt = :at";
  if (out.state === "sent") {
    set += ", msgid = :m, failCount = :f, failIds = :fi, via = :via, reminders = :none";
    Object.assign(values, { ":m": out.msgid, ":f": out.failIds.length, ":fi": encodeIds(out.failIds), ":via": out.via, ":none": [] });
  } else {
    set += ", errcode = :e, errmsg = :em";
    Object.assign(values, { ":e": out.errcode, ":em": out.errmsg });
  }
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
        UpdateExpression: `SET ${set}`,
        ConditionExpression: "#s = :claimed",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Record a reminder sent for a chunk's message, only if the budget read before the call still holds
 * (the stored list is the one the caller checked): two concurrent reminders cannot both pass.
 */
export async function recordReminder(table: string, runKey: string, chunkId: string, seen: readonly string[], at: Date): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
        UpdateExpression: "SET reminders = :next",
        ConditionExpression: "reminders = :seen",
        ExpressionAttributeValues: { ":next": [...seen, at.toISOString()], ":seen": [...seen] },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export async function markChunkCancelled(table: string, runKey: string, chunkId: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: { pk: runPk(runKey), sk: chunkSk(chunkId) }, UpdateExpression: "SET cancelled = :t", ExpressionAttributeValues: { ":t": true } }),
  );
}

/** Delete every item of one partition (the leftovers of a start that died before it finished planning). */
export async function clearPartition(table: string, pk: string): Promise<number> {
  const keys = await queryAll<{ pk: string; sk: string }>(
    { TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ProjectionExpression: "pk, sk", ConsistentRead: true },
    10_000_000,
  );
  if (keys.length) await batchWrite(table, [], keys);
  return keys.length;
}

/**
 * Mark a chunk settled and add its effect to the run's counts in one transaction: a repeated settle
 * (a redelivery after a crash) changes nothing. False when it was settled already.
 */
export async function settleChunkOnce(table: string, runKey: string, chunkId: string, runKeyItem: { pk: string; sk: string }, delta: Record<string, number>): Promise<boolean> {
  const names: Record<string, string> = { "#r": "recipients" };
  const values: Record<string, unknown> = { ":t": true };
  const parts = Object.entries(delta)
    .filter(([, v]) => v !== 0)
    .map(([k, v], i) => {
      names[`#k${i}`] = k;
      values[`:v${i}`] = v;
      return `#r.#k${i} = #r.#k${i} + :v${i}`;
    });
  try {
    await transact([
      {
        Update: {
          TableName: table,
          Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
          UpdateExpression: "SET settled = :t",
          ConditionExpression: "attribute_not_exists(settled)",
          ExpressionAttributeValues: { ":t": true },
        },
      },
      ...(parts.length
        ? [{ Update: { TableName: table, Key: runKeyItem, UpdateExpression: `SET ${parts.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([k]) => k !== ":t")) } }]
        : []),
    ]);
    return true;
  } catch (error) {
    if (error instanceof TransactionConflict && error.failedCondition(0)) return false;
    throw error;
  }
}
