import middy from "@middy/core";
import { AppError, type Clock, type FieldIssue, formatIssues, systemClock } from "@siyu/kernel";
import { ROUTE_SCOPES, type RouteSpec, routeKey, type ServiceManifest } from "@siyu/manifest";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import * as z from "zod";
import { configureAtColdStart, type RuntimeConfig, runtimeConfig } from "./config.ts";
import { lambdaFields, log, withLogContext } from "./logger.ts";
import { publishMetrics } from "./metrics.ts";
import { problemFromError, problemResponse, problems } from "./problem.ts";
import { matchRoute } from "./routing.ts";

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface Auth {
  subject: string | undefined;
  scopes: string[];
  claims: Record<string, unknown>;
}

export interface HttpRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Header names lowercased. */
  headers: Record<string, string>;
  auth: Auth | undefined;
  requestId: string;
  method: string;
  path: string;
  /** The decoded request body as text (e.g. for signature checks over the exact bytes). */
  rawBody: string;
  rawQuery: Record<string, string>;
  config: RuntimeConfig;
  clock: Clock;
}

/** What a route handler returns: JSON (`body`) or text of a given content type (`text`). */
export type HttpResult =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> };

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteOptions<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | "text" | undefined> {
  params?: P;
  query?: Q;
  /** A zod schema for a JSON body, or "text" to take the body as a string (e.g. WeCom's XML). */
  body?: B;
  /** Media types accepted for a "text" body (default: any). */
  accepts?: readonly string[];
  /** What the OpenAPI document says of the route beyond its input schemas (openapi.ts). */
  doc?: RouteDoc;
}

/** A route's documentation: the input schemas are the route's own; this adds what they cannot say. */
export interface RouteDoc {
  summary?: string;
  description?: string;
  /** The body's schema when the route parses it in the domain (`body: z.unknown()`), e.g. a create schema. */
  requestBody?: Schema;
  /** The success answer (default 200, JSON). */
  response?: { status?: number; description?: string; schema?: Schema; contentType?: string };
  /** Problem statuses beyond the ones every route may answer (400, 401/403, 404, 413, 415, 500). */
  problems?: readonly number[];
}

export interface RouteHandler {
  options: RouteOptions<Schema | undefined, Schema | undefined, Schema | "text" | undefined>;
  handle: (req: HttpRequest<unknown, unknown, unknown>) => Promise<HttpResult>;
}

/** Declare one route's input schemas and its handler. */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | "text" | undefined = undefined,
>(
  options: RouteOptions<P, Q, B>,
  handle: (req: HttpRequest<Out<P>, Out<Q>, B extends "text" ? string : Out<B>>) => Promise<HttpResult>,
): RouteHandler {
  return { options, handle: handle as RouteHandler["handle"] };
}

function lowerHeaders(headers: HttpEvent["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** Validates each part, collecting every failing field of path, query and body into one 400. */
class Validator {
  readonly issues: FieldIssue[] = [];
  readonly parts: string[] = [];
  check<S extends Schema>(schema: S | undefined, value: unknown, where: string): unknown {
    if (!schema) return value;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.parts.push(where);
    this.issues.push(...formatIssues(parsed.error, [where]));
    return undefined;
  }
  done(): void {
    if (this.issues.length) {
      throw new AppError(400, "validation-failed", "Your request is not valid", `invalid ${this.parts.join(", ")}`, { errors: this.issues });
    }
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

const isJsonType = (t: string) => t === "application/json" || (t.startsWith("application/") && t.endsWith("+json"));

/** `SIYU_CHECK_RESPONSES=1` (the local platform sets it: `pnpm dev` and every test): answers are checked against their documented schema. */
const checkResponses = () => process.env.SIYU_CHECK_RESPONSES === "1";

/** Thrown when a route answers what its OpenAPI entry does not describe (locally only): a 500, so a test fails. */
export class UndocumentedResponse extends Error {
  override name = "UndocumentedResponse";
}

/**
 * A 2xx JSON answer must match the route's documented response schema (`doc.response.schema`), so the
 * OpenAPI document cannot drift from what the code answers; extra fields are allowed (clients ignore
 * them), missing or mistyped documented ones are not.
 */
function checkResponse(handler: RouteHandler, result: HttpResult, route: string): void {
  const schema = handler.options.doc?.response?.schema;
  if (!schema || "text" in result || result.body === undefined || result.status < 200 || result.status >= 300) return;
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, ["response"]).map((i) => `${i.path}: ${i.message}`);
    throw new UndocumentedResponse(`${route} answered ${result.status} with a body its documented schema does not describe: ${issues.slice(0, 10).join("; ")}`);
  }
}

function toResponse(result: HttpResult, requestId: string): HttpResponse {
  const headers: Record<string, string> = { "x-request-id": requestId, ...result.headers };
  if ("text" in result) {
    return { statusCode: result.status, headers: { "content-type": result.contentType, ...headers }, body: result.text };
  }
  if (result.body === undefined) return { statusCode: result.status, headers };
  return { statusCode: result.status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(result.body) };
}

/** Checks what API Gateway's authorizer already checked: defence in depth, and the same code locally. */
function authorize(spec: RouteSpec, event: HttpEvent): Auth | undefined {
  const jwt = event.requestContext.authorizer?.jwt;
  if (spec.auth === "public") {
    return jwt ? { subject: jwt.claims.sub as string | undefined, scopes: jwt.scopes ?? [], claims: jwt.claims } : undefined;
  }
  if (!jwt) throw problems.unauthorized();
  const scopes = jwt.scopes ?? String(jwt.claims.scope ?? "").split(" ").filter(Boolean);
  const needed = ROUTE_SCOPES[spec.auth];
  if (!needed.some((s) => scopes.includes(s))) throw problems.forbidden(needed);
  return { subject: jwt.claims.sub as string | undefined, scopes, claims: jwt.claims };
}

export interface HttpOptions {
  clock?: Clock;
  /** The service's domain errors as problems (undefined: not a domain error; answered as usual). */
  problemOf?: (error: unknown) => AppError | undefined;
}

/**
 * The service's one HTTP function: routes every manifest route to its handler by name, validates
 * path/query/body with zod, and turns every error into `application/problem+json`.
 */
export function http(manifest: ServiceManifest, handlers: Record<string, RouteHandler>, opts: HttpOptions = {}) {
  configureAtColdStart();
  const routes = manifest.http?.routes ?? [];
  const missing = routes.filter((r) => !handlers[r.name]).map((r) => r.name);
  const extra = Object.keys(handlers).filter((n) => !routes.some((r) => r.name === n));
  if (missing.length || extra.length) {
    throw new Error(`${manifest.name}: route handlers do not match the manifest (missing: ${missing.join(", ") || "none"}; unknown: ${extra.join(", ") || "none"})`);
  }
  const byKey = new Map(routes.map((r) => [routeKey(r), r]));
  const clock = opts.clock ?? systemClock;

  async function dispatch(event: HttpEvent, context?: Context): Promise<HttpResponse> {
    const { requestId, method, path } = requestLine(event);
    const config = runtimeConfig();
    return withLogContext({ service: config.service, corpId: config.corpId, requestId, ...lambdaFields(context), logLevel: config.logLevel }, async () => {
      const started = Date.now();
      try {
        const response = await handleRequest(event, config, requestId, method, path);
        log.info("request", { method, path, status: response.statusCode, ms: Date.now() - started });
        return response;
      } finally {
        publishMetrics();
      }
    });
  }

  async function handleRequest(event: HttpEvent, config: RuntimeConfig, requestId: string, method: string, path: string): Promise<HttpResponse> {
    let spec = byKey.get(event.routeKey);
    let params: Record<string, string> = {};
    if (spec) {
      params = Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    } else {
      const m = matchRoute(routes, method, path);
      if (m.kind === "not-found") throw problems.notFound(path);
      if (m.kind === "method-not-allowed") throw problems.methodNotAllowed(method, m.allow);
      spec = m.route;
      params = m.params;
    }
    const handler = handlers[spec.name]!;
    const auth = authorize(spec, event);
    const headers = lowerHeaders(event.headers);

    const rawBody = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body) : "";
    if (Buffer.byteLength(rawBody) > config.maxBodyBytes) throw problems.tooLarge(config.maxBodyBytes);

    const o = handler.options;
    const v = new Validator();
    let body: unknown;
    if (o.body === "text") {
      const type = mediaType(headers["content-type"]);
      if (o.accepts && rawBody !== "" && !o.accepts.includes(type)) throw problems.unsupportedMediaType(o.accepts);
      body = rawBody;
    } else if (o.body) {
      if (rawBody !== "" && !isJsonType(mediaType(headers["content-type"]))) throw problems.unsupportedMediaType(["application/json"]);
      let json: unknown;
      if (rawBody === "") json = undefined;
      else {
        try {
          json = JSON.parse(rawBody);
        } catch {
          throw problems.invalidJson();
        }
      }
      body = v.check(o.body, json, "body");
    }
    const rawQuery = Object.fromEntries(
      Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const validParams = v.check(o.params, params, "path");
    const validQuery = v.check(o.query, rawQuery, "query");
    v.done();
    const req: HttpRequest<unknown, unknown, unknown> = {
      params: validParams,
      query: validQuery,
      body,
      headers,
      auth,
      requestId,
      method,
      path,
      rawBody,
      rawQuery,
      config,
      clock,
    };
    const result = await handler.handle(req);
    if (checkResponses()) checkResponse(handler, result, `${method} ${spec.path}`);
    return toResponse(result, requestId);
  }

  const handler = middy<HttpEvent, HttpResponse, Error, Context>()
    .use(problemJson(opts.problemOf))
    .handler((event, context) => dispatch(event, context));
  // the route table, for the OpenAPI document (openapi.ts)
  return Object.assign(handler, { routes: handlers as Readonly<Record<string, RouteHandler>> });
}

function requestLine(event: HttpEvent): { requestId: string; method: string; path: string } {
  return {
    requestId: event.requestContext?.requestId ?? "unknown",
    method: event.requestContext?.http?.method ?? "GET",
    path: event.rawPath ?? event.requestContext?.http?.path ?? "/",
  };
}

/**
 * middy middleware: whatever a request throws becomes `application/problem+json` (RFC 9457) — an
 * AppError as its own problem, anything else as a 500 `internal` that says nothing of the error (the
 * error itself goes to the log, with the request's service, corp and id).
 */
export function problemJson(problemOf?: (error: unknown) => AppError | undefined): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  return {
    onError: async (request) => {
      const { requestId, method, path } = requestLine(request.event);
      const error = request.error;
      const appError = error instanceof AppError ? error : problemOf?.(error);
      const headers: Record<string, string> = { "x-request-id": requestId };
      if (appError?.status === 405) headers.allow = ((appError.extensions.allow as string[]) ?? []).join(", ");
      const response = problemResponse(problemFromError(appError ?? problems.internal(), path, requestId), headers);
      let context: Record<string, unknown> = { requestId };
      try {
        const config = runtimeConfig();
        context = { service: config.service, corpId: config.corpId, requestId, logLevel: config.logLevel };
      } catch {
        // the configuration itself failed: the error below says so
      }
      withLogContext(context, () => {
        if (!appError || appError.status >= 500) log.error("request failed", { error, method, path });
        log.info("request", { method, path, status: response.statusCode });
      });
      request.response = response;
    },
  };
}

const idempotencyKeySchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/**
 * The request's `Idempotency-Key` header (1–255 printable ASCII characters), or undefined when absent;
 * a malformed one is a 400 with the header as the failing field.
 */
export function idempotencyKeyOf(headers: Readonly<Record<string, string>>): string | undefined {
  const raw = headers["idempotency-key"];
  if (raw === undefined) return undefined;
  const key = idempotencyKeySchema.safeParse(raw);
  if (!key.success) {
    throw new AppError(400, "validation-failed", "Your request is not valid", "invalid Idempotency-Key header", {
      errors: [{ path: "headers.idempotency-key", message: key.error.issues[0]?.message ?? "invalid" }],
    });
  }
  return key.data;
}
