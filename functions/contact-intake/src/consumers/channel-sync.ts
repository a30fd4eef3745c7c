import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { syncChannel } from "../app/channel-sync.ts";

/** Contact-way syncs, one channel at a time (FIFO, grouped by channel) so no update is lost or doubled. */
export const handler = sqs({
  queue: "channel-sync",
  accepts: ["channel.sync_requested"],
  // the sync is idempotent by construction (it compares the wanted list with the current one)
  idempotency: false,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await syncChannel(
      { table: config.table, timeZone: config.timeZone, wecom: () => wecom.client(), now: () => clock.now(), log },
      { channelId: event.data.channelId, reason: event.data.reason, addedUserId: event.data.addedUserId, addKey: event.data.addKey },
    );
  },
});
