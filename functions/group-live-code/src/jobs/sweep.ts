import { job } from "@siyu/lambda-kit";
import { sweepCodes } from "../app/sync.ts";

/**
 * Every 5 minutes: a sync of every active code — adopts groups WeCom auto-created since (no event names
 * their join way), retries a welcome step or an owner notice a transient failure left, and picks up a
 * claim whose answer was lost.
 */
export const handler = job("sweep", async ({ config, clock }) => sweepCodes({ config, now: () => clock.now() }));
