import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@siyu/store";
import { type ReceiveSettings, receiveSettingsSchema } from "../domain/quota.ts";

const KEY = { pk: "settings", sk: "receive" };

/** The corp's receive rules (WeCom's setting, operator caps, quiet hours); defaults until set. */
export async function getReceiveSettings(table: string): Promise<ReceiveSettings & { updatedAt?: string }> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: KEY, ConsistentRead: true }));
  const parsed = receiveSettingsSchema.parse(out.Item?.settings ?? {});
  return out.Item?.updatedAt ? { ...parsed, updatedAt: out.Item.updatedAt as string } : parsed;
}

export async function putReceiveSettings(table: string, settings: ReceiveSettings, now: Date): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: { ...KEY, settings, updatedAt: now.toISOString() } }));
}

const PULL_KEY = { pk: "settings", sk: "personal-pull" };

/** Until when members' personal mass messages have been pulled into the ledger. */
export async function getPersonalPullMark(table: string): Promise<string | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: PULL_KEY, ConsistentRead: true }));
  return out.Item?.until as string | undefined;
}

export async function putPersonalPullMark(table: string, until: Date): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: { ...PULL_KEY, until: until.toISOString() } }));
}
