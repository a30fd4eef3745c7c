import { sqs } from "@siyu/lambda-kit";
import { rebuildRange } from "../app/rebuild.ts";

/** `churn.rebuild_requested` (from `POST /v1/stats/rebuild`): the same work as the rebuild CLI. */
export const handler = sqs({
  queue: "rebuild",
  accepts: ["churn.rebuild_requested"],
  idempotency: { prefix: "churn-rebuild", lockSeconds: 960, keepSeconds: 7 * 86_400 },
  async handle(event, { config, log }) {
    const { from, to, dryRun } = event.data;
    const report = await rebuildRange({ table: config.table, timeZone: config.timeZone, from, to, dryRun, log });
    log.info("rebuild report", { ...report, changes: report.changes.slice(0, 20) });
  },
});
