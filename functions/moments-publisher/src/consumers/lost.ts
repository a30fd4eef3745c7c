import { sqs } from "@siyu/lambda-kit";
import { recordLoss } from "../app/lost.ts";

/** contact-intake's `contact.lost` (a customer deleted a member) → a loss fact, for the posts' 7-day losses. */
export const handler = sqs({
  queue: "lost",
  accepts: ["contact.lost"],
  idempotency: false,
  async handle(event, { config }) {
    await recordLoss({ config }, { userId: event.data.userId, externalUserId: event.data.externalUserId, lostAt: event.data.lostAt });
  },
});
