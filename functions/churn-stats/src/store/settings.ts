import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@siyu/store";
import { type ChurnSettings, churnSettingsSchema, DEFAULT_SETTINGS } from "../domain/index.ts";
import { settingsKey } from "./keys.ts";

export interface StoredSettings extends ChurnSettings {
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The corp's settings; the defaults (everything off) until an admin saved some. */
export async function getSettings(table: string): Promise<StoredSettings> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: settingsKey, ConsistentRead: true }));
  if (!out.Item) return { ...DEFAULT_SETTINGS, updatedAt: null, updatedBy: null };
  const parsed = churnSettingsSchema.safeParse({
    lossAlerts: out.Item.lossAlerts,
    dailyDigest: out.Item.dailyDigest,
    digestLeadUserId: out.Item.digestLeadUserId ?? null,
  });
  const settings = parsed.success ? parsed.data : DEFAULT_SETTINGS;
  return { ...settings, updatedAt: (out.Item.updatedAt as string) ?? null, updatedBy: (out.Item.updatedBy as string) ?? null };
}

export async function putSettings(table: string, settings: ChurnSettings, meta: { at: Date; by: string | undefined }): Promise<StoredSettings> {
  const stored: StoredSettings = { ...settings, updatedAt: meta.at.toISOString(), updatedBy: meta.by ?? null };
  await documentClient().send(new PutCommand({ TableName: table, Item: { ...settingsKey, entity: "settings", ...stored } }));
  return stored;
}
