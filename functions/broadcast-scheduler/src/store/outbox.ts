/**
 * A run's outbox: one row per `add_msg_template` call (a sender's chunk of ≤ 10,000 customers or
 * ≤ 2000 chats), in the run's partition `U#<runKey>` / `chunk#<n>`. A row is claimed (conditional
 * write) before the call, so a redelivered command never calls twice; a claim whose call timed out
 * stays claimed, and the next try reconciles with WeCom before creating anything (app/send.ts).
 * Recipient ids are stored deflated (10,000 WeCom ids are ~350 KB as text; an item holds 400 KB).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { newId } from "@siyu/kernel";
import { batchWrite, conditionMet, documentClient, key, queryAll, queryPrefix, TransactionConflict, transact } from "@siyu/store";

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
  claimToken?: string;
  /** When a call of the current claim ended without an answer. */
  callEndedAt?: string;
  /** Reconciliations of the current claim that found no task. */
  emptyChecks?: number;
  /** How the msgid was learned: the call's answer, or reconciliation after a lost answer. */
  via?: "answer" | "reconciled";
  /** Reminders sent for this message (ISO instants), within WeCom's 3 per 24 h. */
  reminders?: string[];
  /** The planned automatic reminders (instants) already sent for this chunk's message. */
  remindedFor?: string[];
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
  const items = await queryPrefix(table, runPk(runKey), "chunk#", opts.withIds === false ? { ProjectionExpression: "chunkId, sender, #c, #s, attempts, claimedAt, claimToken, callEndedAt, emptyChecks, msgid, failCount, errcode, reminders, remindedFor, cancelled, settled", ExpressionAttributeNames: { "#c": "count", "#s": "state" } } : {});
  return items.map(fromItem);
}

export async function getChunk(table: string, runKey: string, chunkId: string): Promise<ChunkRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: runPk(runKey), sk: chunkSk(chunkId) }, ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
}

/** The claim a caller holds: conditional writes name it, so a stale caller's write fails. */
export interface Claim {
  token: string;
}

function chunkUpdate(table: string, runKey: string, chunkId: string, set: string, condition: string, values: Record<string, unknown>) {
  return new UpdateCommand({
    TableName: table,
    Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
    UpdateExpression: set,
    ConditionExpression: condition,
    ExpressionAttributeNames: { "#s": "state" },
    ExpressionAttributeValues: values,
  });
}

const conditional = (command: UpdateCommand) => conditionMet(documentClient().send(command));

/**
 * Claim a planned chunk for a call (planned → claimed, attempts + 1). Undefined when it is not planned
 * (claimed by another try, sent, failed): the caller must not call `add_msg_template` blindly.
 */
export async function claimChunk(table: string, runKey: string, chunkId: string, now: Date): Promise<Claim | undefined> {
  const token = newId();
  const ok = await conditional(
    chunkUpdate(table, runKey, chunkId, "SET #s = :claimed, claimedAt = :now, claimToken = :t, attempts = attempts + :one REMOVE callEndedAt, emptyChecks", "#s = :planned", {
      ":claimed": "claimed",
      ":planned": "planned",
      ":now": now.toISOString(),
      ":t": token,
      ":one": 1,
    }),
  );
  return ok ? { token } : undefined;
}

/**
 * Take over a claim whose call created nothing (reconciled twice as absent): only from the claim the
 * caller read, so two reconcilers of one chunk can never both call.
 */
export async function reclaimChunk(table: string, runKey: string, chunkId: string, seen: string, now: Date): Promise<Claim | undefined> {
  const token = newId();
  const ok = await conditional(
    chunkUpdate(table, runKey, chunkId, "SET claimedAt = :now, claimToken = :t, attempts = attempts + :one REMOVE callEndedAt, emptyChecks", "#s = :claimed AND claimToken = :seen", {
      ":claimed": "claimed",
      ":seen": seen,
      ":now": now.toISOString(),
      ":t": token,
      ":one": 1,
    }),
  );
  return ok ? { token } : undefined;
}

/** Give a claim back (WeCom certainly created nothing: busy, rate-limited, or the run closed before the call). */
export async function releaseChunk(table: string, runKey: string, chunkId: string, claim: Claim): Promise<boolean> {
  return conditional(chunkUpdate(table, runKey, chunkId, "SET #s = :planned REMOVE claimToken", "#s = :claimed AND claimToken = :t", { ":claimed": "claimed", ":planned": "planned", ":t": claim.token }));
}

/** The call of this claim ended without an answer at `at`: WeCom may still create the task. */
export async function markCallUnknown(table: string, runKey: string, chunkId: string, claim: Claim, at: Date): Promise<boolean> {
  return conditional(chunkUpdate(table, runKey, chunkId, "SET callEndedAt = :at", "#s = :claimed AND claimToken = :t", { ":claimed": "claimed", ":t": claim.token, ":at": at.toISOString() }));
}

/** One reconciliation of this claim found nothing (a second one is needed before creating). */
export async function recordEmptyCheck(table: string, runKey: string, chunkId: string, claim: Claim, at: Date): Promise<boolean> {
  return conditional(
    chunkUpdate(table, runKey, chunkId, "SET emptyChecks = if_not_exists(emptyChecks, :zero) + :one, lastCheckAt = :at", "#s = :claimed AND claimToken = :t", {
      ":claimed": "claimed",
      ":t": claim.token,
      ":zero": 0,
      ":one": 1,
      ":at": at.toISOString(),
    }),
  );
}

/** The run closed before this chunk got a task: planned or claimed → failed, so no later try can claim it. */
export async function abandonChunk(table: string, runKey: string, chunkId: string, at: Date): Promise<boolean> {
  return conditional(
    chunkUpdate(table, runKey, chunkId, "SET #s = :failed, errmsg = :why, sentAt = :at", "#s IN (:planned, :claimed)", {
      ":failed": "failed",
      ":planned": "planned",
      ":claimed": "claimed",
      ":why": "the run closed before the task was created",
      ":at": at.toISOString(),
    }),
  );
}

/** Record a claimed chunk's outcome (sent with its msgid, or failed with WeCom's errcode); false if this claim no longer holds it. */
export async function finishChunk(
  table: string,
  runKey: string,
  chunkId: string,
  claim: Claim,
  out: { state: "sent"; msgid: string; failIds: readonly string[]; at: Date; via: "answer" | "reconciled" } | { state: "failed"; errcode: number; errmsg: string; at: Date },
): Promise<boolean> {
  const values: Record<string, unknown> = { ":s": out.state, ":claimed": "claimed", ":at": out.at.toISOString(), ":t": claim.token };
  let set = "#s = :s, sentAt = :at";
  if (out.state === "sent") {
    set += ", msgid = :m, failCount = :f, failIds = :fi, via = :via, reminders = :none";
    Object.assign(values, { ":m": out.msgid, ":f": out.failIds.length, ":fi": encodeIds(out.failIds), ":via": out.via, ":none": [] });
  } else {
    set += ", errcode = :e, errmsg = :em";
    Object.assign(values, { ":e": out.errcode, ":em": out.errmsg });
  }
  return conditionMet(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
        UpdateExpression: `SET ${set} REMOVE claimToken`,
        ConditionExpression: "#s = :claimed AND claimToken = :t",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Record a reminder sent for a chunk's message, only if the budget read before the call still holds
 * (the stored list is the one the caller checked): two concurrent reminders cannot both pass.
 */
export async function recordReminder(table: string, runKey: string, chunkId: string, seen: readonly string[], at: Date, plannedFor: readonly string[] = []): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: runPk(runKey), sk: chunkSk(chunkId) },
        UpdateExpression: `SET reminders = :next${plannedFor.length ? ", remindedFor = list_append(if_not_exists(remindedFor, :none), :pf)" : ""}`,
        ConditionExpression: "reminders = :seen",
        ExpressionAttributeValues: { ":next": [...seen, at.toISOString()], ":seen": [...seen], ...(plannedFor.length ? { ":none": [], ":pf": [...plannedFor] } : {}) },
      }),
    ),
  );
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
