import type { FieldIssue } from "./problem.ts";

/**
 * The base of every service's domain errors: what went wrong in the domain's words. A service's HTTP
 * edge maps each to a status and a problem type; a consumer parks them at once (`retryable` is false:
 * the same input fails the same way every time).
 *
 * @example
 * export class CampaignStarted extends DomainError {}
 */
export class DomainError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input the rules refuse, with every failing field (`body.staff.0.dailyCap`, `body.content.attachments.2.link.title`). */
export class InvalidInput extends DomainError {
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }
}
