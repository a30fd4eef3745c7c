import type { IncomingMessage, ServerResponse } from "node:http";
import { ROUTE_SCOPES } from "@siyu/manifest";
import type { DevIssuer } from "./auth.ts";
import { FunctionTimeoutError } from "./functions.ts";
import { sendJson } from "./gateway.ts";
import type { HealthReport } from "./health.ts";
import { type LocalScheduler, UnknownScheduleError } from "./scheduler.ts";

/**
 * The gateway's local-only endpoints: `/health`, the dev issuer's discovery and keys, and (from
 * localhost only) the schedules and token minting under `/_local`.
 */

export interface LocalDeps {
  state(): HealthReport["status"];
  /** Resolves when the platform is ready (requests to `/_local/*` wait for it). */
  serving: Promise<{ issuer: DevIssuer; scheduler: LocalScheduler; health(): Promise<HealthReport> }>;
  /** The OpenAPI document of the services this platform runs (`GET /openapi.json`). */
  openapi(): Promise<Record<string, unknown>>;
}

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? "";
  return a === "127.0.0.1" || a === "::1" || a === "::ffff:127.0.0.1" || a.startsWith("127.");
}

export async function localEndpoint(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, deps: LocalDeps): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/health" && (method === "GET" || method === "HEAD")) {
    const state = deps.state();
    if (state !== "ok") {
      sendJson(res, 503, { status: state });
      return true;
    }
    const report = await (await deps.serving).health();
    sendJson(res, report.status === "ok" ? 200 : 503, report);
    return true;
  }
  if (path === "/openapi.json" && (method === "GET" || method === "HEAD")) {
    sendJson(res, 200, await deps.openapi());
    return true;
  }
  if (!path.startsWith("/_local/")) return false;
  const { issuer, scheduler } = await deps.serving;
  if (method === "GET" && path === "/_local/issuer/.well-known/openid-configuration") {
    sendJson(res, 200, {
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/jwks.json`,
      id_token_signing_alg_values_supported: ["ES256"],
      scopes_supported: [...new Set(Object.values(ROUTE_SCOPES).flat())],
    });
    return true;
  }
  if (method === "GET" && path === "/_local/issuer/jwks.json") {
    sendJson(res, 200, issuer.jwks());
    return true;
  }
  // Everything below acts on the platform: local callers only.
  if (!isLoopback(req)) {
    sendJson(res, 403, { type: "https://siyu.dev/problems/forbidden", title: "Not allowed", status: 403, detail: "/_local endpoints answer localhost only" });
    return true;
  }
  if (method === "GET" && path === "/_local/schedules") {
    sendJson(res, 200, { schedules: scheduler.list() });
    return true;
  }
  const m = /^\/_local\/schedules\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && method === "POST") {
    const [service, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const started = Date.now();
    try {
      const result = await scheduler.run(service, name);
      sendJson(res, 200, { service, schedule: name, ok: true, ms: Date.now() - started, result: result ?? null });
    } catch (err) {
      if (err instanceof UnknownScheduleError) {
        sendJson(res, 404, { type: "https://siyu.dev/problems/not-found", title: "Not found", status: 404, detail: err.message });
      } else {
        sendJson(res, err instanceof FunctionTimeoutError ? 504 : 500, {
          service,
          schedule: name,
          ok: false,
          ms: Date.now() - started,
          error: (err as Error).message ?? String(err),
        });
      }
    }
    return true;
  }
  if (method === "GET" && path === "/_local/console-token") {
    // the console at /console/ signs in with this (same origin, loopback only, like every /_local action)
    const token = await issuer.mint({ scopes: [...ROUTE_SCOPES.admin], expiresIn: "12h", subject: "local-console", claims: { username: "local-console" } });
    sendJson(res, 200, { token, expiresIn: "12h" }, { "cache-control": "no-store" });
    return true;
  }
  if (method === "POST" && path === "/_local/token") {
    let input: { scopes?: unknown; expiresIn?: unknown } = {};
    try {
      input = body.length ? (JSON.parse(body.toString("utf8")) as typeof input) : {};
    } catch {
      sendJson(res, 400, { detail: "body must be JSON: { scopes: string[], expiresIn?: string }" });
      return true;
    }
    const scopes = Array.isArray(input.scopes) ? input.scopes.map(String) : [...ROUTE_SCOPES.admin];
    const token = await issuer.mint({ scopes, expiresIn: typeof input.expiresIn === "string" ? input.expiresIn : "1h" });
    sendJson(res, 200, { token, scopes });
    return true;
  }
  sendJson(res, 404, { type: "https://siyu.dev/problems/route-not-found", title: "No such route", status: 404, detail: `no local endpoint ${method} ${path}` });
  return true;
}
