import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { syncCode } from "../app/sync.ts";

/** FIFO per code: read the join way, adopt WeCom's auto-created groups, one complete update when the listed set changes. */
export const handler = sqs({
  queue: "sync",
  accepts: ["livecode.sync_requested"],
  idempotency: false,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    const outcome = await syncCode({ config, wecom: () => wecom.client(), app: () => wecom.app(), now: () => clock.now(), log }, event.data.codeId);
    log.info("live code synced", { codeId: event.data.codeId, reason: event.data.reason, outcome });
  },
});
