/**
 * Domain errors → problems (RFC 9457). The one place churn-stats' HTTP edge turns a domain word into
 * a status and a problem type; the domain never knows either.
 */
import { type AppError, badRequest } from "@siyu/kernel";
import type { z } from "zod";
import { InvalidQuery } from "../domain/index.ts";

/** The problem for a domain error (`InvalidQuery` → 400 `validation-failed` listing every broken rule); anything else is not ours to map. */
export function problemOf(error: unknown): AppError | undefined {
  if (error instanceof InvalidQuery) return badRequest(error.message, error.broken.map((rule) => ({ path: rule.field, message: rule.message })));
  return undefined;
}

/**
 * A zod refinement that runs a domain parse and reports each broken rule as an issue of its field.
 * A refinement, not a transform: zod runs it next to the schema's own field checks, so one 400 lists
 * every failing field of the request (`query.to` and `query.limit` together).
 */
export function domainRules<T>(parse: (input: T) => unknown) {
  return (input: T, ctx: z.RefinementCtx) => {
    try {
      parse(input);
    } catch (error) {
      const problem = problemOf(error);
      if (!problem?.errors) throw error;
      for (const issue of problem.errors) ctx.addIssue({ code: "custom", path: [issue.path], message: issue.message });
    }
  };
}
