/** group-live-code's domain errors → problems (RFC 9457). */
import { AppError, badRequest, unprocessable } from "@siyu/kernel";
import { CodeArchived, GroupNotInPool, InvalidInput } from "../domain/errors.ts";

export function problemOf(error: unknown): AppError | undefined {
  if (error instanceof InvalidInput) return badRequest(error.message, error.issues);
  if (error instanceof CodeArchived) return new AppError(409, "code-archived", "The live code is archived", error.message);
  if (error instanceof GroupNotInPool) return unprocessable("group-not-in-pool", "Group not in the pool", error.message);
  return undefined;
}
