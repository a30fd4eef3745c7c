import { sendCommands } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { dueRuns } from "../store/campaigns.ts";
import type { Deps } from "./deps.ts";

/** Queue the runs whose instant has come; the run is idempotent per run key, so a repeat is harmless. */
export async function queueDueRuns(deps: Pick<Deps, "config" | "now">): Promise<{ queued: number }> {
  const { config } = deps;
  const now = deps.now();
  const due = await dueRuns(config.table, now);
  await sendCommands(
    config.queueUrl("runs"),
    due.map((d) => makeEvent("broadcast.run_requested", d, { corpId: config.corpId, occurredAt: now, id: deterministicId("broadcast-run", d.runKey, d.at) })),
  );
  return { queued: due.length };
}
