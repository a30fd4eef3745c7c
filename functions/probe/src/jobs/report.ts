import { job } from "@siyu/lambda-kit";

/** Exercises the scheduler path; the probe keeps no daily state worth more than a log line. */
export const handler = job("expire-report", async ({ scheduledTime, log }) => {
  log.info("probe scheduler heartbeat", { scheduledTime: scheduledTime.toISOString() });
  return { ok: true, scheduledTime: scheduledTime.toISOString() };
});
