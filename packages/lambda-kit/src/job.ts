import middy from "@middy/core";
import { type Clock, systemClock } from "@siyu/kernel";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { configureAtColdStart, type RuntimeConfig, runtimeConfig } from "./config.ts";
import { type Logger, lambdaFields, log, withLogContext } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";

/** What EventBridge Scheduler (and the local scheduler) pass to a schedule handler. */
const scheduleEventSchema = z.object({
  schedule: z.string().min(1),
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
});
export type ScheduleEvent = z.infer<typeof scheduleEventSchema>;

export interface JobContext {
  schedule: string;
  /** When the run was due (the scheduler's time), or now when triggered by hand. */
  scheduledTime: Date;
  config: RuntimeConfig;
  clock: Clock;
  log: Logger;
}

/** A schedule handler. A thrown error fails the invocation so the scheduler's retry policy applies. */
export function job<R>(name: string, run: (ctx: JobContext) => Promise<R>, opts: { clock?: Clock } = {}) {
  configureAtColdStart();
  const clock = opts.clock ?? systemClock;
  return middy<unknown, R, Error, Context>().handler(async (raw, context) => {
    const config = runtimeConfig();
    const event = scheduleEventSchema.parse(raw ?? { schedule: name });
    return withLogContext({ service: config.service, corpId: config.corpId, job: name, ...lambdaFields(context), logLevel: config.logLevel }, async () => {
      const started = Date.now();
      log.info("job started", { scheduledTime: event.scheduledTime });
      try {
        const result = await run({
          schedule: event.schedule,
          scheduledTime: event.scheduledTime ? new Date(event.scheduledTime) : clock.now(),
          config,
          clock,
          log,
        });
        log.info("job finished", { ms: Date.now() - started });
        return result;
      } catch (error) {
        log.error("job failed", { error, ms: Date.now() - started });
        throw error;
      } finally {
        publishMetrics();
      }
    });
  });
}
