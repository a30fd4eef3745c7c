import { sqs } from "@siyu/lambda-kit";
import { blobStore } from "@siyu/store";
import { wecomFor } from "@siyu/wecom";
import { advanceRun } from "../app/runs.ts";

/** A run has something to do: send (claimed, under the corp's limiter), poll, track, remind, close, collect. */
export const handler = sqs({
  queue: "runs",
  accepts: ["moment.run_due"],
  idempotency: false,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    const steps = await advanceRun(
      { config, wecom: () => wecom.client(), app: () => wecom.app(), blobs: () => blobStore(config), now: () => clock.now(), log },
      event.data.postId,
      event.data.at,
    );
    log.info("moment run advanced", { postId: event.data.postId, at: event.data.at, steps });
  },
});
