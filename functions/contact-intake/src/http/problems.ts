/**
 * contact-intake's domain errors → problems (RFC 9457): the one place a domain word becomes a status
 * and a problem type. Passed to lambda-kit's `http()`, which answers anything else as it always does.
 */
import { AppError, badRequest, unprocessable } from "@siyu/kernel";
import { CorpTagLimitReached, InvalidCursor, InvalidInput, NoEligibleStaff, UnknownTagGroup } from "../domain/errors.ts";

export function problemOf(error: unknown): AppError | undefined {
  if (error instanceof InvalidInput) return badRequest(error.message, error.issues);
  if (error instanceof InvalidCursor) return new AppError(400, "invalid-cursor", "Invalid cursor", error.message, { errors: [{ path: "query.cursor", message: error.message }] });
  if (error instanceof UnknownTagGroup) return unprocessable("unknown-tag-group", "Unknown tag group", error.message, { groupId: error.groupId });
  if (error instanceof CorpTagLimitReached) return unprocessable("corp-tag-limit", "Corp tag limit reached", error.message, { ...error.figures });
  if (error instanceof NoEligibleStaff) return unprocessable("no-eligible-staff", "No staff can take adds", error.message);
  return undefined;
}
