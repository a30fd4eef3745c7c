/**
 * `pnpm bench dynamodb-local`: what one DynamoDB call costs on this machine — DynamoDB Local's CPU
 * (the JVM) and the calling Node process's CPU (the AWS SDK: middleware, signing, serde, HTTP) — by
 * operation. This is the budget every handler spends from: on a 2-core machine running the whole
 * local platform, calls per event decide the sustainable rate.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  BatchWriteItemCommand,
} from "@aws-sdk/client-dynamodb";
import { startDynamoLocal } from "@siyu/local/services";
import { printTable, processCpuMs } from "./stats.ts";

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const CONCURRENCY = 20;
const WARMUP = 1000;

export async function run(): Promise<void> {
  process.env.SIYU_DYNAMODB_JVM_FLAGS ??= "-XX:+UseSerialGC -Xss512k";
  const dynamo = await startDynamoLocal();
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const TableName = "bench-calls";
    // the services' table shape: pk/sk and three GSIs
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: ["pk", "sk", "g1", "g2", "g3"].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: ["g1", "g2", "g3"].map((g) => ({
          IndexName: `index-${g}`,
          KeySchema: [
            { AttributeName: g, KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        })),
      }),
    );
    const body = { S: "x".repeat(300) };
    const ops: [string, (i: number) => Promise<unknown>][] = [
      ["PutItem", (i) => client.send(new PutItemCommand({ TableName, Item: { pk: { S: `P#${i}` }, sk: { S: "S" }, v: body } }))],
      ["PutItem, 3 GSI keys", (i) => client.send(new PutItemCommand({ TableName, Item: { pk: { S: `G#${i}` }, sk: { S: `${i}` }, g1: { S: `a${i % 10}` }, g2: { S: `b${i % 20}` }, g3: { S: "c" }, v: body } }))],
      ["PutItem, conditional", (i) => client.send(new PutItemCommand({ TableName, Item: { pk: { S: `C#${i}` }, sk: { S: "S" }, v: body }, ConditionExpression: "attribute_not_exists(pk)" }))],
      ["UpdateItem", (i) => client.send(new UpdateItemCommand({ TableName, Key: { pk: { S: `P#${i}` }, sk: { S: "S" } }, UpdateExpression: "SET w = :w", ExpressionAttributeValues: { ":w": { S: "z" } } }))],
      ["GetItem, consistent", (i) => client.send(new GetItemCommand({ TableName, Key: { pk: { S: `P#${i}` }, sk: { S: "S" } }, ConsistentRead: true }))],
      ["Query, 1 item", (i) => client.send(new QueryCommand({ TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: `P#${i}` } } }))],
      [
        "BatchWriteItem, 3 puts",
        (i) =>
          client.send(
            new BatchWriteItemCommand({ RequestItems: { [TableName]: [0, 1, 2].map((k) => ({ PutRequest: { Item: { pk: { S: `B#${i}` }, sk: { S: `${k}` }, v: body } } })) } }),
          ),
      ],
      [
        "TransactWriteItems, put + counter",
        (i) =>
          client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName, Item: { pk: { S: `M#${i}` }, sk: { S: "S" } }, ConditionExpression: "attribute_not_exists(pk)" } },
                { Update: { TableName, Key: { pk: { S: `CTR#${i % 10}` }, sk: { S: "S" } }, UpdateExpression: "ADD n :one", ExpressionAttributeValues: { ":one": { N: "1" } } } },
              ],
            }),
          ),
      ],
    ];
    const rows: Record<string, unknown>[] = [];
    for (const [name, op] of ops) {
      for (let i = 0; i < WARMUP; i++) await op(-i - 1);
      const java0 = processCpuMs(dynamo.pid);
      const node0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < CALLS) await op(next++);
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const node = process.cpuUsage(node0);
      rows.push({
        call: name,
        "calls/s": CALLS / seconds,
        "DynamoDB Local CPU ms/call": (processCpuMs(dynamo.pid) - java0) / CALLS,
        "Node (SDK) CPU ms/call": (node.user + node.system) / 1000 / CALLS,
      });
    }
    printTable(`${CALLS} calls each, ${CONCURRENCY} in flight, after ${WARMUP} warm-up calls`, rows);
  } finally {
    await dynamo.stop();
  }
}
