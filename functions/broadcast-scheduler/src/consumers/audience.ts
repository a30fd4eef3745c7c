import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { AUDIENCE_EVENTS, type AudienceEvent, applyAudienceEvent } from "../app/audience-events.ts";

/** contact-intake's relation and group events → the audience read model (every write ordered by the event's instant). */
export const handler = sqs({
  queue: "audience",
  accepts: AUDIENCE_EVENTS,
  idempotency: false,
  concurrency: 4,
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await applyAudienceEvent({ config, wecom: () => wecom.client(), now: () => clock.now(), log }, event as AudienceEvent);
  },
});
