/**
 * Asking for a code's sync (app/sync.ts runs it): one message on the FIFO `sync` queue, grouped by
 * code, its id deduplicating a burst within SQS's 5-minute window. Its own module, so the use cases
 * that ask (landing visits, member changes, pool edits) do not import the sync itself.
 */
import { sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import type { Deps } from "./deps.ts";

/** Queue a sync of the code (FIFO group = code; the id dedupes a burst within SQS's 5-minute window). */
export async function requestSync(deps: Pick<Deps, "config" | "now">, codeId: string, reason: "created" | "edited" | "members" | "dismissed" | "routed" | "sweep", dedupe: string): Promise<void> {
  const now = deps.now();
  const id = deterministicId("livecode-sync", codeId, reason, dedupe);
  await sendCommand(deps.config.queueUrl("sync"), makeEvent("livecode.sync_requested", { codeId, reason }, { corpId: deps.config.corpId, occurredAt: now, id }), {
    groupId: codeId,
    deduplicationId: id,
  });
}
