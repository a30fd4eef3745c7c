import { job } from "@siyu/lambda-kit";
import { syncDueChannels } from "../app/channel-boundaries.ts";

/**
 * Wakes every minute but touches only channels whose next time boundary (a schedule edge or corp
 * midnight, when caps reset) has passed — an indexed Query, not a sweep of every code. Each due
 * channel gets one sync on its FIFO group; the sync re-arms the next boundary.
 */
export const handler = job("channel-boundaries", async ({ config, clock, log }) => {
  const out = await syncDueChannels({ table: config.table, corpId: config.corpId, syncQueueUrl: config.queueUrl("channel-sync"), now: () => clock.now() });
  if (out.due) log.info("channel boundaries reached", { channels: out.due });
  return out;
});
