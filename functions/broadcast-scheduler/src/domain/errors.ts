/**
 * broadcast-scheduler's domain errors: what went wrong in the domain's words. The HTTP edge maps each
 * to a status and a problem type; a consumer parks them at once (`retryable` is false: the same input
 * fails the same way every time).
 */
import { DomainError } from "@siyu/kernel";

// the base and the field-errors error have one home, in the kernel
export { DomainError, InvalidInput } from "@siyu/kernel";

/** The campaign has started (tasks may exist in WeCom): it can no longer be edited, only cancelled. */
export class CampaignStarted extends DomainError {
  constructor(readonly status: string) {
    super(`the campaign is ${status}: it can no longer be changed (cancel it instead)`);
  }
}

/** The campaign is over (done or cancelled): nothing about it can change any more. */
export class CampaignFinished extends DomainError {
  constructor(readonly status: string) {
    super(`the campaign is ${status}: it can no longer be changed or cancelled`);
  }
}

/** A status change the campaign life cycle does not allow (a bug or a stale event, never user input). */
export class InvalidTransition extends DomainError {
  constructor(
    readonly from: string,
    readonly event: string,
  ) {
    super(`a ${from} campaign cannot ${event}`);
  }
}
