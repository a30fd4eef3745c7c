/**
 * `pnpm bench intake`: adds through the whole local platform — the WeCom simulator scans a channel
 * code and sends the signed, encrypted callback to the gateway; contact-intake acks, queues, and its
 * consumer welcomes, records, tags and counts. Two phases of ADDS customers each: a steady 50/s and a
 * burst. Everything (simulator, gateway, handlers, fauxqs) shares one Node process and this machine's
 * 2 cores with DynamoDB Local, so absolute numbers are pessimistic; the ratio to a bare SendMessage
 * measured in the same run is the figure to watch.
 */
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalPlatform } from "@siyu/local";
import { setDocumentClient } from "@siyu/store";
import { atRate, burst, printTable, summary } from "./stats.ts";

const ADDS = Number(process.env.BENCH_ADDS ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const BURST_CONCURRENCY = Number(process.env.BENCH_BURST_CONCURRENCY ?? 100);
const STAFF = 10;

/** Counts write capacity units by asking DynamoDB for ConsumedCapacity on every write. */
function instrument(client: DynamoDBClient) {
  const totals = { writeUnits: 0, writes: 0, reads: 0 };
  const writes = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "TransactWriteItemsCommand", "BatchWriteItemCommand"]);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const input = args.input as Record<string, unknown>;
      if (writes.has(command)) {
        input.ReturnConsumedCapacity = "TOTAL";
        totals.writes++;
      } else totals.reads++;
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        const cap = c as { CapacityUnits?: number; WriteCapacityUnits?: number };
        if (writes.has(command)) totals.writeUnits += cap.WriteCapacityUnits ?? cap.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: "initialize", name: "benchConsumedCapacity" },
  );
  return totals;
}

export async function run(): Promise<void> {
  // steady-state JIT for DynamoDB Local (dev and tests use fast-boot flags)
  process.env.SIYU_DYNAMODB_JVM_FLAGS ??= "-XX:+UseSerialGC -Xss512k";
  const platform = await startLocalPlatform({
    repoRoot: fileURLToPath(new URL("../../", import.meta.url)),
    services: ["contact-intake"],
    port: 0,
    simulator: { port: 0, seed: "empty", strict: true },
    schedules: "manual",
    pollerConcurrency: 4,
    pollWaitSeconds: 1,
    logLevel: "warn",
    functionLogLevel: "error",
  });
  try {
    // the handlers' shared document client, instrumented (created after the platform set the endpoint env)
    const raw = new DynamoDBClient({});
    const totals = instrument(raw);
    setDocumentClient(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }));
    const world = platform.simulator!.world;
    const simPost = async (path: string, body: unknown) => {
      const res = await fetch(`${platform.simulatorUrl}/_sim/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, string>>;
    };
    for (let i = 0; i < STAFF; i++) await simPost("staff", { userId: `staff${i}`, name: `导购${i}` });
    const tag = await simPost("console-tag", { groupName: "渠道", tagName: "压测" });
    await platform.drain();
    const created = await fetch(`${platform.gatewayUrl}/v1/channels`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "压测渠道",
        staff: Array.from({ length: STAFF }, (_, i) => ({ userId: `staff${i}`, dailyCap: 1000 })),
        tagIds: [tag.tagId],
        welcome: { text: "欢迎！", attachments: [{ type: "link", title: "新人礼", url: "https://example.com/gift" }] },
      }),
    });
    if (created.status !== 201) throw new Error(`channel: ${created.status} ${await created.text()}`);
    const channel = (await created.json()) as { configId: string };

    // bare SendMessage on the same fauxqs, same process: the floor an ack cannot beat
    const scratch = (await platform.sqs.send(new CreateQueueCommand({ QueueName: `${platform.prefix}-bench-bare` }))).QueueUrl!;
    const bare: number[] = [];
    await atRate(500, RATE, async () => {
      const t = performance.now();
      await platform.sqs.send(new SendMessageCommand({ QueueUrl: scratch, MessageBody: JSON.stringify({ x: "y".repeat(800) }) }));
      bare.push(performance.now() - t);
    });

    // and a bare PutItem on the same DynamoDB Local: every add makes several of these
    const bareDynamo: number[] = [];
    await atRate(500, RATE, async (i) => {
      const t = performance.now();
      await raw.send(new PutItemCommand({ TableName: platform.tableName("contact-intake"), Item: { pk: { S: `BENCH#${i}` }, sk: { S: "BENCH" }, v: { S: "x".repeat(200) } } }));
      bareDynamo.push(performance.now() - t);
    });

    const rows: Record<string, unknown>[] = [];
    let customer = 0;
    for (const phase of ["steady", "burst"] as const) {
      const cbStart = world.callbacks.records.length;
      const welcomeStart = world.welcome.delivered.length;
      const reqStart = world.requests.entries.length;
      const w0 = { ...totals };
      const t0 = performance.now();
      const scan = async () => {
        const ext = world.customers.add({ name: `客户${customer++}` }).externalUserId;
        const r = world.scanContactWay(channel.configId, ext);
        await r.delivery;
      };
      if (phase === "steady") await atRate(ADDS, RATE, scan);
      else await burst(ADDS, BURST_CONCURRENCY, scan);
      await platform.drain({ timeoutMs: 300_000 });
      const seconds = (performance.now() - t0) / 1000;
      const acks = world.callbacks.records.slice(cbStart).flatMap((r) => r.attempts.slice(0, 1).map((a) => a.durationMs));
      const non200 = world.callbacks.records.slice(cbStart).filter((r) => r.attempts[0]?.status !== 200).length;
      const welcomes = world.welcome.delivered.slice(welcomeStart).map((w) => w.delayMs);
      const calls = world.requests.entries.slice(reqStart).filter((e) => e.api !== "gettoken");
      const ack = summary(acks);
      const welcome = summary(welcomes);
      rows.push({
        phase,
        adds: ADDS,
        "offered/s": phase === "steady" ? RATE : `${BURST_CONCURRENCY} in flight`,
        "wall s": seconds,
        "ack p50 ms": ack.p50,
        "ack p99 ms": ack.p99,
        "ack p99 ÷ bare p99": ack.p99 / summary(bare).p99,
        "non-200 acks": non200,
        "welcomes": welcomes.length,
        "welcome p50 ms": welcome.p50,
        "welcome p99 ms": welcome.p99,
        "WCU/add": (totals.writeUnits - w0.writeUnits) / ADDS,
        "writes/add": (totals.writes - w0.writes) / ADDS,
        "reads/add": (totals.reads - w0.reads) / ADDS,
        "WeCom calls/add": calls.length / ADDS,
      });
    }
    const baseline = (name: string, samples: number[]) => {
      const s = summary(samples);
      return { operation: name, n: s.n, "p50 ms": s.p50, "p99 ms": s.p99, "max ms": s.max };
    };
    printTable("baselines in the same run (500 at the steady rate)", [
      baseline("SQS SendMessage (fauxqs, in-process)", bare),
      baseline("DynamoDB PutItem (DynamoDB Local)", bareDynamo),
    ]);
    printTable(`contact intake: ${ADDS} adds per phase`, rows);
    console.log(`\nWeCom rule violations recorded by the simulator: ${world.violations.entries.length}`);
    console.log("Goals: ack p99 ≤ 3× bare send p99; welcome p99 ≤ 2000 ms at 50/s.");
  } finally {
    setDocumentClient(undefined);
    await platform.close();
  }
}
