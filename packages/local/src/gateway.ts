import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError } from "@siyu/kernel";
import { problemFromError, problemResponse } from "@siyu/lambda-kit";
import { ROUTE_SCOPES } from "@siyu/manifest";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { claimsAsApiGateway, type DevIssuer } from "./auth.ts";
import type { LocalFunction } from "./functions.ts";
import { type PlatformLogger, PlatformStartError } from "./log.ts";
import type { RouteEntry, RouteTable } from "./routes.ts";

/**
 * The local API Gateway (HTTP API, payload format 2.0): matches a request against every manifest
 * route, checks the JWT like the authorizer would, builds the event, invokes the service's HTTP
 * function and writes its result back. Unmatched requests go to lambda-kit's fallback function
 * (the `$default` route in AWS) when it exists, else get a 404/405 problem from here.
 */

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What the gateway routes to, known once the platform is ready (it listens earlier: others need its URL). */
export interface GatewayRouting {
  routes: RouteTable;
  httpFunction(service: string): LocalFunction | undefined;
  fallback: LocalFunction | undefined;
  issuer: DevIssuer;
}

export interface GatewayDeps {
  log: PlatformLogger;
  /** Requests handled from the raw stream, before the body is buffered (blob uploads); return true when handled. */
  stream?(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Local-only endpoints (`/health`, `/_local/...`); return true when handled. */
  local(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean>;
  /** Resolves when the platform is ready to serve (requests wait for it). */
  routing: Promise<GatewayRouting>;
}

export interface Gateway {
  server: Server;
  port: number;
  url: string;
  /** Stop accepting connections; requests in progress finish. */
  stopAccepting(): void;
  /** Stop, dropping whatever connections remain. */
  close(): Promise<void>;
}

export async function startGateway(port: number, host: string, deps: GatewayDeps): Promise<Gateway> {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((err: unknown) => {
      deps.log.error(`gateway: ${req.method} ${req.url} failed`, err);
      if (!res.headersSent) sendJson(res, 500, { message: "Internal Server Error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new PlatformStartError(`port ${port} on ${host} is already in use: stop whatever listens there, or pick another with --port / PORT`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const stopAccepting = () => {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    stopAccepting,
    close() {
      stopAccepting();
      server.closeAllConnections();
      return closed!;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: GatewayDeps): Promise<void> {
  const started = Date.now();
  if (deps.stream && (await deps.stream(req, res, new URL(req.url ?? "/", "http://local")))) return;
  const body = await readBody(req);
  const requestId = apiGatewayRequestId();
  res.setHeader("apigw-requestid", requestId);
  if (body === null) {
    writeProblem(res, new AppError(413, "payload-too-large", "Request body too large", `API Gateway accepts at most ${MAX_BODY_BYTES} bytes`), "/", requestId);
    return;
  }
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQueryString = q === -1 ? "" : rawUrl.slice(q + 1);
  const url = new URL(rawUrl, "http://local");
  if (await deps.local(req, res, url, body)) return;
  const routing = await deps.routing;

  const method = (req.method ?? "GET").toUpperCase();
  const match = routing.routes.match(method, rawPath);
  let fn: LocalFunction | undefined;
  let route: RouteEntry | undefined;
  let pathParameters: Record<string, string> | undefined;
  if (match.kind === "match") {
    route = match.route;
    pathParameters = match.pathParameters;
    fn = routing.httpFunction(route.service);
  } else if (routing.fallback) {
    fn = routing.fallback;
  } else if (match.kind === "method-not-allowed") {
    res.setHeader("allow", match.allow.join(", "));
    writeProblem(
      res,
      new AppError(405, "method-not-allowed", "Method not allowed", `${method} is not allowed here; allowed: ${match.allow.join(", ")}`, {
        extensions: { allow: match.allow },
      }),
      rawPath,
      requestId,
    );
    return;
  } else {
    writeProblem(res, new AppError(404, "route-not-found", "No such route", `no route matches ${rawPath}`), rawPath, requestId);
    return;
  }
  if (!fn) {
    writeProblem(res, new AppError(500, "internal", "Internal error", `service ${route?.service} has no HTTP function`), rawPath, requestId);
    return;
  }

  let authorizer: APIGatewayProxyEventV2WithJWTAuthorizer["requestContext"]["authorizer"] | undefined;
  if (route && route.auth !== "public") {
    const required = ROUTE_SCOPES[route.auth];
    const result = await routing.issuer.verify(header(req, "authorization"), required);
    if (!result.ok) {
      if (result.status === 401) {
        res.setHeader("www-authenticate", 'Bearer realm="siyu-local", error="invalid_token"');
        writeProblem(res, new AppError(401, "unauthorized", "Authentication required", result.detail), rawPath, requestId);
      } else {
        res.setHeader("www-authenticate", `Bearer realm="siyu-local", error="insufficient_scope", scope="${required.join(" ")}"`);
        writeProblem(res, new AppError(403, "forbidden", "Not allowed", result.detail, { extensions: { requiredScopes: [...required] } }), rawPath, requestId);
      }
      deps.log.request(method, rawPath, result.status, Date.now() - started);
      return;
    }
    authorizer = { jwt: { claims: claimsAsApiGateway(result.claims), scopes: result.scopes }, principalId: "", integrationLatency: 0 };
  }

  const event = buildEvent(req, {
    body,
    rawPath,
    rawQueryString,
    requestId,
    routeKey: route ? `${route.method} ${route.path}` : "$default",
    pathParameters,
    authorizer,
  });
  let result: unknown;
  try {
    result = await fn.invoke(event);
  } catch (err) {
    // What API Gateway answers when the integration fails (error, timeout, bad response).
    deps.log.error(`${fn.name} failed on ${method} ${rawPath}`, err);
    sendJson(res, 500, { message: "Internal Server Error" });
    deps.log.request(method, rawPath, 500, Date.now() - started);
    return;
  }
  const status = writeResult(res, result);
  deps.log.request(method, rawPath, status, Date.now() - started);
}

interface EventParts {
  body: Buffer;
  rawPath: string;
  rawQueryString: string;
  requestId: string;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  authorizer: APIGatewayProxyEventV2WithJWTAuthorizer["requestContext"]["authorizer"] | undefined;
}

export function buildEvent(req: IncomingMessage, p: EventParts): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter(Boolean)];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-port"] = String(req.socket.localPort ?? "");
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] ??= `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;

  let queryStringParameters: Record<string, string> | undefined;
  if (p.rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(p.rawQueryString)) {
      queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
    }
  }
  const now = new Date();
  const host = headers.host ?? "127.0.0.1";
  const hasBody = p.body.length > 0;
  const text = isTextual(headers["content-type"]);
  const method = (req.method ?? "GET").toUpperCase();
  const event = {
    version: "2.0",
    routeKey: p.routeKey,
    rawPath: p.rawPath,
    rawQueryString: p.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(".")[0]!.split(":")[0]!,
      http: { method, path: p.rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp, userAgent: headers["user-agent"] ?? "" },
      requestId: p.requestId,
      routeKey: p.routeKey,
      stage: "$default",
      time: clfTime(now),
      timeEpoch: now.getTime(),
      ...(p.authorizer ? { authorizer: p.authorizer } : {}),
    },
    ...(p.pathParameters && Object.keys(p.pathParameters).length > 0 ? { pathParameters: p.pathParameters } : {}),
    ...(hasBody ? { body: text ? p.body.toString("utf8") : p.body.toString("base64") } : {}),
    isBase64Encoded: hasBody && !text,
  };
  // Public routes carry no authorizer block, as in AWS; the type insists on one.
  return event as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** Writes a handler's result like API Gateway does (a bare value = 200 JSON). Returns the status. */
export function writeResult(res: ServerResponse, result: unknown): number {
  if (result === undefined || result === null) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(result === null ? "null" : "");
    return 200;
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  if (typeof result !== "object" || structured.statusCode === undefined) {
    const body = typeof result === "string" ? result : JSON.stringify(result);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
    return 200;
  }
  const status = Number(structured.statusCode);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
  if (headers["content-type"] === undefined && structured.body !== undefined) headers["content-type"] = "application/json";
  const body = structured.body === undefined ? "" : structured.isBase64Encoded ? Buffer.from(structured.body, "base64") : structured.body;
  res.writeHead(status, headers);
  res.end(body);
  return status;
}

export function writeProblem(res: ServerResponse, error: AppError, instance: string, requestId: string): void {
  const out = problemResponse(problemFromError(error, instance, requestId), { "x-request-id": requestId });
  writeResult(res, out);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body, null, 2));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** null when the body exceeds API Gateway's limit. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooBig ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const t = contentType.split(";")[0]!.trim().toLowerCase();
  return (
    t.startsWith("text/") ||
    t === "application/json" ||
    t.endsWith("+json") ||
    t === "application/xml" ||
    t.endsWith("+xml") ||
    t === "application/x-www-form-urlencoded" ||
    t === "application/javascript" ||
    t === "application/graphql"
  );
}

/** API Gateway's request ids look like `JKJaXmPLvHcESHA=`. */
function apiGatewayRequestId(): string {
  return randomBytes(10).toString("base64");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function clfTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
