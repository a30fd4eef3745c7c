import type { Context, SQSEvent } from "aws-lambda";
import { type DomainEvent, dayRange } from "@siyu/kernel";
import { runWithEnv } from "@siyu/lambda-kit";
import {
  COHORT_FIELDS,
  COUNTER_FIELDS,
  type Fact,
  recompute,
  storageIncrements,
} from "../../src/domain/index.ts";
import { handler as eventsHandler } from "../../src/consumers/contact-events.ts";
import { CORP } from "../helpers.ts";

/** Counter rows as `{ "<pk>|<sk>": { field: value } }`, all-zero rows and `rev` left out. */
export type RowMap = Record<string, Record<string, number>>;

const COUNTER_PREFIXES = ["DAY#", "MONTH#", "TOTAL#"];

/** The counter rows found in a table's items. */
export function storedRows(items: readonly Record<string, any>[]): RowMap {
  const out: RowMap = {};
  for (const item of items) {
    const pk = item.pk as string;
    const fields = COUNTER_PREFIXES.some((p) => pk.startsWith(p)) ? COUNTER_FIELDS : pk.startsWith("COHORT#") ? COHORT_FIELDS : undefined;
    if (!fields) continue;
    const row: Record<string, number> = {};
    for (const f of fields) if ((item[f] ?? 0) !== 0) row[f] = item[f];
    if (Object.keys(row).length > 0) out[`${pk}|${item.sk}`] = row;
  }
  return out;
}

/** The rows a straightforward recomputation of the facts gives, in the same layout. */
export function expectedRows(facts: readonly Fact[], timeZone = "Asia/Shanghai"): RowMap {
  const inc = storageIncrements(recompute(facts, { timeZone }));
  const out: RowMap = {};
  const put = (key: string, fields: readonly string[], r: object) => {
    const v = r as Record<string, number>;
    const row: Record<string, number> = {};
    for (const f of fields) if (v[f] !== 0) row[f] = v[f]!;
    if (Object.keys(row).length > 0) out[key] = row;
  };
  for (const r of inc.days) put(`DAY#${r.day}|${r.group}`, COUNTER_FIELDS, r);
  for (const r of inc.months) put(`MONTH#${r.month}|${r.group}`, COUNTER_FIELDS, r);
  for (const r of inc.totals) put(`TOTAL#${r.group.split(":")[0]}|${r.group}`, COUNTER_FIELDS, r);
  for (const r of inc.cohorts) put(`COHORT#${r.day}|${r.group}`, COHORT_FIELDS, r);
  return out;
}

/** The environment the events consumer gets from the manifest (alerts queue unused: alerts are off). */
export function consumerEnv(table: string): Record<string, string> {
  return {
    SIYU_SERVICE: "churn-stats",
    SIYU_CLIENT: "test",
    SIYU_CORP_ID: CORP,
    SIYU_CORP_TIMEZONE: "Asia/Shanghai",
    SIYU_TABLE: table,
    SIYU_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:test",
    SIYU_QUEUE_EVENTS: "http://127.0.0.1:9/000000000000/events",
    SIYU_QUEUE_ALERTS: "http://127.0.0.1:9/000000000000/alerts",
    SIYU_LOG_LEVEL: "error",
  };
}

let seq = 0;

/** Run the real events consumer (the Lambda handler) on one SQS batch of these events. */
export async function deliverBatch(env: Record<string, string>, events: readonly DomainEvent[]): Promise<string[]> {
  const sqsEvent: SQSEvent = {
    Records: events.map((e) => ({
      messageId: `m-${++seq}`,
      receiptHandle: `r-${seq}`,
      body: JSON.stringify(e),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:events",
      awsRegion: "us-east-1",
    })),
  };
  const out = await runWithEnv(env, () => eventsHandler(sqsEvent, {} as Context));
  return (out?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
}

export const allDays = (facts: readonly Fact[]) => {
  const days = facts.map((f) => f.at.slice(0, 10)).sort();
  return dayRange(days[0]!, days.at(-1)!);
};
