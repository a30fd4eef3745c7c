import { conflict } from "@siyu/kernel";
import { defineService, functionEnvironment } from "@siyu/manifest";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { type HttpEvent, http, route, runWithEnv } from "../src/index.ts";

const manifest = defineService({
  name: "kit-test",
  description: "test",
  table: { partitionKey: "pk", sortKey: "sk" },
  http: {
    entry: "src/http/api.ts",
    maxBodyBytes: 1024,
    routes: [
      { method: "POST", path: "/v1/items", auth: "admin", name: "createItem" },
      { method: "GET", path: "/v1/items/{itemId}", auth: "operator", name: "getItem" },
      { method: "GET", path: "/v1/items/special", auth: "public", name: "special" },
      { method: "POST", path: "/hook", auth: "public", name: "hook" },
      { method: "GET", path: "/boom", auth: "public", name: "boom" },
    ],
  },
});

const env = functionEnvironment(manifest, {
  client: "test",
  corpId: "wwtest",
  timeZone: "Asia/Shanghai",
  tableName: "unused",
  topicArn: "arn:aws:sns:local:000000000000:t",
  queueUrls: {},
  logLevel: "error",
});

const handler = http(manifest, {
  createItem: route({ body: z.object({ name: z.string().min(1).max(10), count: z.number().int().positive() }).strict() }, async (req) => {
    if (req.body.name === "taken") throw conflict("an item with this name exists");
    return { status: 201, body: { name: req.body.name, count: req.body.count, by: req.auth?.subject } };
  }),
  getItem: route({ params: z.object({ itemId: z.string().regex(/^i-\d+$/) }), query: z.object({ verbose: z.enum(["true", "false"]).optional() }) }, async (req) => ({
    status: 200,
    body: { id: req.params.itemId, verbose: req.query.verbose === "true" },
  })),
  special: route({}, async () => ({ status: 200, text: "<p>hi</p>", contentType: "text/html; charset=utf-8" })),
  hook: route({ body: "text", accepts: ["text/xml", "application/xml"] }, async (req) => ({ status: 200, text: `got ${req.body.length}`, contentType: "text/plain" })),
  boom: route({}, async () => {
    throw new Error("secret internals: password=hunter2");
  }),
});

function event(method: string, path: string, opts: { body?: string; contentType?: string; scopes?: string[]; routeKey?: string; query?: Record<string, string> } = {}): HttpEvent {
  const routeDef = manifest.http!.routes.find((r) => r.method === method && r.path === path);
  return {
    version: "2.0",
    routeKey: opts.routeKey ?? "$default",
    rawPath: path,
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: opts.contentType ? { "content-type": opts.contentType } : {},
    queryStringParameters: opts.query,
    body: opts.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "0",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: routeDef ? `${method} ${path}` : "$default",
      stage: "$default",
      time: "",
      timeEpoch: 0,
      authorizer: opts.scopes ? { principalId: "", integrationLatency: 0, jwt: { claims: { sub: "op-1" }, scopes: opts.scopes } } : undefined,
    },
  } as unknown as HttpEvent;
}

const call = async (e: HttpEvent) => {
  const res = await runWithEnv(env, () => handler(e, {} as Context));
  return { ...res, json: res.body ? JSON.parse(res.body.startsWith("{") ? res.body : "null") : undefined };
};

describe("http()", () => {
  it("routes, validates and answers JSON with a request id", async () => {
    const res = await call(event("POST", "/v1/items", { body: '{"name":"a","count":2}', contentType: "application/json", scopes: ["siyu/admin"] }));
    expect(res.statusCode).toBe(201);
    expect(res.json).toEqual({ name: "a", count: 2, by: "op-1" });
    expect(res.headers?.["x-request-id"]).toBe("req-1");
  });

  it("lists the failing fields as a 400 problem", async () => {
    const res = await call(event("POST", "/v1/items", { body: '{"name":"","count":-1,"extra":1}', contentType: "application/json", scopes: ["siyu/admin"] }));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.["content-type"]).toBe("application/problem+json");
    expect(res.json.type).toBe("https://siyu.dev/problems/validation-failed");
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["body", "body.count", "body.name"]);
    expect(res.json.requestId).toBe("req-1");
  });

  it("answers malformed JSON, wrong media type and oversized bodies", async () => {
    expect((await call(event("POST", "/v1/items", { body: "{", contentType: "application/json", scopes: ["siyu/admin"] }))).json.type).toMatch(/invalid-json$/);
    expect((await call(event("POST", "/v1/items", { body: "a=1", contentType: "application/x-www-form-urlencoded", scopes: ["siyu/admin"] }))).statusCode).toBe(415);
    expect((await call(event("POST", "/v1/items", { body: JSON.stringify({ name: "x".repeat(2000) }), contentType: "application/json", scopes: ["siyu/admin"] }))).statusCode).toBe(413);
    expect((await call(event("POST", "/hook", { body: "{}", contentType: "application/json" }))).statusCode).toBe(415);
    expect((await call(event("POST", "/hook", { body: "<xml/>", contentType: "text/xml" }))).body).toBe("got 6");
  });

  it("enforces auth: 401 without a token, 403 without the scope", async () => {
    expect((await call(event("POST", "/v1/items", { body: "{}", contentType: "application/json" }))).statusCode).toBe(401);
    const forbidden = await call(event("POST", "/v1/items", { body: "{}", contentType: "application/json", scopes: ["siyu/operator"] }));
    expect(forbidden.statusCode).toBe(403);
    expect((await call(event("GET", "/v1/items/i-1", { scopes: ["siyu/operator"] }))).statusCode).toBe(200);
    expect((await call(event("GET", "/v1/items/i-1", { scopes: ["siyu/admin"] }))).statusCode).toBe(200);
  });

  it("validates path and query parameters", async () => {
    expect((await call(event("GET", "/v1/items/i-7", { scopes: ["siyu/admin"], query: { verbose: "true" } }))).json).toEqual({ id: "i-7", verbose: true });
    const bad = await call(event("GET", "/v1/items/x", { scopes: ["siyu/admin"], query: { verbose: "maybe" } }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["path.itemId", "query.verbose"]);
  });

  it("prefers literal routes, and answers 404 and 405 as problems", async () => {
    const special = await call(event("GET", "/v1/items/special"));
    expect(special.headers?.["content-type"]).toMatch(/text\/html/);
    const notFound = await call(event("GET", "/v2/nothing"));
    expect(notFound.statusCode).toBe(404);
    const notAllowed = await call(event("DELETE", "/v1/items"));
    expect(notAllowed.statusCode).toBe(405);
    expect(notAllowed.headers?.allow).toBe("POST");
  });

  it("maps domain errors, and hides internals of unexpected ones", async () => {
    const taken = await call(event("POST", "/v1/items", { body: '{"name":"taken","count":1}', contentType: "application/json", scopes: ["siyu/admin"] }));
    expect(taken.statusCode).toBe(409);
    const boom = await call(event("GET", "/boom"));
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain("hunter2");
  });

  it("refuses a handler map that doesn't match the manifest", () => {
    expect(() => http(manifest, {})).toThrow(/missing: createItem/);
  });
});
