import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./client.ts";
import { isConditionalCheckFailed } from "./errors.ts";
import { key, ttlAfter } from "./keys.ts";

/**
 * Idempotency records: one item per business key, in the service's own table.
 * A consumer claims the key before working (INPROGRESS, with a lock that expires so a crashed
 * attempt doesn't block retries forever), and marks it COMPLETED after. A redelivered message whose
 * key is COMPLETED is acknowledged without running again.
 */
export type ClaimResult = "claimed" | "completed" | "in-progress";

export interface IdempotencyOptions {
  table: string;
  /** Explicit namespace (e.g. `intake`): not derived from a function name, which changes on redeploy. */
  prefix: string;
  now: Date;
  /** How long an INPROGRESS claim blocks others (the queue's visibility timeout). */
  lockSeconds: number;
  /** How long a COMPLETED record is kept (longer than any redelivery window). */
  keepSeconds: number;
}

const recordKey = (prefix: string, businessKey: string) => ({ pk: key("IDEMP", prefix, businessKey), sk: "IDEMP" });

export async function claimIdempotency(businessKey: string, o: IdempotencyOptions): Promise<ClaimResult> {
  const k = recordKey(o.prefix, businessKey);
  const nowSec = Math.floor(o.now.getTime() / 1000);
  try {
    await documentClient().send(
      new PutCommand({
        TableName: o.table,
        Item: { ...k, status: "INPROGRESS", lockUntil: nowSec + o.lockSeconds, ttl: ttlAfter(o.now, o.keepSeconds), claimedAt: o.now.toISOString() },
        // free, or an abandoned claim whose lock has run out
        ConditionExpression: "attribute_not_exists(pk) OR (#s = :inprogress AND lockUntil < :now)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":inprogress": "INPROGRESS", ":now": nowSec },
      }),
    );
    return "claimed";
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const existing = await documentClient().send(new GetCommand({ TableName: o.table, Key: k, ConsistentRead: true }));
  return existing.Item?.status === "COMPLETED" ? "completed" : "in-progress";
}

/**
 * The record that marks a key done. A handler may write it in a batch with its own last writes (one call
 * fewer than `completeIdempotency`): it replaces the claim whatever its state, as completing does.
 */
export function completedIdempotencyItem(businessKey: string, o: Pick<IdempotencyOptions, "prefix" | "now" | "keepSeconds">): Record<string, unknown> {
  return { ...recordKey(o.prefix, businessKey), status: "COMPLETED", completedAt: o.now.toISOString(), ttl: ttlAfter(o.now, o.keepSeconds) };
}

export async function completeIdempotency(businessKey: string, o: IdempotencyOptions): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: o.table, Item: completedIdempotencyItem(businessKey, o) }));
}

/**
 * Drop a claim after a failed attempt so the retry can run at once. Only an INPROGRESS claim is dropped,
 * unless `evenIfCompleted`: for an attempt that wrote its completion in a batch that then failed part-way,
 * so the completion may stand beside writes that never happened.
 */
export async function releaseIdempotency(businessKey: string, o: Pick<IdempotencyOptions, "table" | "prefix"> & { evenIfCompleted?: boolean }): Promise<void> {
  const onlyInProgress = {
    ConditionExpression: "#s = :inprogress",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: { ":inprogress": "INPROGRESS" },
  };
  await documentClient()
    .send(new DeleteCommand({ TableName: o.table, Key: recordKey(o.prefix, businessKey), ...(o.evenIfCompleted ? {} : onlyInProgress) }))
    .catch((error: unknown) => {
      if (!isConditionalCheckFailed(error)) throw error;
    });
}
