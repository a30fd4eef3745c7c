import { readFileSync, readlinkSync } from "node:fs";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type FunctionSpec, InvocationTracker, LocalFunction } from "./functions.ts";
import { consoleLogger, type LogLevel, type PlatformLogger } from "./log.ts";
import { QueuePoller } from "./poller.ts";
import type { QueueResource } from "./resources.ts";

/**
 * A queue's consumer in a worker thread of its own: its own event loop, module state and SDK clients,
 * as a Lambda function has its own sandbox. The gateway, the HTTP functions and fauxqs then never wait
 * behind consumer work in one event loop, which is what the intake benchmark's ack latency needs
 * (`isolateConsumers`). The main thread sees the poller through the same `queue` / `busy` / `start` /
 * `stop` surface as a `QueuePoller`; `busy` is read from memory the worker writes.
 */

interface ConsumerWorkerData {
  spec: FunctionSpec;
  queue: QueueResource;
  region: string;
  sqsEndpoint: string;
  concurrency: number;
  waitTimeSeconds: number;
  retryVisibilitySeconds?: number;
  logLevel: LogLevel;
  /** A module imported first in the worker (a benchmark's instrumentation). */
  setupModule?: string;
  busy: SharedArrayBuffer;
  /** The worker's kernel thread id, written by the worker (Linux; 0 until known). */
  tid: SharedArrayBuffer;
}

/** CPU ms a thread of this process used so far (user + system), from /proc (Linux); undefined elsewhere. */
export function threadCpuMs(tid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return undefined;
  }
}

export interface ConsumerPoller {
  readonly queue: QueueResource;
  readonly busy: number;
  start(): void;
  stop(): Promise<void>;
}

export class WorkerPoller implements ConsumerPoller {
  readonly queue: QueueResource;
  private readonly busyCell: Int32Array;
  private readonly data: ConsumerWorkerData;
  private readonly log: PlatformLogger;
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;

  private readonly tidCell: Int32Array;

  constructor(opts: Omit<ConsumerWorkerData, "busy" | "tid"> & { log: PlatformLogger }) {
    const { log, ...data } = opts;
    const busy = new SharedArrayBuffer(4);
    const tid = new SharedArrayBuffer(4);
    this.busyCell = new Int32Array(busy);
    this.tidCell = new Int32Array(tid);
    this.queue = opts.queue;
    this.log = log;
    this.data = { ...data, busy, tid };
  }

  /** CPU ms the worker's thread used so far (Linux), for benchmarks' "where the CPU goes". */
  cpuMs(): number | undefined {
    const tid = Atomics.load(this.tidCell, 0);
    return this.worker && tid ? threadCpuMs(tid) : undefined;
  }

  /** Batches in progress in the worker (a worker starting or stopping counts as busy). */
  get busy(): number {
    return Atomics.load(this.busyCell, 0);
  }

  start(): void {
    if (this.worker) return;
    // the worker inherits this process's env (the SDK endpoints); its entry registers the TypeScript loader
    const worker = new Worker(new URL("./consumer-worker.boot.mjs", import.meta.url), { workerData: this.data });
    this.worker = worker;
    this.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        if (code !== 0) this.log.error(`consumer worker for ${this.queue.name} exited with code ${code}`);
        resolve();
      });
    });
    worker.on("error", (err) => this.log.error(`consumer worker for ${this.queue.name}`, err));
  }

  async stop(): Promise<void> {
    if (!this.worker) return;
    this.worker.postMessage("stop");
    await this.exited;
    this.worker = undefined;
  }
}

async function runWorker(data: ConsumerWorkerData): Promise<void> {
  try {
    // /proc/thread-self → /proc/<pid>/task/<tid>: the main thread reads this thread's CPU clock there
    Atomics.store(new Int32Array(data.tid), 0, Number(readlinkSync("/proc/thread-self").split("/").pop()));
  } catch {
    // not Linux: no per-thread CPU figures
  }
  if (data.setupModule) await import(data.setupModule);
  const busy = new Int32Array(data.busy);
  const log = consoleLogger(data.logLevel);
  const tracker = new InvocationTracker();
  const fn = new LocalFunction(data.spec, tracker);
  const sqs = new SQSClient({ region: data.region, endpoint: data.sqsEndpoint });
  const poller = new QueuePoller({
    sqs,
    queue: data.queue,
    fn,
    region: data.region,
    log,
    concurrency: data.concurrency,
    waitTimeSeconds: data.waitTimeSeconds,
    retryVisibilitySeconds: data.retryVisibilitySeconds,
    onBusy: (n) => Atomics.store(busy, 0, n),
  });
  await fn.load().catch((err: unknown) => log.error(`${fn.name}: cannot load ${fn.spec.entry}`, err));
  poller.start();
  parentPort!.on("message", async (m) => {
    if (m !== "stop") return;
    await poller.stop();
    await tracker.idle();
    sqs.destroy();
    process.exit(0);
  });
}

if (!isMainThread && (workerData as Partial<ConsumerWorkerData> | undefined)?.spec) await runWorker(workerData as ConsumerWorkerData);
