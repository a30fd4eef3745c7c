import { job } from "@siyu/lambda-kit";
import { queueDueRuns } from "../app/due.ts";

/** Every minute: queue the runs whose scheduled instant has come (one-time, recurring, or deferred past quiet hours). */
export const handler = job("due-runs", async ({ config, clock }) => queueDueRuns({ config, now: () => clock.now() }));
