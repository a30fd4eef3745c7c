import { sendCommands } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { dueRuns } from "../store/posts.ts";
import type { Deps } from "./deps.ts";

/** Queue the runs whose next action is due; each run moves only by conditional writes, so a repeat is harmless. */
export async function queueDueRuns(deps: Pick<Deps, "config" | "now">): Promise<{ queued: number }> {
  const { config } = deps;
  const now = deps.now();
  const due = await dueRuns(config.table, now);
  await sendCommands(
    config.queueUrl("runs"),
    due.map((d) => makeEvent("moment.run_due", d, { corpId: config.corpId, occurredAt: now, id: deterministicId("moment-run", d.postId, d.at, now.toISOString()) })),
  );
  return { queued: due.length };
}
