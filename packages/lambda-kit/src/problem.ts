import { AppError, type FieldIssue, PROBLEM_BASE } from "@siyu/kernel";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** An RFC 9457 problem document. `type` is a stable URI per kind of error, documented in docs/problems.md. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

export function problemFromError(error: AppError, instance: string, requestId: string): Problem {
  const problem: Problem = {
    ...error.extensions,
    type: PROBLEM_BASE + error.type,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    requestId,
  };
  if (error.errors?.length) problem.errors = error.errors;
  return problem;
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { "content-type": "application/problem+json", ...headers },
    body: JSON.stringify(problem),
  };
}

/** Problems the HTTP wrapper raises itself. */
export const problems = {
  unauthorized: () => new AppError(401, "unauthorized", "Authentication required", "a valid bearer token is required"),
  forbidden: (scopes: readonly string[]) =>
    new AppError(403, "forbidden", "Not allowed", `this operation needs one of the scopes: ${scopes.join(", ")}`),
  notFound: (path: string) => new AppError(404, "route-not-found", "No such route", `no route matches ${path}`),
  methodNotAllowed: (method: string, allow: string[]) =>
    new AppError(405, "method-not-allowed", "Method not allowed", `${method} is not allowed here; allowed: ${allow.join(", ")}`, {
      extensions: { allow },
    }),
  invalidJson: () => new AppError(400, "invalid-json", "Body is not valid JSON", "the request body could not be parsed as JSON"),
  tooLarge: (limit: number) =>
    new AppError(413, "payload-too-large", "Request body too large", `the request body exceeds ${limit} bytes`, { extensions: { limitBytes: limit } }),
  unsupportedMediaType: (accepted: readonly string[]) =>
    new AppError(415, "unsupported-media-type", "Unsupported media type", `send the body as ${accepted.join(" or ")}`),
  internal: () => new AppError(500, "internal", "Internal error", "something went wrong on our side; the request id identifies it in our logs"),
};
