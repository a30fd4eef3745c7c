import { PutCommand, } from "@aws-sdk/lib-dynamodb";
import { documentClient, key, putIfAbsent, } from "@siyu/store";
import { custPk } from "./customer-keys.ts";

/** Welcome attempts and outcomes, sk `WELCOME#<addKey>`: one attempt per add, reserved before the call. */
/** A welcome's outcome, as the item that replaces its reservation (undefined fields are dropped by the document client). */
export const welcomeItem = (externalUserId: string, addKey: string, outcome: Record<string, unknown>): { pk: string; sk: string } & Record<string, unknown> => ({
  pk: custPk(externalUserId),
  sk: key("WELCOME", addKey),
  ...outcome,
});


/** Reserve the one welcome attempt for an add. False: an earlier delivery already tried (never send twice). */
export async function reserveWelcome(table: string, externalUserId: string, addKey: string, at: string): Promise<boolean> {
  return putIfAbsent(table, { pk: custPk(externalUserId), sk: key("WELCOME", addKey), status: "sending", reservedAt: at });
}

/** A sent (or failed) welcome's outcome, over its own reservation. */
export async function putWelcomeOutcome(table: string, item: ReturnType<typeof welcomeItem>): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: table, Item: item }));
}

