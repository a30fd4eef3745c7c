/**
 * group-live-code's domain errors: what went wrong in the domain's words. The HTTP edge maps each to
 * a status and a problem type; a consumer parks them at once (`retryable` is false: the same input
 * fails the same way every time).
 */
import { DomainError } from "@siyu/kernel";

// the base and the field-errors error have one home, in the kernel
export { DomainError, InvalidInput } from "@siyu/kernel";

/** The code is archived: its join ways are gone and nothing about it can change any more. */
export class CodeArchived extends DomainError {
  constructor(readonly codeId: string) {
    super(`the live code ${codeId} is archived: it can no longer be changed`);
  }
}

/**
 * A group event or a `groupchat/get` answer for a group the pool does not hold (a bug in routing the
 * message, or a group removed meanwhile: the caller drops it, never counts it).
 */
export class GroupNotInPool extends DomainError {
  constructor(readonly chatId: string) {
    super(`the group ${chatId} is not in this live code's pool`);
  }
}
