/** moments-publisher's domain errors → problems (RFC 9457). */
import { AppError, badRequest } from "@siyu/kernel";
import { InvalidInput, PlanRefused, PostStarted } from "../domain/errors.ts";

export function problemOf(error: unknown): AppError | undefined {
  if (error instanceof InvalidInput) return badRequest(error.message, error.issues);
  if (error instanceof PostStarted) return new AppError(409, "post-started", "The post has started", error.message, { extensions: { state: error.state } });
  if (error instanceof PlanRefused) {
    return new AppError(422, "daily-limit", "The schedule breaks a daily limit", error.message, { extensions: { refused: error.refused } });
  }
  return undefined;
}
