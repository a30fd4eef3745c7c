/**
 * Errors that carry an RFC 9457 problem type. Domain and handler code throws these; the HTTP wrapper
 * turns them into `application/problem+json`, the SQS wrapper decides retry vs. DLQ by `retryable`.
 */
export const PROBLEM_BASE = "https://siyu.dev/problems/";

export interface FieldIssue {
  path: string;
  message: string;
  /**
   * What kind of rule failed, when a schema rule did (zod's issue code: `too_small`, `too_big`,
   * `invalid_type`, `invalid_format`, `invalid_value`, `unrecognized_keys`, …), with its figures, so a
   * client can word the error in its own language; a domain rule's issue has only its message.
   */
  code?: string;
  minimum?: number;
  maximum?: number;
  /** What the bound counts: `string` (characters), `array` (items), `number`, `date`, … */
  origin?: string;
  expected?: string;
  format?: string;
}

export class AppError extends Error {
  readonly status: number;
  /** Stable, documented problem type slug, e.g. `validation-failed`. */
  readonly type: string;
  readonly title: string;
  readonly errors: FieldIssue[] | undefined;
  readonly extensions: Record<string, unknown>;
  /** Whether a queue consumer should retry this failure (true) or park the record (false). */
  readonly retryable: boolean;
  constructor(
    status: number,
    type: string,
    title: string,
    detail?: string,
    opts: { errors?: FieldIssue[]; extensions?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(detail ?? title, { cause: opts.cause });
    this.name = "AppError";
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = opts.errors;
    this.extensions = opts.extensions ?? {};
    this.retryable = opts.retryable ?? status >= 500;
  }
}

export const badRequest = (detail: string, errors?: FieldIssue[]) =>
  new AppError(400, "validation-failed", "Your request is not valid", detail, { errors });
export const notFound = (detail: string) => new AppError(404, "not-found", "Not found", detail);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new AppError(409, "conflict", "Conflict with the current state", detail, { extensions });
export const unprocessable = (type: string, title: string, detail: string, extensions?: Record<string, unknown>) =>
  new AppError(422, type, title, detail, { extensions });
