import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, } from "@siyu/store";

/**
 * Months (UTC, `YYYY-MM`) that hold at least one relation, so the month-of-add index can be walked
 * without visiting empty months. A string set on one item, added to (idempotently) by every write
 * that sets a relation's add time; each container remembers what it already added.
 */
const MONTHS_KEY = { pk: "META", sk: "ADDED_MONTHS" };
const monthsRecorded = new Set<string>();

export async function recordAddedMonth(table: string, month: string): Promise<void> {
  const memo = `${table}|${month}`;
  if (monthsRecorded.has(memo)) return;
  await documentClient().send(
    new UpdateCommand({ TableName: table, Key: MONTHS_KEY, UpdateExpression: "ADD months :m", ExpressionAttributeValues: { ":m": new Set([month]) } }),
  );
  monthsRecorded.add(memo);
}

export async function knownAddedMonths(table: string): Promise<string[]> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: MONTHS_KEY, ConsistentRead: true }));
  const months = out.Item?.months as Set<string> | string[] | undefined;
  return months ? [...months] : [];
}

