/**
 * contact-intake's domain errors: what went wrong in the domain's words. The HTTP edge
 * (`src/http/problems.ts`) turns each into a status and a problem type; a consumer parks them at once
 * (`retryable` is false: the same input fails the same way every time).
 */
import { DomainError } from "@siyu/kernel";

// the base and the field-errors error have one home, in the kernel
export { DomainError, InvalidInput } from "@siyu/kernel";

/** A list cursor this API did not hand out for this very query. */
export class InvalidCursor extends DomainError {}

/** A tag group that is not in Siyu's copy of the corp tag list. */
export class UnknownTagGroup extends DomainError {
  constructor(readonly groupId: string) {
    super(`tag group ${groupId} is not in Siyu's copy of the corp tag list (it may have been deleted in WeCom)`);
  }
}

/** Creating these tags would pass WeCom's 3000 corp tags per corp (§6, errcode 40126). */
export class CorpTagLimitReached extends DomainError {
  constructor(readonly figures: { limit: number; existing: number; adding: number; room: number }) {
    const { limit, existing, adding, room } = figures;
    super(
      `WeCom allows at most ${limit} corp tags per corp. The corp has ${existing}; this request would add ${adding} ` +
        `(${existing + adding} in all). ${room === 0 ? "Delete unused tags first." : `At most ${room} more can be created.`}`,
    );
  }
}

/** No staff member of a channel can take adds now (schedule, caps or backups): its code would carry no one. */
export class NoEligibleStaff extends DomainError {
  constructor() {
    super("no staff member of this channel is eligible now (schedule, caps or backups)");
  }
}
