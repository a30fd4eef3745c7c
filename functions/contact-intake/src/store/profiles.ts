import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { assignClauses, batchGet, documentClient, } from "@siyu/store";
import { custPk, stripKeys } from "./customer-keys.ts";

/** The customer's `PROFILE` item (name, unionid, type, avatar…). */
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


/** Profiles of many customers (for list rows). */
export async function getProfiles(table: string, externalUserIds: readonly string[]): Promise<Map<string, CustomerProfile>> {
  const items = await batchGet<Record<string, unknown>>(
    table,
    externalUserIds.map((id) => ({ pk: custPk(id), sk: "PROFILE" })),
  );
  return new Map(items.map((i) => [String(i.externalUserId), stripKeys(i) as unknown as CustomerProfile]));
}

