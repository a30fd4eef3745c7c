import { sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { job } from "@siyu/lambda-kit";
import { channelsDueAt } from "../store/channels.ts";

/**
 * Wakes every minute but touches only channels whose next time boundary (a schedule edge or corp
 * midnight, when caps reset) has passed — an indexed Query, not a sweep of every code. Each due
 * channel gets one sync on its FIFO group; the sync re-arms the next boundary.
 */
export const handler = job("channel-boundaries", async ({ config, clock, log }) => {
  const now = clock.now();
  const due = await channelsDueAt(config.table, now, 500);
  for (const channelId of due) {
    const id = deterministicId("channel-boundary", channelId, now.toISOString().slice(0, 16));
    await sendCommand(
      config.queueUrl("channel-sync"),
      makeEvent("channel.sync_requested", { channelId, reason: "boundary" }, { corpId: config.corpId, occurredAt: now, id }),
      { groupId: channelId, deduplicationId: id },
    );
  }
  if (due.length) log.info("channel boundaries reached", { channels: due.length });
  return { due: due.length };
});
