import { ENV } from "@siyu/manifest";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { problemFromError, problemResponse, problems } from "./problem.ts";
import { matchRoute } from "./routing.ts";
import { currentEnv } from "./runtime-env.ts";

/**
 * The API's `$default` route: a request that matches no declared route gets a problem document
 * (404, or 405 with `Allow` when the path exists under another method) instead of API Gateway's
 * bare `{"message":"Not Found"}`. `SIYU_ROUTES` lists every route key (`GET /v1/x/{id}`) as JSON.
 */
let cachedRoutes: { method: string; path: string }[] | undefined;

function declaredRoutes(): { method: string; path: string }[] {
  if (cachedRoutes) return cachedRoutes;
  let keys: unknown = [];
  try {
    keys = JSON.parse(currentEnv()[ENV.routes] ?? "[]");
  } catch {
    keys = [];
  }
  cachedRoutes = (Array.isArray(keys) ? keys : [])
    .filter((k): k is string => typeof k === "string" && k.includes(" "))
    .map((k) => {
      const [method, path] = k.split(" ", 2) as [string, string];
      return { method, path };
    });
  return cachedRoutes;
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requestId = event.requestContext?.requestId ?? "unknown";
  const method = event.requestContext?.http?.method ?? "GET";
  const path = event.rawPath ?? "/";
  const match = matchRoute(declaredRoutes(), method, path);
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (match.kind === "method-not-allowed") {
    headers.allow = match.allow.join(", ");
    return problemResponse(problemFromError(problems.methodNotAllowed(method, match.allow), path, requestId), headers);
  }
  return problemResponse(problemFromError(problems.notFound(path), path, requestId), headers);
}
