import { sqs } from "@siyu/lambda-kit";
import { markProbe } from "../store/probes.ts";

/** Subscriber: proves that the domain event went through the topic and its filtered subscription. */
export const handler = sqs({
  queue: "events",
  accepts: ["probe.recorded"],
  idempotency: { prefix: "probe-events" },
  async handle(event, { config, clock }) {
    await markProbe(config.table, event.data.probeId, "observedAt", clock.now().toISOString());
  },
});
