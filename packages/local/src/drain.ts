import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sleep } from "@siyu/store";
import type { ConsumerPoller } from "./consumer-worker.ts";
import type { InvocationTracker } from "./functions.ts";

export interface DrainOptions {
  timeoutMs?: number;
}

/** Wait until every polled queue is empty and no handler runs, twice in a row (for tests). */
export async function drain(sqs: SQSClient, pollers: ConsumerPoller[], tracker: InvocationTracker, opts: DrainOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  let last = "";
  for (;;) {
    const counts = await Promise.all(
      pollers.map(async (p) => {
        const a = (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: p.queue.url,
              AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
            }),
          )
        ).Attributes;
        const n =
          Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a?.ApproximateNumberOfMessagesDelayed ?? 0);
        return { name: p.queue.name, n, busy: p.busy };
      }),
    );
    const pending = counts.filter((c) => c.n > 0 || c.busy > 0);
    const quiet = pending.length === 0 && tracker.active === 0;
    quietRounds = quiet ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return;
    last = `${pending.map((c) => `${c.name}: ${c.n} message(s)${c.busy ? ", a batch in progress" : ""}`).join("; ")}${tracker.active ? `; ${tracker.active} handler(s) running` : ""}`;
    if (Date.now() > deadline) {
      throw new Error(
        `drain: still busy after ${timeoutMs} ms (${last}). Failed records wait out their visibility timeout unless the platform runs with retryVisibilitySeconds.`,
      );
    }
    await sleep(quiet ? 10 : 25);
  }
}
