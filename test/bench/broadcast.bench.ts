/**
 * `pnpm bench broadcast` (or `pnpm exec tsx test/bench/broadcast.bench.ts`): one campaign to the whole
 * corp — BENCH_CUSTOMERS customers (default 100,000) across BENCH_STAFF members (200), a share of them
 * following two members, tags on the relations — through broadcast-scheduler's own use cases on the
 * local platform (DynamoDB Local, fauxqs, the strict WeCom simulator in this process):
 *
 * 1. `planCampaign` alone, BENCH_PLAN_RUNS times each for the whole audience and a tag-filtered one
 *    (read the read model, ledger and open runs; plan): read ms, plan ms, DynamoDB requests.
 * 2. The campaign created over HTTP (`POST /v1/broadcasts`, send now); its queued run taken from the
 *    runs queue and given to `startRun` (plan afresh, the run, outbox chunks, recipient and staff rows,
 *    one send command per chunk): wall time, where it goes, DynamoDB requests per planned customer.
 *    Then one more plan with that run open (its planned recipients count in the ledger).
 * 3. `sendChunk` for every chunk, BENCH_SEND_CONCURRENCY at a time (the sends consumer's 4): per-chunk
 *    latency, DynamoDB requests, and what WeCom saw — one `add_msg_template` per sender chunk, one task
 *    per member (never a second), every planned customer in exactly one task, no rule violation.
 *
 * Goals: planning (startRun's read + plan) ≤ 60 s locally, reported loudly when missed; hard goals
 * (a second task for a member, a call count other than one per chunk, a violation, a chunk not sent)
 * fail the bench (non-zero exit). Seeding (simulator world + read model) is reported, not measured.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalPlatform } from "@siyu/local";
import { functionEnvironment } from "@siyu/manifest";
import { mapLimit, setDocumentClient } from "@siyu/store";
import { envCredentials, WECOM_ENV, wecomFor } from "@siyu/wecom";
import manifest from "../../functions/broadcast-scheduler/service.ts";
import { type Logger, log, runtimeConfig, runWithEnv } from "../../packages/lambda-kit/src/index.ts";
import type { Deps } from "../../functions/broadcast-scheduler/src/app/deps.ts";
import { planCampaign } from "../../functions/broadcast-scheduler/src/app/plan.ts";
import { startRun } from "../../functions/broadcast-scheduler/src/app/run.ts";
import { sendChunk, type SendOutcome } from "../../functions/broadcast-scheduler/src/app/send.ts";
import { parseCampaignCreate } from "../../functions/broadcast-scheduler/src/domain/campaign.ts";
import { runDeadline } from "../../functions/broadcast-scheduler/src/domain/schedule.ts";
import { chunksOf } from "../../functions/broadcast-scheduler/src/store/outbox.ts";
import { buildCorp, seedReadModel } from "./broadcast-world.ts";
import { countCalls, listenForCalls } from "./dynamodb-counter.ts";
import { printTable, processCpuMs, summary } from "./stats.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const STAFF = Number(process.env.BENCH_STAFF ?? 200);
/** Share of customers who also follow a second member (added later: WeCom routes them to that one). */
const SECOND_FOLLOW = Number(process.env.BENCH_SECOND_FOLLOW ?? 0.2);
/** Plans per audience in phase 1 (the first one also warms both JITs). */
const PLAN_RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 3);
const SEND_CONCURRENCY = Number(process.env.BENCH_SEND_CONCURRENCY ?? 4);
/** `batch` (BatchWriteItem of relationAdded's item, checked against it) or `update` (relationAdded, 32 in flight). */
const SEED = process.env.BENCH_SEED === "update" ? "update" : "batch";
const PLAN_GOAL_MS = 60_000;
const SERVICE = "broadcast-scheduler";
const ADD_API = "externalcontact/add_msg_template";

/** Wall span and summed latency of the DynamoDB calls of each kind while `on` (where startRun's time goes). */
function spanRecorder(client: DynamoDBClient) {
  const spans = new Map<string, { calls: number; first: number; last: number; sumMs: number }>();
  let on = false;
  const kindOf = (command: string, input: Record<string, unknown>): string => {
    const op = command.replace(/Command$/, "");
    const part = (v: unknown) => (typeof v === "string" ? v : ((v as { S?: string } | undefined)?.S ?? "?")).split("#")[0];
    if (op === "BatchWriteItem") {
      const reqs = Object.values((input.RequestItems as Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]>) ?? {})[0] ?? [];
      return `BatchWriteItem ${part(reqs[0]?.PutRequest?.Item.sk)}`;
    }
    const k = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
    if (k) return `${op} ${part(k.pk)}`;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    return `${op} ${part(values[":pk"])}`;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!on) return next(args);
      const label = kindOf(context.commandName ?? "?", args.input as Record<string, unknown>);
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        const end = performance.now();
        const s = spans.get(label) ?? { calls: 0, first: t, last: end, sumMs: 0 };
        s.calls++;
        s.first = Math.min(s.first, t);
        s.last = Math.max(s.last, end);
        s.sumMs += end - t;
        spans.set(label, s);
      }
    },
    { step: "initialize", name: "benchSpans" },
  );
  return {
    start(): number {
      spans.clear();
      on = true;
      return performance.now();
    },
    stop(t0: number) {
      on = false;
      return [...spans].sort((a, b) => a[1].first - b[1].first).map(([call, s]) => ({
        call,
        requests: s.calls,
        "from ms": s.first - t0,
        "to ms": s.last - t0,
        "wall span ms": s.last - s.first,
        "Σ latency ms": s.sumMs,
      }));
    },
  };
}

export async function run(): Promise<void> {
  process.env.SIYU_DYNAMODB_JVM_FLAGS ??= "-XX:+UseSerialGC -Xss512k";
  const credentials = await envCredentials(process.env)();
  const platform = await startLocalPlatform({
    repoRoot: fileURLToPath(new URL("../../", import.meta.url)),
    services: [SERVICE],
    port: 0,
    simulator: { port: 0, seed: "empty", strict: true },
    wecom: credentials,
    schedules: "manual",
    // the bench calls the use cases itself: the run's message is taken off the runs queue by hand
    pollers: false,
    logLevel: "warn",
    functionLogLevel: "warn",
  });
  const raw = new DynamoDBClient({});
  countCalls(raw);
  const spans = spanRecorder(raw);
  setDocumentClient(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }));
  const calls = listenForCalls();
  const totals = calls.totals;
  try {
    const world = platform.simulator!.world;
    const table = platform.tableName(SERVICE);
    const env = {
      ...functionEnvironment(manifest, {
        client: "local",
        corpId: credentials.corpId,
        timeZone: "Asia/Shanghai",
        tableName: table,
        topicArn: platform.topicArn,
        queueUrls: Object.fromEntries(manifest.queues.map((q) => [q.name, platform.queueUrl(SERVICE, q.name)])),
        dlqUrls: Object.fromEntries(manifest.queues.map((q) => [q.name, platform.dlqUrl(SERVICE, q.name)])),
        wecomBaseUrl: platform.simulatorUrl!,
        publicBaseUrl: platform.gatewayUrl,
        logLevel: "warn",
      }),
      [WECOM_ENV.corpId]: credentials.corpId,
      [WECOM_ENV.agentId]: credentials.agentId,
      [WECOM_ENV.secret]: credentials.secret,
      [WECOM_ENV.token]: credentials.token,
      [WECOM_ENV.encodingAesKey]: credentials.encodingAesKey,
    };
    const config = runWithEnv(env, () => runtimeConfig());
    const wecom = wecomFor(config);
    const quiet: Logger = { ...log, debug: () => {}, info: () => {} };
    const deps: Deps = { config, wecom: () => wecom.client(), now: () => new Date(), log: quiet };
    const inFunction = <T>(f: () => Promise<T>) => runWithEnv(env, f);

    // ── seeding (reported, not measured) ──
    const seed0 = performance.now();
    const corp = buildCorp(world, { staff: STAFF, customers: CUSTOMERS, secondFollow: SECOND_FOLLOW, now: Date.now() });
    const simMs = performance.now() - seed0;
    const rm0 = performance.now();
    await seedReadModel(table, corp.relations, SEED);
    const readModelMs = performance.now() - rm0;
    const twoFollows = corp.relations.length - corp.customers.length;
    console.log(
      `seeded ${STAFF} staff, ${CUSTOMERS} customers, ${corp.relations.length} relations (${twoFollows} customers follow 2 members) — ` +
        `simulator world ${(simMs / 1000).toFixed(1)} s, read model (${SEED}) ${(readModelMs / 1000).toFixed(1)} s`,
    );
    await calls.settle();

    const cpuNow = () => ({ node: process.cpuUsage(), java: platform.dynamoPid ? processCpuMs(platform.dynamoPid) : Number.NaN });
    const cpuSince = (c: ReturnType<typeof cpuNow>) => {
      const n = process.cpuUsage(c.node);
      return { node: (n.user + n.system) / 1000, java: platform.dynamoPid ? processCpuMs(platform.dynamoPid) - c.java : Number.NaN };
    };
    const snapshot = () => ({ reads: totals.reads, writes: totals.writes, writeUnits: totals.writeUnits, byLabel: new Map(totals.byLabel) });
    const since = async (s: ReturnType<typeof snapshot>) => {
      await calls.settle();
      const byLabel = [...totals.byLabel].map(([k, n]) => [k, n - (s.byLabel.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
      return { reads: totals.reads - s.reads, writes: totals.writes - s.writes, writeUnits: totals.writeUnits - s.writeUnits, byLabel };
    };

    const now = new Date();
    const text = `周年庆压测群发 ${now.toISOString()}`;
    const body = { name: "压测：全员群发", audience: { chatType: "single" }, content: { text }, schedule: { kind: "now" } };
    const deadlineOf = (audience: Record<string, unknown>, at: Date) =>
      runDeadline(parseCampaignCreate({ ...body, audience }, { now: at, timeZone: config.timeZone }), { at }, config.timeZone);
    const tagAudience = { chatType: "single", tags: { allOf: [[corp.tags.gold, corp.tags.silver]], noneOf: [corp.tags.doNotDisturb] } };

    // ── 1. planCampaign alone ──
    const planRows: Record<string, unknown>[] = [];
    const planOnce = async (name: string, audience: Record<string, unknown>) => {
      const at = new Date();
      const s = snapshot();
      const cpu = cpuNow();
      const t = performance.now();
      const { plan, stats } = await inFunction(() => planCampaign(deps, { audience: audience as never }, { at, deadline: deadlineOf(audience, at) }));
      const ms = performance.now() - t;
      const c = cpuSince(cpu);
      const d = await since(s);
      const chunks = plan.tasks.reduce((n, task) => n + task.chunks.length, 0);
      planRows.push({
        audience: name,
        candidates: stats.candidates,
        audienceSize: plan.counts.audience,
        planned: plan.counts.planned,
        excluded: plan.excluded.length,
        duplicates: plan.duplicates.length,
        senders: plan.tasks.length,
        chunks,
        "open runs": stats.openRuns,
        "read ms": stats.readMs,
        "plan ms": stats.planMs,
        "total ms": ms,
        "DynamoDB requests": d.reads + d.writes,
        "requests/planned customer": (d.reads + d.writes) / Math.max(1, plan.counts.planned),
        "Node CPU ms": c.node,
        "DynamoDB Local CPU ms": c.java,
      });
      return { ms, stats, plan };
    };
    const wholeMs: number[] = [];
    for (let i = 0; i < PLAN_RUNS; i++) wholeMs.push((await planOnce("whole corp", { chatType: "single" })).ms);
    const tagMs: number[] = [];
    for (let i = 0; i < PLAN_RUNS; i++) tagMs.push((await planOnce("(金卡 OR 银卡) AND NOT 免打扰", tagAudience)).ms);

    // ── 2. create over HTTP, then startRun with the queued run ──
    const created = await fetch(`${platform.gatewayUrl}/v1/broadcasts`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json", "idempotency-key": `bench-${now.getTime()}` },
      body: JSON.stringify(body),
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const campaignId = ((await created.json()) as { campaignId: string }).campaignId;
    const runsQueue = platform.queueUrl(SERVICE, "runs");
    const received = await platform.sqs.send(new ReceiveMessageCommand({ QueueUrl: runsQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }));
    const message = received.Messages?.[0];
    if (!message?.Body) throw new Error("the created campaign queued no run");
    const requested = JSON.parse(message.Body) as { type: string; data: { campaignId: string; runKey: string; at: string } };
    if (requested.type !== "broadcast.run_requested" || requested.data.campaignId !== campaignId) throw new Error(`unexpected run message ${message.Body}`);

    const s2 = snapshot();
    const cpu2 = cpuNow();
    const t2 = spans.start();
    const started = await inFunction(() => startRun(deps, requested.data));
    const startMs = performance.now() - t2;
    const startSpans = spans.stop(t2);
    const c2 = cpuSince(cpu2);
    const d2 = await since(s2);
    await platform.sqs.send(new DeleteMessageCommand({ QueueUrl: runsQueue, ReceiptHandle: message.ReceiptHandle! }));
    if (started.outcome !== "started") throw new Error(`startRun: ${JSON.stringify(started)}`);
    const runKey = started.runKey;
    const planningMs = started.stats.readMs + started.stats.planMs;
    const startRow = {
      planned: started.planned,
      chunks: started.chunks,
      "read ms": started.stats.readMs,
      "plan ms": started.stats.planMs,
      "planning ms (read + plan)": planningMs,
      "writes + queue ms": startMs - planningMs,
      "total ms": startMs,
      "DynamoDB reads": d2.reads,
      "DynamoDB writes": d2.writes,
      WCU: d2.writeUnits,
      "requests/planned customer": (d2.reads + d2.writes) / started.planned,
      "WCU/planned customer": d2.writeUnits / started.planned,
      "Node CPU ms": c2.node,
      "DynamoDB Local CPU ms": c2.java,
      "planning ≤ 60 s": planningMs <= PLAN_GOAL_MS ? "yes" : "NO",
    };
    const startLabels = d2.byLabel.map(([call, n]) => ({ call, requests: n, "per planned customer": n / started.planned }));

    // one more plan with this run open: its ~planned recipients come from the outbox into the ledger
    await planOnce("whole corp, this run open", { chatType: "single" });

    // ── 3. one add_msg_template per chunk ──
    const chunks = await chunksOf(config.table, runKey, { withIds: false });
    const requestsBefore = world.requests.entries.length ? world.requests.entries[world.requests.entries.length - 1]!.seq : 0;
    const simCreateMs: number[] = [];
    const create = world.mass.create.bind(world.mass);
    world.mass.create = (input) => {
      const t = performance.now();
      try {
        return create(input);
      } finally {
        simCreateMs.push(performance.now() - t);
      }
    };
    const s3 = snapshot();
    const cpu3 = cpuNow();
    const t3 = performance.now();
    const outcomes = new Map<SendOutcome, number>();
    const sendMs: number[] = [];
    await mapLimit(chunks, SEND_CONCURRENCY, async (c) => {
      const t = performance.now();
      const outcome = await inFunction(() => sendChunk(deps, runKey, c.chunkId));
      sendMs.push(performance.now() - t);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    });
    const sendsMs = performance.now() - t3;
    const c3 = cpuSince(cpu3);
    const d3 = await since(s3);
    world.mass.create = create;

    // what WeCom saw
    const addCalls = world.requests.entries.filter((r) => r.seq > requestsBefore && r.api === ADD_API);
    const addErrors = addCalls.filter((r) => r.errcode !== null && r.errcode !== 0).length;
    const messages = world.mass.all().filter((m) => m.text === text);
    const tasksPerMember = new Map<string, number>();
    const receivers = new Map<string, number>();
    for (const m of messages) {
      for (const [userId, task] of m.tasks) {
        tasksPerMember.set(userId, (tasksPerMember.get(userId) ?? 0) + 1);
        for (const id of task.targets.keys()) receivers.set(id, (receivers.get(id) ?? 0) + 1);
      }
    }
    // a sender over 10,000 customers has one chunk (one call, one task) per 10,000: more tasks than chunks is a second task
    const chunksPerMember = new Map<string, number>();
    for (const c of chunks) chunksPerMember.set(c.sender, (chunksPerMember.get(c.sender) ?? 0) + 1);
    const secondTasks = [...tasksPerMember].filter(([u, n]) => n > (chunksPerMember.get(u) ?? 0));
    const twiceTasked = [...receivers.values()].filter((n) => n > 1).length;
    const after = await chunksOf(config.table, runKey, { withIds: false });
    const notSent = after.filter((c) => c.state !== "sent").length;
    const retried = after.filter((c) => c.attempts !== 1).length;
    const failList = after.reduce((n, c) => n + (c.failCount ?? 0), 0);
    const senders = new Set(chunks.map((c) => c.sender)).size;
    const violations = world.violations.entries;
    const send = summary(sendMs);
    const sim = summary(simCreateMs);
    const sendRow = {
      chunks: chunks.length,
      senders,
      "add_msg_template calls": addCalls.length,
      "calls/chunk": addCalls.length / chunks.length,
      "calls answered with an error": addErrors,
      "chunks tried more than once": retried,
      "WeCom messages with the text": messages.length,
      "members with more tasks than chunks": secondTasks.length,
      "customers tasked": receivers.size,
      "customers tasked twice": twiceTasked,
      fail_list: failList,
      outcomes: [...outcomes].map(([o, n]) => `${o} ${n}`).join(", "),
      "total ms": sendsMs,
      "sendChunk p50 ms": send.p50,
      "sendChunk p90 ms": send.p90,
      "sendChunk p99 ms": send.p99,
      "sim add_msg_template p50 ms": sim.p50,
      "DynamoDB requests/chunk": (d3.reads + d3.writes) / chunks.length,
      "DynamoDB requests/planned customer": (d3.reads + d3.writes) / started.planned,
      "Node CPU ms (incl. simulator)": c3.node,
      "DynamoDB Local CPU ms": c3.java,
      violations: violations.length,
    };

    const plans = (name: string, samples: number[]) => {
      const s = summary(samples);
      return { audience: name, runs: s.n, "p50 ms": s.p50, "p90 ms": s.p90, "max ms": s.max, "≤ 60 s (max)": s.max <= PLAN_GOAL_MS ? "yes" : "NO" };
    };
    printTable(`1. planCampaign alone: ${CUSTOMERS} customers, ${corp.relations.length} relations, ${STAFF} staff (each run)`, planRows);
    printTable("1. planCampaign, summary (the first run also warms both JITs)", [plans("whole corp", wholeMs), plans("tag filter", tagMs)]);
    printTable(`2. startRun end to end (plan afresh + run, ${started.chunks} outbox chunks, recipient and staff rows, send commands)`, [startRow]);
    printTable("2. startRun: DynamoDB calls by kind, in order (wall span from the first start to the last end, ms since startRun began)", startSpans);
    printTable("2. startRun: DynamoDB calls by operation and item kind", startLabels);
    printTable(`3. sendChunk for every chunk, ${SEND_CONCURRENCY} in flight`, [sendRow]);
    printTable(
      "3. sendChunk: DynamoDB calls by operation and item kind",
      d3.byLabel.map(([call, n]) => ({ call, requests: n, "per chunk": n / chunks.length })),
    );
    if (violations.length) console.log(`violations: ${JSON.stringify(violations.slice(0, 5))}`);

    const failures = [
      ...(secondTasks.length ? [`${secondTasks.length} members got a second task (${secondTasks.slice(0, 3).map(([u, n]) => `${u}×${n}`).join(", ")})`] : []),
      ...(addCalls.length !== chunks.length ? [`${addCalls.length} add_msg_template calls for ${chunks.length} chunks`] : []),
      ...(messages.length !== chunks.length ? [`${messages.length} WeCom messages for ${chunks.length} chunks`] : []),
      ...(retried ? [`${retried} chunks tried more than once`] : []),
      ...(notSent ? [`${notSent} chunks not sent`] : []),
      ...(twiceTasked ? [`${twiceTasked} customers in two tasks`] : []),
      ...(receivers.size !== started.planned ? [`${receivers.size} customers tasked, ${started.planned} planned`] : []),
      ...(violations.length ? [`${violations.length} WeCom rule violations`] : []),
    ];
    console.log(
      "\nGoals: planning (startRun's read + plan) ≤ 60 s locally; exactly one add_msg_template per sender chunk, no member with a second task, no violation.",
    );
    if (planningMs > PLAN_GOAL_MS) console.log(`\n!!! GOAL MISSED: startRun planned in ${(planningMs / 1000).toFixed(1)} s (goal ≤ 60 s) !!!`);
    else console.log(`planning goal met: ${(planningMs / 1000).toFixed(1)} s ≤ 60 s; startRun end to end ${(startMs / 1000).toFixed(1)} s`);
    if (failures.length) throw new Error(`broadcast bench: hard goals failed: ${failures.join("; ")}`);
    console.log("hard goals met: one add_msg_template per chunk, one task per member, no violation");
  } finally {
    calls.close();
    setDocumentClient(undefined);
    raw.destroy();
    await platform.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
  process.exit(0);
}
