import { job } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { trackDueRuns } from "../app/track.ts";

/** Every minute: poll the runs whose next poll is due (every 5 min in a run's first hour, then hourly, then at the deadline). */
export const handler = job("track", async ({ config, clock, log }) => {
  const wecom = wecomFor(config);
  return trackDueRuns({ config, wecom: () => wecom.client(), now: () => clock.now(), log });
});
