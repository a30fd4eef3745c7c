import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { LoadedService, QueueSpec, ServiceManifest } from "@siyu/manifest";

/**
 * The resources a set of manifests declares, created the way infra/lib/service-construct.ts creates
 * them in AWS: one table per service (string keys, GSIs projecting ALL, TTL), one queue + DLQ per
 * manifest queue (visibility timeout, redrive after maxReceiveCount, FIFO when declared, 4 / 14 days
 * retention), one domain-event topic, and per subscribing queue a raw-delivery subscription filtered
 * on the `type` message attribute.
 */

export interface QueueResource {
  spec: QueueSpec;
  name: string;
  url: string;
  arn: string;
  dlqName: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface Names {
  table(service: string): string;
  queue(service: string, queue: QueueSpec): string;
  dlq(service: string, queue: QueueSpec): string;
  topic: string;
}

export function resourceNames(prefix: string): Names {
  const fifo = (q: QueueSpec) => (q.fifo ? ".fifo" : "");
  return {
    table: (service) => `${prefix}-${service}`,
    queue: (service, q) => `${prefix}-${service}-${q.name}${fifo(q)}`,
    dlq: (service, q) => `${prefix}-${service}-${q.name}-dlq${fifo(q)}`,
    topic: `${prefix}-domain-events`,
  };
}

/** The same rules infra enforces on queues (SQS event source and FIFO limits), so a manifest that
 * would fail `cdk synth` fails `pnpm dev` too. */
export function checkQueueRules(m: ServiceManifest): void {
  for (const spec of m.queues) {
    const where = `${m.name}/queues/${spec.name}`;
    if (spec.fifo && spec.batchSize > 10) throw new Error(`${where}: a FIFO queue's batchSize is at most 10 (got ${spec.batchSize})`);
    if (spec.fifo && spec.maxBatchingWindowSeconds > 0) throw new Error(`${where}: FIFO queues do not support maxBatchingWindowSeconds`);
    if (!spec.fifo && spec.batchSize > 10 && spec.maxBatchingWindowSeconds < 1) {
      throw new Error(`${where}: batchSize above 10 needs maxBatchingWindowSeconds >= 1 (SQS event source rule)`);
    }
    if (spec.name.length + m.name.length > 60) throw new Error(`${where}: queue names must stay below 80 characters with the prefix`);
  }
}

export async function createTopic(sns: SNSClient, names: Names): Promise<string> {
  const out = await sns.send(new CreateTopicCommand({ Name: names.topic }));
  if (!out.TopicArn) throw new Error(`CreateTopic ${names.topic} returned no ARN`);
  return out.TopicArn;
}

export async function createQueues(sqs: SQSClient, sns: SNSClient, names: Names, service: LoadedService, topicArn: string): Promise<QueueResource[]> {
  const m = service.manifest;
  return Promise.all(
    m.queues.map(async (spec) => {
      const fifoAttrs: Record<string, string> = spec.fifo ? { FifoQueue: "true" } : {};
      const dlqName = names.dlq(m.name, spec);
      const dlqUrl = await createQueue(sqs, dlqName, { ...fifoAttrs, MessageRetentionPeriod: String(14 * 86_400) });
      const dlqArn = await queueArn(sqs, dlqUrl);
      const name = names.queue(m.name, spec);
      const url = await createQueue(sqs, name, {
        ...fifoAttrs,
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(4 * 86_400),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
      });
      const arn = await queueArn(sqs, url);
      if (spec.subscribes.length > 0) {
        await sns.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: "sqs",
            Endpoint: arn,
            ReturnSubscriptionArn: true,
            Attributes: {
              RawMessageDelivery: "true",
              FilterPolicyScope: "MessageAttributes",
              FilterPolicy: JSON.stringify({ type: [...spec.subscribes] }),
            },
          }),
        );
      }
      return { spec, name, url, arn, dlqName, dlqUrl, dlqArn };
    }),
  );
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${url}`);
  return arn;
}

/**
 * Create the service's table (or, with a persisted database, check the existing one still has the
 * manifest's keys and indexes: DynamoDB Local cannot change keys in place, so a mismatch is reported
 * with the fix rather than papered over).
 */
export async function createTable(dynamo: DynamoDBClient, tableName: string, m: ServiceManifest, warn: (msg: string) => void): Promise<void> {
  const t = m.table;
  const attrs = new Map<string, AttributeDefinition>();
  const str = (name: string) => attrs.set(name, { AttributeName: name, AttributeType: "S" });
  str(t.partitionKey);
  if (t.sortKey) str(t.sortKey);
  const gsis: GlobalSecondaryIndex[] = t.gsis.map((g) => {
    str(g.partitionKey);
    if (g.sortKey) str(g.sortKey);
    return {
      IndexName: g.name,
      KeySchema: [{ AttributeName: g.partitionKey, KeyType: "HASH" }, ...(g.sortKey ? [{ AttributeName: g.sortKey, KeyType: "RANGE" as const }] : [])],
      Projection: { ProjectionType: "ALL" },
    };
  });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...attrs.values()],
        KeySchema: [{ AttributeName: t.partitionKey, KeyType: "HASH" }, ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: "RANGE" as const }] : [])],
        GlobalSecondaryIndexes: gsis.length > 0 ? gsis : undefined,
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    const existing = (await dynamo.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    const keys = (existing?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(",");
    const want = [`${t.partitionKey}:HASH`, ...(t.sortKey ? [`${t.sortKey}:RANGE`] : [])].join(",");
    const haveIdx = new Set((existing?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const missing = t.gsis.filter((g) => !haveIdx.has(g.name)).map((g) => g.name);
    if (keys !== want || missing.length > 0) {
      warn(
        `table ${tableName} (persisted) does not match the ${m.name} manifest (keys ${keys} vs ${want}${missing.length ? `; missing indexes ${missing.join(", ")}` : ""}). ` +
          "Delete .siyu/dynamodb (or run without --persist) to recreate it.",
      );
    }
  }
  if (t.ttlAttribute) {
    try {
      await dynamo.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true } }));
    } catch (err) {
      // a persisted table already has TTL on: DynamoDB answers ValidationException "TimeToLive is already enabled"
      if (!/already enabled/i.test(String((err as Error).message))) throw err;
    }
  }
}
