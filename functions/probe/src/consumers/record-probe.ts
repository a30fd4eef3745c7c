import { sqs } from "@siyu/lambda-kit";
import { recordProbe } from "../app/probes.ts";

/** Command consumer: records the probe, then announces it on the topic. */
export const handler = sqs({
  queue: "commands",
  accepts: ["probe.requested"],
  idempotency: { prefix: "probe-commands", key: (e) => e.data.probeId },
  async handle(event, { config, clock }) {
    await recordProbe({ table: config.table, corpId: config.corpId, topicArn: config.topicArn, now: () => clock.now() }, event.data.probeId);
  },
});
