/**
 * What makes app messages exactly-once-at-most and within WeCom's per-member limits: a marker per
 * alert (or digest day), conditionally put before sending, and each member's send window (the times
 * of their messages in the last hour), updated with a version condition — never read-modify-write
 * without a guard.
 */
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { assignClauses, type Key, documentClient, isConditionalCheckFailed, putIfAbsent, ttlAfter } from "@siyu/store";
import { appMessageSlot, type SlotDecision } from "../domain/index.ts";
import { appMessageWindowKey } from "./keys.ts";

/** Whether a marker (alert or digest) exists. */
export async function markerExists(table: string, key: Key): Promise<boolean> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true, ProjectionExpression: "pk" }));
  return out.Item !== undefined;
}

/** Claim a marker before sending; false when someone already did (then don't send). */
export async function claimMarker(table: string, key: Key, fields: Record<string, unknown>, now: Date, keepDays = 30): Promise<boolean> {
  return putIfAbsent(table, { ...key, ...fields, status: "sending", claimedAt: now.toISOString(), ttl: ttlAfter(now, keepDays * 86_400) });
}

export async function settleMarker(table: string, key: Key, outcome: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = assignClauses(outcome, "f", { names, values });
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: key, UpdateExpression: `SET ${sets.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
  );
}

/**
 * Reserve one app message to `userId` now, if WeCom's per-member limits allow it (`appMessageSlot`).
 * The window item is written with a version condition; a concurrent reservation makes us re-read.
 */
export async function reserveAppMessage(table: string, userId: string, now: Date): Promise<SlotDecision> {
  const key = appMessageWindowKey(userId);
  for (let attempt = 1; ; attempt++) {
    const out = await documentClient().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const version = typeof out.Item?.version === "number" ? out.Item.version : 0;
    const sentAt = Array.isArray(out.Item?.sentAt) ? (out.Item.sentAt as number[]) : [];
    const decision = appMessageSlot(sentAt, now.getTime());
    if (!decision.ok) return decision;
    try {
      await documentClient().send(
        new PutCommand({
          TableName: table,
          Item: { ...key, entity: "app-message-window", userId, version: version + 1, sentAt: decision.sentAt, ttl: ttlAfter(now, 2 * 3600) },
          ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "version = :v",
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ":v": version } }),
        }),
      );
      return decision;
    } catch (error) {
      if (!isConditionalCheckFailed(error) || attempt >= 10) throw error;
    }
  }
}
