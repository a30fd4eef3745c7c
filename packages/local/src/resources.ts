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
import {
  checkQueueRules,
  dlqAttributes,
  type LoadedService,
  type QueueSettings,
  type QueueSpec,
  queueAttributes,
  queueSettings,
  type ServiceManifest,
  sqsQueueName,
} from "@siyu/manifest";

/**
 * The resources a set of manifests declares, created the way infra/lib/service-construct.ts creates
 * them in AWS: one table per service (string keys, GSIs projecting ALL, TTL), one queue + DLQ per
 * manifest queue (settings from @siyu/manifest's `queueSettings`, as infra's), one domain-event
 * topic, and per subscribing queue a raw-delivery subscription filtered on the `type` message
 * attribute.
 */

export interface QueueResource {
  spec: QueueSpec;
  /** What the queue and its event source are (the same derivation infra uses). */
  settings: QueueSettings;
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
  return {
    table: (service) => `${prefix}-${service}`,
    queue: (service, q) => sqsQueueName(`${prefix}-${service}-${q.name}`, q),
    dlq: (service, q) => sqsQueueName(`${prefix}-${service}-${q.name}-dlq`, q),
    topic: `${prefix}-domain-events`,
  };
}

/**
 * The queue rules infra enforces too (@siyu/manifest's `checkQueueRules`), so a manifest that would
 * fail `cdk synth` fails `pnpm dev`; plus the one local naming limit (AWS names its queues itself).
 */
export function checkLocalQueueRules(m: ServiceManifest): void {
  checkQueueRules(m);
  for (const spec of m.queues) {
    if (spec.name.length + m.name.length > 60) throw new Error(`${m.name}/queues/${spec.name}: queue names must stay below 80 characters with the prefix`);
  }
}

/** One service's resources: its manifest, its table's name and its queues (created). */
export interface ServiceResources {
  loaded: LoadedService;
  manifest: ServiceManifest;
  tableName: string;
  queues: QueueResource[];
}

/**
 * The resources phase: the topic, then every service's queues, DLQs and subscriptions. Tables come
 * later (`createTables`), once DynamoDB Local answers.
 */
export async function provisionMessaging(
  clients: { sqs: SQSClient; sns: SNSClient },
  names: Names,
  selected: readonly LoadedService[],
): Promise<{ topicArn: string; services: ServiceResources[] }> {
  const topicArn = await createTopic(clients.sns, names);
  const queues = await Promise.all(selected.map((loaded) => createQueues(clients.sqs, clients.sns, names, loaded, topicArn)));
  const services = selected.map((loaded, i) => ({ loaded, manifest: loaded.manifest, tableName: names.table(loaded.manifest.name), queues: queues[i]! }));
  return { topicArn, services };
}

/** Every service's table (see `createTable`). */
export async function createTables(dynamo: DynamoDBClient, services: readonly ServiceResources[], warn: (msg: string) => void): Promise<void> {
  await Promise.all(services.map((s) => createTable(dynamo, s.tableName, s.manifest, warn)));
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
      const settings = queueSettings(spec);
      const dlqName = names.dlq(m.name, spec);
      const dlqUrl = await createQueue(sqs, dlqName, dlqAttributes(settings));
      const dlqArn = await queueArn(sqs, dlqUrl);
      const name = names.queue(m.name, spec);
      const url = await createQueue(sqs, name, queueAttributes(settings, dlqArn));
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
      return { spec, settings, name, url, arn, dlqName, dlqUrl, dlqArn };
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
