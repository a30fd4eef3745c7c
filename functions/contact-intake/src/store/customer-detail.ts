import { GetCommand, QueryCommand, } from "@aws-sdk/lib-dynamodb";
import { assertCursor, documentClient, encodeCursor, queryAll } from "@siyu/store";
import type { TimelineEntry } from "../domain/events.ts";
import { custPk, stripKeys } from "./customer-keys.ts";
import type { CustomerProfile } from "./profiles.ts";
import type { RelationRecord } from "./relations.ts";

interface CustomerDetail {
  profile: CustomerProfile | undefined;
  relations: RelationRecord[];
  /** Newest first, one page. */
  timeline: (TimelineEntry & Record<string, unknown>)[];
  timelineNextCursor?: string;
  welcomes: Record<string, unknown>[];
  transfers: Record<string, unknown>[];
}

async function collection(table: string, externalUserId: string, prefix: string): Promise<Record<string, unknown>[]> {
  const items = await queryAll<Record<string, unknown>>({
    TableName: table,
    KeyConditionExpression: "pk = :p AND begins_with(sk, :s)",
    ExpressionAttributeValues: { ":p": custPk(externalUserId), ":s": prefix },
  });
  return items.map(stripKeys);
}

/**
 * Everything about one customer: profile, relations, welcome outcomes and transfers (small,
 * bounded sets) and one page of the timeline, newest first. Undefined when Siyu has never seen them.
 */
export async function getCustomerDetail(
  table: string,
  externalUserId: string,
  timeline: { limit: number; cursor?: string | undefined },
): Promise<CustomerDetail | undefined> {
  const pk = custPk(externalUserId);
  const start = assertCursor(timeline.cursor, ["pk", "sk"], { pk }, { attribute: "sk", prefix: "TL#" }, { path: "query.timelineCursor", list: "this customer's timeline" });
  const [profileOut, relations, welcomes, transfers, tl] = await Promise.all([
    documentClient().send(new GetCommand({ TableName: table, Key: { pk, sk: "PROFILE" } })),
    collection(table, externalUserId, "REL#"),
    collection(table, externalUserId, "WELCOME#"),
    collection(table, externalUserId, "XFER#"),
    documentClient().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues: { ":p": pk, ":s": "TL#" },
        ScanIndexForward: false,
        Limit: timeline.limit,
        ExclusiveStartKey: start,
      }),
    ),
  ]);
  if (!profileOut.Item && relations.length === 0) return undefined;
  const detail: CustomerDetail = {
    profile: profileOut.Item ? (stripKeys(profileOut.Item) as unknown as CustomerProfile) : undefined,
    relations: relations as unknown as RelationRecord[],
    timeline: (tl.Items ?? []).map(stripKeys) as unknown as CustomerDetail["timeline"],
    welcomes,
    transfers: transfers.sort((a, b) => (String(a.plannedAt) < String(b.plannedAt) ? 1 : -1)),
  };
  const next = encodeCursor(tl.LastEvaluatedKey);
  if (next) detail.timelineNextCursor = next;
  return detail;
}

