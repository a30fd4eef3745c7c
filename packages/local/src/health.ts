import { DescribeTableCommand, type DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetTopicAttributesCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { routeKey } from "@siyu/manifest";
import type { RunningSimulator } from "@siyu/wecom-sim";
import type { LocalScheduler } from "./scheduler.ts";
import type { ServiceRuntime } from "./service-functions.ts";
import { unrefSleep } from "./time.ts";

/** `GET /health` and `platform.health()`: every emulator, table, queue, DLQ and handler, each checked within 2 s. */

export interface HealthReport {
  status: "ok" | "degraded" | "starting" | "stopping";
  gateway: string;
  region: string;
  prefix: string;
  dynamodb: { endpoint: string; ok: boolean; error?: string };
  sqs: { endpoint: string };
  topic: { arn: string; ok: boolean; error?: string };
  simulator: { url: string; ok: boolean; error?: string } | { enabled: false };
  services: Record<
    string,
    {
      ok: boolean;
      table: { name: string; ok: boolean; error?: string };
      queues: Record<string, { url: string; ok: boolean; messages?: number; inFlight?: number; dlq: { url: string; ok: boolean; messages?: number }; error?: string }>;
      routes: string[];
      schedules: ReturnType<LocalScheduler["list"]>;
      handlers: Record<string, string>;
    }
  >;
}

export interface HealthInputs {
  state: HealthReport["status"];
  gatewayUrl: string;
  region: string;
  prefix: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  topicArn: string;
  dynamoClient: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  simulator: RunningSimulator | undefined;
  services: ReadonlyMap<string, ServiceRuntime>;
  scheduler: LocalScheduler;
}

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    const value = await Promise.race([fn(), unrefSleep(2000).then(() => Promise.reject(new Error("no answer within 2 s")))]);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: (err as Error).message ?? String(err) };
  }
}

export async function buildHealth(h: HealthInputs): Promise<HealthReport> {
  const queueCounts = (url: string) =>
    check(async () => {
      const a = (
        await h.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        )
      ).Attributes;
      return { messages: Number(a?.ApproximateNumberOfMessages ?? 0), inFlight: Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0) };
    });
  const [dynamoList, topic, sim] = await Promise.all([
    check(() => h.dynamoClient.send(new ListTablesCommand({ Limit: 1 }))),
    check(() => h.sns.send(new GetTopicAttributesCommand({ TopicArn: h.topicArn }))),
    h.simulator
      ? check(async () => {
          const r = await fetch(`${h.simulator!.url}/_sim`, { signal: AbortSignal.timeout(2000) });
          await r.arrayBuffer();
          if (r.status >= 500) throw new Error(`HTTP ${r.status}`);
        })
      : Promise.resolve(undefined),
  ]);
  const services: HealthReport["services"] = {};
  await Promise.all(
    [...h.services.values()].map(async (s) => {
      const table = await check(() => h.dynamoClient.send(new DescribeTableCommand({ TableName: s.tableName })));
      const queues: HealthReport["services"][string]["queues"] = {};
      await Promise.all(
        s.queues.map(async (q) => {
          const [main, dlq] = await Promise.all([queueCounts(q.url), queueCounts(q.dlqUrl)]);
          queues[q.spec.name] = {
            url: q.url,
            ok: main.ok && dlq.ok,
            ...(main.ok ? main.value : { error: main.error }),
            dlq: { url: q.dlqUrl, ok: dlq.ok, ...(dlq.ok ? { messages: dlq.value.messages } : {}) },
          };
        }),
      );
      const handlers: Record<string, string> = {};
      if (s.http) handlers.http = s.http.state;
      for (const [n, f] of s.consumers) handlers[`consumer:${n}`] = f.state;
      for (const [n, f] of s.schedules) handlers[`schedule:${n}`] = f.state;
      const tableOk = table.ok && table.value.Table?.TableStatus === "ACTIVE";
      services[s.manifest.name] = {
        ok: tableOk && Object.values(queues).every((q) => q.ok),
        table: { name: s.tableName, ok: tableOk, ...(table.ok ? {} : { error: table.error }) },
        queues,
        routes: (s.manifest.http?.routes ?? []).map((r) => `${routeKey(r)} (${r.auth})`),
        schedules: h.scheduler.list().filter((x) => x.service === s.manifest.name),
        handlers,
      };
    }),
  );
  const simulator: HealthReport["simulator"] = h.simulator
    ? { url: h.simulator.url, ok: Boolean(sim?.ok), ...(sim && !sim.ok ? { error: sim.error } : {}) }
    : { enabled: false };
  const ok = dynamoList.ok && topic.ok && ("enabled" in simulator || simulator.ok) && Object.values(services).every((s) => s.ok);
  return {
    status: h.state !== "ok" ? h.state : ok ? "ok" : "degraded",
    gateway: h.gatewayUrl,
    region: h.region,
    prefix: h.prefix,
    dynamodb: { endpoint: h.dynamoEndpoint, ok: dynamoList.ok, ...(dynamoList.ok ? {} : { error: dynamoList.error }) },
    sqs: { endpoint: h.sqsEndpoint },
    topic: { arn: h.topicArn, ok: topic.ok, ...(topic.ok ? {} : { error: topic.error }) },
    simulator,
    services,
  };
}
