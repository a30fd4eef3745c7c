import { fileURLToPath } from "node:url";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { usePlatform } from "../../../test/support/platform.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const platform = await usePlatform({ repoRoot: FIXTURES, services: ["alpha"] });

type Json = Record<string, any>;

/** Items the fixture consumers wrote under `pk`, sk → parsed data. */
async function items(pk: string): Promise<Map<string, Json>> {
  const out = await platform.dynamo.send(
    new QueryCommand({ TableName: platform.tableName("alpha"), KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk } }),
  );
  return new Map((out.Items ?? []).map((i) => [i.sk as string, JSON.parse(i.data as string) as Json]));
}

/** Sends one batch to alpha's work queue; resolves with the message ids by body id. */
async function sendWork(bodies: { id: string; failTimes?: number; throwTimes?: number; poison?: boolean }[], attributes: Record<string, string> = {}): Promise<Record<string, string>> {
  const out = await platform.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: platform.queueUrl("alpha", "work"),
      Entries: bodies.map((b, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(b),
        MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }])),
      })),
    }),
  );
  return Object.fromEntries((out.Successful ?? []).map((s) => [bodies[Number(s.Id)]!.id, s.MessageId!]));
}

describe("resources from the manifest", () => {
  it("creates queues with their DLQ redrive, FIFO where declared", async () => {
    const a = (
      await platform.sqs.send(new GetQueueAttributesCommand({ QueueUrl: platform.queueUrl("alpha", "work"), AttributeNames: ["All"] }))
    ).Attributes!;
    expect(a.VisibilityTimeout).toBe("30");
    const dlqArn = (
      await platform.sqs.send(new GetQueueAttributesCommand({ QueueUrl: platform.dlqUrl("alpha", "work"), AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn;
    expect(JSON.parse(a.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
    expect(platform.queueUrl("alpha", "ordered")).toMatch(/-alpha-ordered\.fifo$/);
    expect(platform.dlqUrl("alpha", "ordered")).toMatch(/-alpha-ordered-dlq\.fifo$/);
    // the URL's origin is the endpoint itself, so SDK clients never re-route to a *.localhost host
    expect(new URL(platform.queueUrl("alpha", "work")).origin).toBe(platform.endpoints.sqs);
  });

  it("subscribes queues to the topic with raw delivery and a filter on `type`", async () => {
    const subs = (await platform.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: platform.topicArn }))).Subscriptions ?? [];
    expect(subs).toHaveLength(2);
    const attrs = await Promise.all(
      subs.map(async (s) => (await platform.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn! }))).Attributes!),
    );
    const policies = attrs.map((a) => JSON.parse(a.FilterPolicy!)).sort((x, y) => x.type.length - y.type.length);
    expect(policies).toEqual([{ type: ["probe.recorded"] }, { type: ["contact.added", "contact.lost"] }]);
    expect(attrs.every((a) => a.RawMessageDelivery === "true")).toBe(true);
  });

  it("creates the table with its GSIs and TTL", async () => {
    const t = (await platform.dynamoClient.send(new DescribeTableCommand({ TableName: platform.tableName("alpha") }))).Table!;
    expect(t.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(t.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(["by-kind"]);
    const ttl = await platform.dynamoClient.send(new DescribeTimeToLiveCommand({ TableName: platform.tableName("alpha") }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "ttl", TimeToLiveStatus: "ENABLED" });
  });
});

describe("queue consumers", () => {
  it("delivers SQS events and retries only the records reported in batchItemFailures", async () => {
    await sendWork([{ id: "pb-a" }, { id: "pb-b" }, { id: "pb-c", failTimes: 1 }, { id: "pb-d" }, { id: "pb-e" }]);
    await platform.drain();
    for (const id of ["pb-a", "pb-b", "pb-d", "pb-e"]) {
      const got = await items(`work#${id}`);
      expect([...got.keys()].sort(), id).toEqual(["attempt#1", "done"]);
      expect(got.get("attempt#1")!.batch).toBe(5);
      expect(got.get("attempt#1")!.arn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:t-[0-9a-f]+-alpha-work$/);
    }
    const c = await items("work#pb-c");
    expect([...c.keys()].sort()).toEqual(["attempt#1", "attempt#2", "done"]);
    expect(c.get("attempt#2")!.batch).toBe(1);
  });

  it("retries the whole batch when the handler throws", async () => {
    await sendWork([{ id: "th-1" }, { id: "th-2", throwTimes: 1 }]);
    await platform.drain();
    expect([...(await items("work#th-1")).keys()].sort()).toEqual(["attempt#1", "attempt#2", "done"]);
    expect([...(await items("work#th-2")).keys()].sort()).toEqual(["attempt#1", "attempt#2", "done"]);
  });

  it("moves a poison message to the DLQ after maxReceiveCount receives, losing nothing else", async () => {
    const ids = await sendWork([{ id: "ps-ok1" }, { id: "ps-bad", poison: true }, { id: "ps-ok2" }], { type: "test.poison" });
    await platform.drain();
    expect([...(await items("work#ps-bad")).keys()].sort()).toEqual(["attempt#1", "attempt#2", "attempt#3"]);
    expect([...(await items("work#ps-ok1")).keys()].sort()).toEqual(["attempt#1", "done"]);
    expect([...(await items("work#ps-ok2")).keys()].sort()).toEqual(["attempt#1", "done"]);
    const dlq = await platform.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: platform.dlqUrl("alpha", "work"), MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 1 }),
    );
    expect(dlq.Messages).toHaveLength(1);
    expect(dlq.Messages![0]!.MessageId).toBe(ids["ps-bad"]);
    expect(JSON.parse(dlq.Messages![0]!.Body!)).toEqual({ id: "ps-bad", poison: true });
    expect(dlq.Messages![0]!.MessageAttributes?.type?.StringValue).toBe("test.poison");
  });

  it("fills batches larger than 10 within the batching window", async () => {
    const url = platform.queueUrl("alpha", "big");
    for (let i = 0; i < 25; i += 10) {
      await platform.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: Math.min(10, 25 - i) }, (_, j) => ({ Id: String(j), MessageBody: JSON.stringify({ id: `big-${i + j}` }) })),
        }),
      );
    }
    await platform.drain();
    const batches = [...(await items(`batch#${platform.prefix}-alpha-consumer-big`)).values()];
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(25);
    expect(Math.max(...batches.map((b) => b.size))).toBeGreaterThan(10);
  });

  it("keeps FIFO order within a message group", async () => {
    const url = platform.queueUrl("alpha", "ordered");
    const entries = [
      ["g1", "g1-1"],
      ["g2", "g2-1"],
      ["g1", "g1-2"],
      ["g1", "g1-3"],
      ["g2", "g2-2"],
    ] as const;
    await platform.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: entries.map(([g, id], i) => ({ Id: String(i), MessageBody: JSON.stringify({ id }), MessageGroupId: g, MessageDeduplicationId: id })),
      }),
    );
    await platform.drain();
    const batches = [...(await items(`batch#${platform.prefix}-alpha-consumer-ordered`)).entries()].sort(([a], [b]) => a.localeCompare(b));
    const seen = batches.flatMap(([, b]) => b.ids as string[]);
    expect(seen.filter((id) => id.startsWith("g1"))).toEqual(["g1-1", "g1-2", "g1-3"]);
    expect(seen.filter((id) => id.startsWith("g2"))).toEqual(["g2-1", "g2-2"]);
  });
});

describe("domain events through the topic", () => {
  async function publish(type: string, data: unknown) {
    const res = await fetch(`${platform.gatewayUrl}/v1/events`, { method: "POST", body: JSON.stringify({ type, data }) });
    expect(res.status).toBe(204);
  }
  const consumer = (queue: string) => `event#${platform.prefix}-alpha-consumer-${queue}`;

  it("delivers an event only to the queues subscribed to its type, raw, with its attributes", async () => {
    await publish("probe.recorded", { n: 1 });
    await publish("contact.lost", { n: 2 });
    await publish("group.created", { n: 3 });
    await platform.drain();
    const probe = [...(await items(consumer("probe-events"))).values()];
    const contact = [...(await items(consumer("contact-events"))).values()];
    expect(probe.map((e) => JSON.parse(e.body))).toEqual([{ type: "probe.recorded", data: { n: 1 } }]);
    expect(probe[0]!.type).toBe("probe.recorded");
    expect(probe[0]!.arn).toMatch(/-alpha-probe-events$/);
    expect(contact.map((e) => JSON.parse(e.body))).toEqual([{ type: "contact.lost", data: { n: 2 } }]);
  });

  it("delivers an event published without a type to no filtered queue", async () => {
    const before = (await items(consumer("probe-events"))).size + (await items(consumer("contact-events"))).size;
    await platform.sns.send(new PublishCommand({ TopicArn: platform.topicArn, Message: JSON.stringify({ type: "probe.recorded" }) }));
    await platform.drain();
    const after = (await items(consumer("probe-events"))).size + (await items(consumer("contact-events"))).size;
    expect(after).toBe(before);
  });
});

describe("drain", () => {
  it("waits for a message sent by an HTTP handler to be consumed", async () => {
    const res = await fetch(`${platform.gatewayUrl}/v1/work`, { method: "POST", body: JSON.stringify({ id: "via-http" }) });
    expect(res.status).toBe(202);
    await platform.drain();
    expect([...(await items("work#via-http")).keys()].sort()).toEqual(["attempt#1", "done"]);
  });

  it("times out with the reason when a queue never empties", async () => {
    await platform.sqs.send(new SendMessageCommand({ QueueUrl: platform.queueUrl("alpha", "work"), MessageBody: JSON.stringify({ id: "slow", failTimes: 2 }) }));
    // with immediate retries it empties quickly; a 1 ms budget must fail with a description
    await expect(platform.drain({ timeoutMs: 1 })).rejects.toThrow(/drain: still busy/);
    await platform.drain();
  });
});
