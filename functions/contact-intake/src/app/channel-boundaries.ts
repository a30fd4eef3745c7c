import { sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { channelsDueAt } from "../store/channels.ts";

export interface BoundaryDeps {
  table: string;
  corpId: string;
  /** The channel-sync queue's URL. */
  syncQueueUrl: string;
  now: () => Date;
}

/** How many due channels one run reads (the job wakes every minute, so any rest comes next run). */
const DUE_PER_RUN = 500;

/**
 * One sync on its FIFO group for each active channel whose next time boundary (a schedule edge or
 * corp midnight, when caps reset) has passed: an indexed Query, not a sweep of every code. The sync
 * re-arms the next boundary. The message id is the channel and the minute, so two runs in one minute
 * ask for one sync.
 */
export async function syncDueChannels(deps: BoundaryDeps): Promise<{ due: number }> {
  const now = deps.now();
  const due = await channelsDueAt(deps.table, now, DUE_PER_RUN);
  for (const channelId of due) {
    const id = deterministicId("channel-boundary", channelId, now.toISOString().slice(0, 16));
    await sendCommand(
      deps.syncQueueUrl,
      makeEvent("channel.sync_requested", { channelId, reason: "boundary" }, { corpId: deps.corpId, occurredAt: now, id }),
      { groupId: channelId, deduplicationId: id },
    );
  }
  return { due: due.length };
}
