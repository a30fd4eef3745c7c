/**
 * WeCom and its customers, in a process of their own for benchmarks: the simulator (strict) plus the
 * load — customers scanning a channel code at a steady rate or as a burst. Keeping this work out of the
 * platform's process means the platform's CPU figures are the platform's, as they would be in AWS where
 * WeCom is someone else's server. Driven over IPC by `startWecomProcess()`; set up over `/_sim` HTTP.
 */
import { fileURLToPath } from "node:url";
import { DEV_WECOM_CREDENTIALS } from "@siyu/wecom";
import type { RunningSimulator } from "@siyu/wecom-sim";
import { forkUntilListening, stopChild } from "./child-process.ts";
import { atRate, burst } from "./stats.ts";

export interface ScanLoad {
  configId: string;
  count: number;
  /** Steady arrivals per second; absent = a burst with `concurrency` scans in flight. */
  perSecond?: number;
  concurrency?: number;
}

export interface ScanReport {
  /** First-attempt callback ack durations (ms) and how many first attempts were not 200. */
  acks: number[];
  non200: number;
  /** Welcome messages WeCom accepted for these scans: ms from the add event. */
  welcomeDelays: number[];
  /** API calls the platform made during the load (gettoken excluded). */
  apiCalls: number;
  violations: number;
  /** CPU this process (simulator + load) used from the load's start to the report, ms. */
  cpuMs: number;
  /** Each scan of the load, in the order WeCom made the adds: who got it and when its callback was acked (ms, this process's clock). */
  scans: { userId: string; scannedAt: number; ackedAt: number }[];
  /** Every update_contact_way WeCom answered during the load: when (same clock) and the user list after it. */
  updates: { configId: string; at: number; users: string[] }[];
}

/** Where a load started in the simulator's logs, and this process's CPU clock then (µs). */
export interface LoadMark {
  callbacks: number;
  welcomes: number;
  requests: number;
  cpuStartUs: number;
  scans: number;
  updates: number;
}

type Command = { op: "load"; load: ScanLoad } | { op: "report"; mark: LoadMark };
type Request = Command & { id: number };
type Reply = { id: number; result?: LoadMark | ScanReport; error?: string };

export interface WecomProcess {
  url: string;
  /** Run the scans; resolves when every callback was acked (the platform may still be working). */
  load(load: ScanLoad): Promise<LoadMark>;
  /** What WeCom saw since `mark` (ask after the platform drained). */
  report(mark: LoadMark): Promise<ScanReport>;
  close(): Promise<void>;
}

/** Start the child; resolves once its simulator listens. */
export async function startWecomProcess(opts: { timeZone?: string } = {}): Promise<WecomProcess> {
  const { child, url } = await forkUntilListening(fileURLToPath(import.meta.url), "WeCom process", { BENCH_WECOM_TZ: opts.timeZone ?? "Asia/Shanghai" });
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on("exit", (code) => {
    for (const p of pending.values()) p.reject(new Error(`WeCom process exited (${code})`));
    pending.clear();
  });
  child.on("message", (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.result) p.resolve(m.result as never);
    else p.reject(new Error(m.error ?? "no result"));
  });
  const call = <T>(req: Command): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: never) => void, reject });
      child.send({ id, ...req });
    });
  };
  return {
    url,
    load: (load) => call<LoadMark>({ op: "load", load }),
    report: (mark) => call<ScanReport>({ op: "report", mark }),
    close: () => stopChild(child),
  };
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function child(): Promise<void> {
  const { startWecomSimulator } = await import("@siyu/wecom-sim");
  const sim: RunningSimulator = await startWecomSimulator({
    port: 0,
    ...DEV_WECOM_CREDENTIALS,
    strict: true,
    seed: "empty",
    timeZone: process.env.BENCH_WECOM_TZ,
  });
  const world = sim.world;
  let customer = 0;
  // when WeCom answers each contact-way update (the update runs synchronously inside the API handler)
  const updates: ScanReport["updates"] = [];
  const update = world.contactWays.update.bind(world.contactWays);
  world.contactWays.update = (configId, patch) => {
    const way = update(configId, patch);
    updates.push({ configId: way.configId, at: performance.now(), users: [...way.user] });
    return way;
  };
  const scans: ScanReport["scans"] = [];
  process.on("message", async (req: Request) => {
    try {
      if (req.op === "load") {
        const { load } = req;
        const mark = {
          callbacks: world.callbacks.records.length,
          welcomes: world.welcome.delivered.length,
          requests: world.requests.entries.length,
          cpuStartUs: cpuUs(),
          scans: scans.length,
          updates: updates.length,
        };
        const scanOne = async () => {
          const ext = world.customers.add({ name: `客户${customer++}` }).externalUserId;
          const scan = world.scanContactWay(load.configId, ext);
          const entry = { userId: scan.userId, scannedAt: performance.now(), ackedAt: Number.NaN };
          scans.push(entry);
          await scan.delivery;
          entry.ackedAt = performance.now();
        };
        if (load.perSecond) await atRate(load.count, load.perSecond, scanOne);
        else await burst(load.count, load.concurrency ?? 100, scanOne);
        process.send!({ id: req.id, result: mark } satisfies Reply);
        return;
      }
      const { mark } = req;
      const records = world.callbacks.records.slice(mark.callbacks);
      const report: ScanReport = {
        acks: records.flatMap((r) => r.attempts.slice(0, 1).map((a) => a.durationMs)),
        non200: records.filter((r) => r.attempts[0]?.status !== 200).length,
        welcomeDelays: world.welcome.delivered.slice(mark.welcomes).map((w) => w.delayMs),
        apiCalls: world.requests.entries.slice(mark.requests).filter((e) => e.api !== "gettoken").length,
        violations: world.violations.entries.length,
        cpuMs: (cpuUs() - mark.cpuStartUs) / 1000,
        scans: scans.slice(mark.scans),
        updates: updates.slice(mark.updates),
      };
      process.send!({ id: req.id, result: report } satisfies Reply);
    } catch (error) {
      process.send!({ id: req.id, error: (error as Error).stack ?? String(error) } satisfies Reply);
    }
  });
  process.on("SIGTERM", () => void sim.close().then(() => process.exit(0)));
  process.send!({ url: sim.url });
}

if (process.argv.includes("--child")) await child();
