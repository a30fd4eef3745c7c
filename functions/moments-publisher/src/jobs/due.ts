import { job } from "@siyu/lambda-kit";
import { queueDueRuns } from "../app/due.ts";

/** Every minute: queue the runs whose next action is due (a tick delivered twice queues the same runs; their claims keep it to one task). */
export const handler = job("due", async ({ config, clock }) => queueDueRuns({ config, now: () => clock.now() }));
