import { deterministicId, makeEvent } from "@siyu/kernel";
import { sqs } from "@siyu/lambda-kit";
import { publishEvent } from "@siyu/bus";
import { markProbe } from "../store/probes.ts";

/** Command consumer: records the probe, then announces it on the topic. */
export const handler = sqs({
  queue: "commands",
  accepts: ["probe.requested"],
  idempotency: { prefix: "probe-commands", key: (e) => e.data.probeId },
  async handle(event, { config, clock }) {
    const at = clock.now().toISOString();
    await markProbe(config.table, event.data.probeId, "recordedAt", at);
    // a stable id: if this attempt dies after publishing, the retry publishes the same event id
    await publishEvent(
      config.topicArn,
      makeEvent("probe.recorded", { probeId: event.data.probeId, recordedAt: at }, {
        corpId: config.corpId,
        occurredAt: at,
        id: deterministicId("probe.recorded", event.data.probeId),
      }),
    );
  },
});
