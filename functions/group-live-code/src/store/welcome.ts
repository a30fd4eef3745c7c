/**
 * Which routed group's owner was told to pick which template (`LCW#<codeId>` / `<templateId>#<chatId>`):
 * a row is claimed before the app message (putIfAbsent, so two syncs never tell twice), released when
 * the send fails (the next sync tells again), and stamped `notifiedAt` once sent. Kept out of the
 * code's partition, which a landing visit reads whole.
 */
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, key, putIfAbsent, queryPrefix } from "@siyu/store";

const noticePk = (codeId: string) => key("LCW", codeId);
const noticeSk = (templateId: string, chatId: string) => key(templateId, chatId);

export interface WelcomeNoticeRow {
  chatId: string;
  templateId: string;
  to: string;
  claimedAt: string;
  notifiedAt?: string;
  /** WeCom refused the app message (e.g. the owner is outside the app's visible range). */
  failed?: { errcode: number; at: string };
}

/** Every notice row of the code's current template, by chat id. */
export async function noticesOf(table: string, codeId: string, templateId: string): Promise<Map<string, WelcomeNoticeRow>> {
  const rows = await queryPrefix<WelcomeNoticeRow & { pk: string; sk: string }>(table, noticePk(codeId), `${key(templateId)}#`);
  return new Map(rows.map((r) => [r.chatId, r]));
}

export const claimNotice = (table: string, codeId: string, row: WelcomeNoticeRow): Promise<boolean> =>
  putIfAbsent(table, { pk: noticePk(codeId), sk: noticeSk(row.templateId, row.chatId), ...row });

export async function releaseNotice(table: string, codeId: string, templateId: string, chatId: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: table, Key: { pk: noticePk(codeId), sk: noticeSk(templateId, chatId) } }));
}

/** The send's result on the claimed row: sent at, or refused with its errcode. */
export async function markNotified(table: string, codeId: string, templateId: string, chatId: string, result: { notifiedAt: string } | { failed: { errcode: number; at: string } }): Promise<void> {
  const [name, value] = "notifiedAt" in result ? ["notifiedAt", result.notifiedAt] : ["failed", result.failed];
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: { pk: noticePk(codeId), sk: noticeSk(templateId, chatId) }, UpdateExpression: "SET #n = :v", ExpressionAttributeNames: { "#n": name }, ExpressionAttributeValues: { ":v": value } }),
  );
}
