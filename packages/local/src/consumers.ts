import type { SQSClient } from "@aws-sdk/client-sqs";
import { type ConsumerPoller, threadCpuMs, WorkerPoller } from "./consumer-worker.ts";
import type { LogLevel, PlatformLogger } from "./log.ts";
import { QueuePoller } from "./poller.ts";
import { LocalScheduler } from "./scheduler.ts";
import type { ServiceRuntime } from "./service-functions.ts";

/**
 * The pollers-and-scheduler phase: what feeds the functions. One poller per queue (the SQS event
 * source mapping), in this thread or in a worker thread of its own (`isolateConsumers`), and the
 * scheduler over every service's schedules. Nothing starts here: the platform starts them when ready.
 */

export interface PollerOptions {
  sqs: SQSClient;
  sqsEndpoint: string;
  region: string;
  log: PlatformLogger;
  logLevel: LogLevel;
  concurrency?: number;
  waitTimeSeconds?: number;
  retryVisibilitySeconds?: number;
  isolate?: boolean | { setupModule?: string };
}

export function createPollers(services: Iterable<ServiceRuntime>, o: PollerOptions): ConsumerPoller[] {
  const concurrency = o.concurrency ?? 1;
  const waitTimeSeconds = o.waitTimeSeconds ?? 5;
  const pollers: ConsumerPoller[] = [];
  for (const s of services) {
    for (const queue of s.queues) {
      const fn = s.consumers.get(queue.spec.name)!;
      pollers.push(
        o.isolate
          ? new WorkerPoller({
              spec: fn.spec,
              queue,
              region: o.region,
              sqsEndpoint: o.sqsEndpoint,
              concurrency,
              waitTimeSeconds,
              retryVisibilitySeconds: o.retryVisibilitySeconds,
              logLevel: o.logLevel,
              setupModule: typeof o.isolate === "object" ? o.isolate.setupModule : undefined,
              log: o.log,
            })
          : new QueuePoller({ sqs: o.sqs, queue, fn, region: o.region, log: o.log, concurrency, waitTimeSeconds, retryVisibilitySeconds: o.retryVisibilitySeconds }),
      );
    }
  }
  return pollers;
}

/** Every service's schedules, in the manifest's timezone or else the corp's. */
export function createScheduler(services: Iterable<ServiceRuntime>, corpTimezone: string, log: PlatformLogger): LocalScheduler {
  return new LocalScheduler(
    [...services].flatMap((s) =>
      s.manifest.schedules.map((spec) => ({ service: s.manifest.name, spec, timeZone: spec.timeZone ?? corpTimezone, fn: s.schedules.get(spec.name)! })),
    ),
    log,
  );
}

/**
 * CPU ms used so far by this process's main thread and by each isolated consumer's worker thread
 * (Linux; empty elsewhere).
 */
export function threadCpu(pollers: readonly ConsumerPoller[]): { thread: string; cpuMs: number }[] {
  const main = threadCpuMs(process.pid);
  const workers = pollers.flatMap((p) => {
    const cpuMs = p instanceof WorkerPoller ? p.cpuMs() : undefined;
    return cpuMs === undefined ? [] : [{ thread: `${p.queue.name} consumer`, cpuMs }];
  });
  return main === undefined ? workers : [{ thread: "main (gateway, HTTP functions)", cpuMs: main }, ...workers];
}
