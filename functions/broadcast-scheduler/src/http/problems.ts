/**
 * broadcast-scheduler's domain errors → problems (RFC 9457): the one place a domain word becomes a
 * status and a problem type.
 */
import { AppError, badRequest } from "@siyu/kernel";
import { CampaignFinished, CampaignStarted, InvalidInput, InvalidTransition } from "../domain/errors.ts";

export function problemOf(error: unknown): AppError | undefined {
  if (error instanceof InvalidInput) return badRequest(error.message, error.issues);
  if (error instanceof CampaignStarted) return new AppError(409, "campaign-started", "The campaign has started", error.message, { extensions: { status: error.status } });
  if (error instanceof CampaignFinished) return new AppError(409, "campaign-finished", "The campaign is over", error.message, { extensions: { status: error.status } });
  if (error instanceof InvalidTransition) return new AppError(409, "conflict", "Conflict with the current state", error.message);
  return undefined;
}
