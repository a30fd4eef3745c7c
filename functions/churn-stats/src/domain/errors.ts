/**
 * Domain errors: what a request or an event broke, in the domain's words. No HTTP status and no
 * queue semantics here: the HTTP edge (`src/http/problems.ts`) maps them to problem types, the
 * consumers decide retry or park.
 */

/** One rule of the read model broken by one field of a request (`field` names the input, e.g. `to`). */
export abstract class RuleBroken extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class DayRequired extends RuleBroken {
  constructor(field: string) {
    super(field, "is required");
  }
}

export class NotACalendarDay extends RuleBroken {
  constructor(field: string) {
    super(field, "must be a calendar day YYYY-MM-DD");
  }
}

export class RangeReversed extends RuleBroken {
  constructor() {
    super("to", "must not be before from");
  }
}

export class RangeTooLong extends RuleBroken {
  constructor(readonly maxDays: number) {
    super("to", `the range is at most ${maxDays} days (both ends included)`);
  }
}

export class InvalidGroupBy extends RuleBroken {
  constructor(readonly allowed: readonly string[]) {
    super("groupBy", `must be one of ${allowed.join(", ")}`);
  }
}

/** A query filters by a staff member and by a channel at once. */
export class FiltersCombined extends RuleBroken {
  constructor() {
    super("channelId", "filter by userId or by channelId, not both");
  }
}

/** Counters are kept per staff member or per channel, never per pair: a filter of the other kind has no rows. */
export class FilterNotAvailable extends RuleBroken {
  constructor(field: "userId" | "channelId", groupBy: string) {
    super(field, `is not available with groupBy=${groupBy} (counters are per staff or per channel, not both)`);
  }
}

/** A page would hold more day × group cells than one response may carry. */
export class PageTooLarge extends RuleBroken {
  constructor(
    readonly days: number,
    readonly groups: number,
    readonly maxCells: number,
  ) {
    super("limit", `${days} days × ${groups} groups is more than ${maxCells} cells per page; lower limit to at most ${Math.max(1, Math.floor(maxCells / days))}`);
  }
}

/** Every rule a query broke, together, so that a caller can fix them in one go. */
export class InvalidQuery extends Error {
  constructor(
    message: string,
    readonly broken: readonly RuleBroken[],
  ) {
    super(message);
    this.name = "InvalidQuery";
  }
}

/** An event of another corp reached this corp's stack: it can never be counted here. */
export class ForeignCorpEvent extends Error {
  constructor(
    readonly eventCorpId: string,
    readonly corpId: string,
  ) {
    super(`event of corp ${eventCorpId} delivered to the stack of corp ${corpId}`);
    this.name = "ForeignCorpEvent";
  }
}

/** A loss alert that waited so long (deferred at WeCom's limits) that it is history, not news. */
export class LossAlertExpired extends Error {
  constructor(
    readonly factId: string,
    readonly userId: string,
    readonly maxAgeMs: number,
    readonly deferrals: number,
  ) {
    super(`loss alert ${factId} for ${userId} not sent: the loss is older than ${maxAgeMs / 3_600_000} h (deferred ${deferrals} times)`);
    this.name = "LossAlertExpired";
  }
}
