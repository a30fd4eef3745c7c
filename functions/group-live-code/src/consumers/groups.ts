import { sqs } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { applyGroupEvent, GROUP_EVENTS, type GroupEvent } from "../app/members.ts";

/** contact-intake's group events → pool member counts (versions chained, gaps reconciled) → a sync when a group's room changes. */
export const handler = sqs({
  queue: "groups",
  accepts: GROUP_EVENTS,
  idempotency: { prefix: "group-event" },
  async handle(event, { config, clock, log }) {
    const wecom = wecomFor(config);
    await applyGroupEvent({ config, wecom: () => wecom.client(), app: () => wecom.app(), now: () => clock.now(), log }, event as GroupEvent);
  },
});
