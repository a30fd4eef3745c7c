import { sqs } from "@siyu/lambda-kit";
import { observeProbe } from "../app/probes.ts";

/** Subscriber: proves that the domain event went through the topic and its filtered subscription. */
export const handler = sqs({
  queue: "events",
  accepts: ["probe.recorded"],
  idempotency: { prefix: "probe-events" },
  async handle(event, { config, clock }) {
    await observeProbe({ table: config.table, now: () => clock.now() }, event.data.probeId);
  },
});
