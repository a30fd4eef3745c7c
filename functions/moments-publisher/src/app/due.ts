import { sendCommands } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { dueRuns } from "../store/posts.ts";
import type { Deps } from "./deps.ts";

/** The job runs once a minute; runs due before the next tick are queued with the delay that brings them at their instant. */
const LOOK_AHEAD_MS = 60_000;

/**
 * Queue the runs whose next action is due by the next tick, each delayed to its own instant (a ready
 * run waiting for the limiter's slot is sent the second that slot opens, not a minute later); each run
 * moves only by conditional writes, so a repeat or an early arrival is harmless.
 */
export async function queueDueRuns(deps: Pick<Deps, "config" | "now">): Promise<{ queued: number }> {
  const { config } = deps;
  const now = deps.now();
  const due = await dueRuns(config.table, new Date(now.getTime() + LOOK_AHEAD_MS - 1));
  const byDelay = new Map<number, typeof due>();
  for (const d of due) {
    const delay = Math.max(0, Math.min(900, Math.ceil((Date.parse(d.dueAt) - now.getTime()) / 1000)));
    byDelay.set(delay, [...(byDelay.get(delay) ?? []), d]);
  }
  for (const [delaySeconds, runs] of byDelay) {
    await sendCommands(
      config.queueUrl("runs"),
      runs.map((d) => makeEvent("moment.run_due", { postId: d.postId, at: d.at }, { corpId: config.corpId, occurredAt: now, id: deterministicId("moment-run", d.postId, d.at, d.dueAt) })),
      delaySeconds > 0 ? { delaySeconds } : {},
    );
  }
  return { queued: due.length };
}
