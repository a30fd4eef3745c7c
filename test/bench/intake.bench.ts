/**
 * `pnpm bench intake`: adds through the whole local platform — customers scan a channel code in the
 * WeCom simulator, which sends the signed, encrypted callback to the gateway; contact-intake acks,
 * queues the add and its welcome on two lanes; the welcome lane sends the welcome, the intake consumer
 * records, tags and counts. After a warm-up, three phases: ADDS customers at a steady RATE; ADDS
 * customers offered at twice that rate (the burst: the welcome lane must keep up while the rest lags);
 * and a caps phase at 10 scans/s on one channel whose members have a small daily cap, which measures
 * "callback acknowledged → update_contact_way answered" for each member reaching the cap, and the
 * adds WeCom routed past a cap before the update landed (the overshoot). The simulator and the load run in a child process
 * (WeCom is not ours), and so does fauxqs (SQS and SNS are services in AWS); the gateway and the HTTP
 * function run in this process's main thread and each queue's consumer in a worker thread of its own
 * (`isolateConsumers`, as each Lambda has its own sandbox); DynamoDB Local (a JVM) shares the same
 * 2 cores. CPU per add is reported for each process.
 */
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startLocalPlatform } from "@siyu/local";
import { setDocumentClient, sleep } from "@siyu/store";
import { installCallCounter, listenForCalls } from "./dynamodb-counter.ts";
import { availableParallelism } from "node:os";
import { atRate, capReaction, machineCpuMs, printTable, processCpuMs, summary } from "./stats.ts";
import { startFauxqsProcess } from "./fauxqs-process.ts";
import { startWecomProcess } from "./wecom-process.ts";

const ADDS = Number(process.env.BENCH_ADDS ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
/** The burst is offered at twice the steady rate unless told. */
const BURST_RATE = Number(process.env.BENCH_BURST_RATE ?? 2 * RATE);
/** Caps phase: members, their daily cap, the scan rate on the one channel. */
const CAP_STAFF = Number(process.env.BENCH_CAP_STAFF ?? 40);
const CAP = Number(process.env.BENCH_CAP ?? 3);
const CAP_RATE = Number(process.env.BENCH_CAP_RATE ?? 10);
/** WeCom's WelcomeCode lifetime. */
const WELCOME_WINDOW_MS = 20_000;
/** Batches in flight per queue (Lambda scales its pollers with the backlog; locally it is fixed). */
const POLLERS = Number(process.env.BENCH_POLLERS ?? 4);
const STAFF = 10;
/** Adds before measuring, at a gentle rate: both JITs (V8's and DynamoDB Local's C2) compile the hot paths here. */
const WARMUP_ADDS = Number(process.env.BENCH_WARMUP_ADDS ?? 400);
const WARMUP_RATE = 10;
const cores = availableParallelism();

export async function run(): Promise<void> {
  // steady-state JIT for DynamoDB Local (dev and tests use fast-boot flags)
  process.env.SIYU_DYNAMODB_JVM_FLAGS ??= "-XX:+UseSerialGC -Xss512k";
  // WeCom (the simulator) and the customers' scans run in a process of their own, as WeCom is someone
  // else's server in production: this process's CPU is then the platform's (gateway, handlers, fauxqs)
  const wecom = await startWecomProcess();
  // SQS and SNS are services in AWS: fauxqs answers from its own process, not the gateway's event loop
  const fauxqs = await startFauxqsProcess();
  const platform = await startLocalPlatform({
    sqsEndpoint: fauxqs.endpoint,
    repoRoot: fileURLToPath(new URL("../../", import.meta.url)),
    services: ["contact-intake"],
    port: 0,
    simulator: false,
    wecomBaseUrl: wecom.url,
    schedules: "manual",
    // each consumer in a worker thread of its own, as each Lambda has its own sandbox: the gateway and
    // fauxqs in this thread do not wait behind consumer work; the counter module instruments each worker
    isolateConsumers: { setupModule: new URL("./dynamodb-counter.setup.ts", import.meta.url).href },
    pollerConcurrency: POLLERS,
    pollWaitSeconds: 1,
    logLevel: "warn",
    functionLogLevel: "error",
  });
  try {
    // this thread's handlers (the HTTP function) are counted too
    installCallCounter();
    const calls = listenForCalls();
    const totals = calls.totals;
    const raw = new DynamoDBClient({});
    const simPost = async (path: string, body: unknown) => {
      const res = await fetch(`${wecom.url}/_sim/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, string>>;
    };
    await simPost("config", { callbackUrl: `${platform.gatewayUrl}/wecom/callback` });
    for (let i = 0; i < STAFF; i++) await simPost("staff", { userId: `staff${i}`, name: `导购${i}` });
    for (let i = 0; i < CAP_STAFF; i++) await simPost("staff", { userId: `cap${i}`, name: `限额导购${i}` });
    await simPost("staff", { userId: "capbackup", name: "兜底导购" });
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

    await wecom.load({ configId: channel.configId, count: WARMUP_ADDS, perSecond: WARMUP_RATE });
    await platform.drain({ timeoutMs: 300_000 });

    // bare SendMessage on the same fauxqs from the same process, after the warm-up: the floor an ack cannot beat
    const scratch = (await platform.sqs.send(new CreateQueueCommand({ QueueName: `${platform.prefix}-bench-bare` }))).QueueUrl!;
    const bareSend = async (into: number[]) => {
      const t = performance.now();
      await platform.sqs.send(new SendMessageCommand({ QueueUrl: scratch, MessageBody: JSON.stringify({ x: "y".repeat(800) }) }));
      into.push(performance.now() - t);
    };
    const bare: number[] = [];
    await atRate(500, RATE, () => bareSend(bare));

    // and a bare PutItem on the same DynamoDB Local: every add makes several of these
    let putSeq = 0;
    const barePut = async (into: number[]) => {
      const t = performance.now();
      await raw.send(new PutItemCommand({ TableName: platform.tableName("contact-intake"), Item: { pk: { S: `BENCH#${putSeq++}` }, sk: { S: "BENCH" }, v: { S: "x".repeat(200) } } }));
      into.push(performance.now() - t);
    };
    const bareDynamo: number[] = [];
    await atRate(500, RATE, () => barePut(bareDynamo));
    await calls.settle();
    totals.byLabel.clear();

    const capped = await fetch(`${platform.gatewayUrl}/v1/channels`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "限额渠道",
        staff: Array.from({ length: CAP_STAFF }, (_, i) => ({ userId: `cap${i}`, dailyCap: CAP })),
        backupStaff: ["capbackup"],
        welcome: { text: "欢迎！" },
      }),
    });
    if (capped.status !== 201) throw new Error(`caps channel: ${capped.status} ${await capped.text()}`);
    const capChannel = (await capped.json()) as { configId: string };
    // the caps phase fills every member's cap and then some for the backup
    const capAdds = Math.round(CAP_STAFF * CAP * 1.25);

    const rows: Record<string, unknown>[] = [];
    const underLoad: Record<string, { send: number[]; put: number[] }> = {};
    const threadRows: Record<string, unknown>[] = [];
    let capRow: Record<string, unknown> = {};
    let violations = 0;
    const threadsAt = () => new Map(platform.threadCpu().map((t) => [t.thread.replace(`${platform.prefix}-contact-intake-`, ""), t.cpuMs] as const));
    for (const phase of ["steady", "burst", "caps"] as const) {
      const adds = phase === "caps" ? capAdds : ADDS;
      const threads0 = threadsAt();
      const w0 = { ...totals };
      const javaPid = platform.dynamoPid;
      const cpu0 = { node: process.cpuUsage(), java: javaPid ? processCpuMs(javaPid) : Number.NaN, fauxqs: processCpuMs(fauxqs.pid), machine: machineCpuMs() };
      const t0 = performance.now();
      // the same floors under the same load, every 100 ms: a bare send while the callbacks arrive (the
      // acks' floor), a bare PutItem until the backlog is drained (what each of the consumer's calls waits)
      const sampled: { send: number[]; put: number[] } = { send: [], put: [] };
      underLoad[phase] = sampled;
      const every100ms = (sample: () => Promise<void>) => {
        let on = true;
        const loop = (async () => {
          while (on) {
            await sample();
            await sleep(100);
          }
        })();
        return async () => {
          on = false;
          await loop;
        };
      };
      const stopSends = every100ms(() => bareSend(sampled.send));
      const stopPuts = every100ms(() => barePut(sampled.put));
      const mark =
        phase === "caps"
          ? await wecom.load({ configId: capChannel.configId, count: adds, perSecond: CAP_RATE })
          : await wecom.load({ configId: channel.configId, count: ADDS, perSecond: phase === "steady" ? RATE : BURST_RATE });
      await stopSends();
      await platform.drain({ timeoutMs: 300_000 });
      await stopPuts();
      const seconds = (performance.now() - t0) / 1000;
      await calls.settle();
      const nodeCpu = process.cpuUsage(cpu0.node);
      const javaCpuMs = javaPid ? processCpuMs(javaPid) - cpu0.java : Number.NaN;
      const fauxqsCpuMs = processCpuMs(fauxqs.pid) - cpu0.fauxqs;
      const machine = machineCpuMs();
      const report = await wecom.report(mark);
      const ack = summary(report.acks);
      const welcome = summary(report.welcomeDelays);
      const threads1 = threadsAt();
      threadRows.push(
        Object.fromEntries([["phase", phase], ...[...threads1].map(([name, ms]) => [name, (ms - (threads0.get(name) ?? 0)) / adds])]),
      );
      if (phase === "caps") {
        const r = capReaction(report.scans, report.updates, CAP, new Set(Array.from({ length: CAP_STAFF }, (_, i) => `cap${i}`)));
        const s = summary(r.reactionsMs);
        capRow = {
          "scans/s": CAP_RATE,
          members: CAP_STAFF,
          "daily cap": CAP,
          "members that reached the cap": r.capped,
          "reaction p50 ms": s.p50,
          "reaction p99 ms": s.p99,
          "reaction max ms": s.max,
          "never removed": r.neverRemoved,
          "overshoot (adds past a cap)": r.overshoot,
        };
      }
      rows.push({
        phase,
        adds,
        "offered/s": phase === "steady" ? RATE : phase === "burst" ? BURST_RATE : CAP_RATE,
        "offered adds/s per core": (phase === "steady" ? RATE : phase === "burst" ? BURST_RATE : CAP_RATE) / cores,
        "wall s": seconds,
        "ack p50 ms": ack.p50,
        "ack p99 ms": ack.p99,
        "ack p99 ÷ bare p99 (alone)": ack.p99 / summary(bare).p99,
        "ack p99 ÷ bare p99 (under load)": ack.p99 / summary(sampled.send).p99,
        "bare PutItem p50 / p99 ms under load": `${summary(sampled.put).p50.toFixed(1)} / ${summary(sampled.put).p99.toFixed(1)}`,
        "non-200 acks": report.non200,
        welcomes: report.welcomeDelays.length,
        "welcomes within 20 s %": (100 * report.welcomeDelays.filter((d) => d <= WELCOME_WINDOW_MS).length) / adds,
        "welcome p50 ms": welcome.p50,
        "welcome p99 ms": welcome.p99,
        "WCU/add": (totals.writeUnits - w0.writeUnits) / adds,
        "writes/add": (totals.writes - w0.writes) / adds,
        "reads/add": (totals.reads - w0.reads) / adds,
        "WeCom calls/add": report.apiCalls / adds,
        // the platform's Node process (gateway, handlers, pollers), the emulators, and WeCom + load
        "platform CPU ms/add": (nodeCpu.user + nodeCpu.system) / 1000 / adds,
        "DynamoDB Local CPU ms/add": javaCpuMs / adds,
        "fauxqs CPU ms/add": fauxqsCpuMs / adds,
        "WeCom sim CPU ms/add": report.cpuMs / adds,
        // the whole machine over the phase, in cores: is it saturated, and how much did the host take?
        "machine busy cores": (machine.busy - cpu0.machine.busy) / 1000 / seconds,
        "idle cores": (machine.idle - cpu0.machine.idle) / 1000 / seconds,
        "stolen cores": (machine.steal - cpu0.machine.steal) / 1000 / seconds,
      });
      violations = report.violations;
    }
    const baseline = (name: string, samples: number[]) => {
      const s = summary(samples);
      return { operation: name, n: s.n, "p50 ms": s.p50, "p99 ms": s.p99, "max ms": s.max };
    };
    printTable(`baselines in the same run (after ${WARMUP_ADDS} warm-up adds)`, [
      baseline(`SQS SendMessage (platform process → fauxqs process), alone at ${RATE}/s`, bare),
      baseline("SQS SendMessage, every 100 ms while the steady phase's callbacks arrive", underLoad.steady!.send),
      baseline("SQS SendMessage, every 100 ms while the burst's callbacks arrive", underLoad.burst!.send),
      baseline(`DynamoDB PutItem (DynamoDB Local), alone at ${RATE}/s`, bareDynamo),
      baseline("DynamoDB PutItem, every 100 ms until the steady phase is drained", underLoad.steady!.put),
      baseline("DynamoDB PutItem, every 100 ms until the burst is drained", underLoad.burst!.put),
    ]);
    printTable(`contact intake: ${ADDS} adds per phase (caps: ${capAdds})`, rows);
    printTable("where the platform's CPU goes: CPU ms per add, by thread (the rest of the process's CPU is V8's GC and compiler threads and libuv's pool)", threadRows);
    printTable(`cap reaction: callback acknowledged → update_contact_way answered, ${CAP_STAFF} members at cap ${CAP}, ${CAP_RATE} scans/s`, [capRow]);
    printTable(
      "DynamoDB calls per add, by operation and item kind (both phases)",
      [...totals.byLabel].sort((a, b) => b[1] - a[1]).map(([call, n]) => ({ call, "per add": n / (ADDS * 2 + capAdds) })),
    );
    console.log(`WeCom rule violations recorded by the simulator: ${violations}`);
    console.log(
      "Goals: at the steady rate, ≥ 25 % of the cores idle, welcome p99 ≤ 2000 ms and ack p99 ≤ 3× the bare send p99 under the same load; " +
        "in the burst at twice that rate, ≥ 99 % of welcomes within 20 s; cap reaction p99 ≤ 300 ms at 10 scans/s.",
    );
    calls.close();
  } finally {
    setDocumentClient(undefined);
    await platform.close();
    await wecom.close();
    await fauxqs.close();
  }
}
