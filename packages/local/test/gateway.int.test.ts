import { fileURLToPath } from "node:url";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { usePlatform } from "../../../test/support/platform.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const platform = await usePlatform({ repoRoot: FIXTURES });
const url = (path: string) => `${platform.gatewayUrl}${path}`;

type Json = Record<string, any>;

async function getJson(path: string, init: RequestInit = {}) {
  const res = await fetch(url(path), init);
  const text = await res.text();
  return { res, body: text ? (JSON.parse(text) as Json) : undefined };
}

describe("HTTP API gateway", () => {
  it("invokes the service's HTTP function with an API Gateway payload 2.0 event", async () => {
    const { res, body } = await getJson("/v1/echo/a%20b?x=1&x=2&y=z", { headers: { "X-Custom": "yes", cookie: "c1=v1; c2=v2" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("apigw-requestid")).toBeTruthy();
    const e = body!.event;
    expect(e).toMatchObject({
      version: "2.0",
      routeKey: "GET /v1/echo/{id}",
      rawPath: "/v1/echo/a%20b",
      rawQueryString: "x=1&x=2&y=z",
      queryStringParameters: { x: "1,2", y: "z" },
      pathParameters: { id: "a b" },
      cookies: ["c1=v1", "c2=v2"],
      isBase64Encoded: false,
      requestContext: {
        http: { method: "GET", path: "/v1/echo/a%20b", sourceIp: "127.0.0.1" },
        routeKey: "GET /v1/echo/{id}",
        stage: "$default",
      },
    });
    expect(e.headers["x-custom"]).toBe("yes");
    expect(e.headers.cookie).toBeUndefined();
    expect(e.requestContext.requestId).toBe(res.headers.get("apigw-requestid"));
    expect(typeof e.requestContext.timeEpoch).toBe("number");
    expect(e.requestContext.authorizer).toBeUndefined();
    expect(e.body).toBeUndefined();
    expect(body!.context.functionName).toBe(`${platform.prefix}-alpha-http`);
    expect(body!.context.remaining).toBeGreaterThan(0);
  });

  it("passes text bodies as text and binary bodies base64-encoded", async () => {
    const text = await getJson("/v1/echo/t", { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(text.body!.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 1, 2, 255]);
    const bin = await getJson("/v1/echo/b", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes });
    expect(bin.body!.event).toMatchObject({ body: bytes.toString("base64"), isBase64Encoded: true });
  });

  it("prefers a literal path segment over a parameter", async () => {
    expect((await getJson("/v1/items/special")).body).toEqual({ route: "special" });
    expect((await getJson("/v1/items/other")).body).toEqual({ route: "item", itemId: "other" });
  });

  it("answers unmatched paths 404 and wrong methods 405 with Allow, as problem+json", async () => {
    const nf = await getJson("/v1/nothing");
    expect(nf.res.status).toBe(404);
    expect(nf.res.headers.get("content-type")).toBe("application/problem+json");
    expect(nf.body).toMatchObject({ status: 404, type: "https://siyu.dev/problems/route-not-found", title: expect.any(String), detail: expect.any(String) });
    expect(nf.body!.requestId).toBeTruthy();
    const na = await getJson("/v1/echo/x", { method: "DELETE" });
    expect(na.res.status).toBe(405);
    expect(na.res.headers.get("allow")).toBe("GET, POST");
    expect(na.body).toMatchObject({ status: 405, type: "https://siyu.dev/problems/method-not-allowed" });
  });

  it("answers 500 like API Gateway when the function throws", async () => {
    const { res, body } = await getJson("/v1/boom");
    expect(res.status).toBe(500);
    expect(body).toEqual({ message: "Internal Server Error" });
  });

  it("runs each function in its own environment, from cold start on", async () => {
    const { body } = await getJson("/v1/env");
    expect(body!.coldStartTable).toBe(platform.tableName("alpha"));
    expect(body!.env.SIYU_TABLE).toBe(platform.tableName("alpha"));
    expect(body!.env.SIYU_QUEUE_WORK).toBe(platform.queueUrl("alpha", "work"));
    expect(body!.env.SIYU_DLQ_WORK).toBe(platform.dlqUrl("alpha", "work"));
    expect(body!.env.SIYU_TOPIC_ARN).toBe(platform.topicArn);
    expect(body!.env.SIYU_SERVICE).toBe("alpha");
    expect(body!.env.SIYU_PUBLIC_BASE_URL).toBe(platform.gatewayUrl);
    expect(body!.env.SIYU_WECOM_SECRET).toBeUndefined(); // alpha declares no WeCom secret
    expect(body!.processTable).toBeNull(); // nothing leaks into process.env
  });
});

describe("JWT authorizer", () => {
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  async function expect401(init: RequestInit, detail: RegExp) {
    const { res, body } = await getJson("/v1/admin/thing", init);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(body).toMatchObject({ status: 401, type: "https://siyu.dev/problems/unauthorized", title: expect.any(String) });
    expect(body!.detail).toMatch(detail);
    expect(body!.requestId).toBe(res.headers.get("apigw-requestid"));
  }

  it("rejects a missing token", () => expect401({}, /no Authorization header/));
  it("rejects a malformed header and a malformed token", async () => {
    await expect401({ headers: { authorization: "Basic abc" } }, /Bearer/);
    await expect401(bearer("not.a.jwt"), /malformed/);
  });
  it("rejects an expired token", async () => expect401(bearer(await platform.mintToken({ scopes: ["siyu/admin"], expiresIn: -60 })), /expired/));
  it("rejects another issuer", async () =>
    expect401(bearer(await platform.mintToken({ scopes: ["siyu/admin"], issuer: "https://evil.example" })), /issuer/));
  it("rejects another audience", async () => expect401(bearer(await platform.mintToken({ scopes: ["siyu/admin"], audience: "someone-else" })), /audience/));
  it("rejects a token signed with another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ scope: "siyu/admin" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer(platform.issuer.url)
      .setAudience(platform.issuer.audience)
      .setExpirationTime("1h")
      .sign(privateKey);
    await expect401(bearer(forged), /signature/);
  });

  it("answers 403 when the token lacks the route's scope", async () => {
    const operator = await platform.mintToken({ scopes: ["siyu/operator"] });
    const { res, body } = await getJson("/v1/admin/thing", bearer(operator));
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ status: 403, type: "https://siyu.dev/problems/forbidden", requiredScopes: ["siyu/admin"] });
  });

  it("lets a good token through with its claims and scopes in requestContext.authorizer.jwt", async () => {
    const { res, body } = await getJson("/v1/admin/thing", bearer(platform.adminToken));
    expect(res.status).toBe(200);
    expect(body!.authorizer.jwt.scopes).toEqual(["siyu/admin"]);
    expect(body!.authorizer.jwt.claims).toMatchObject({ sub: "local-admin", iss: platform.issuer.url, scope: "siyu/admin" });
    // API Gateway hands claims over as strings
    expect(typeof body!.authorizer.jwt.claims.exp).toBe("string");
  });

  it("accepts admin and operator tokens on operator routes", async () => {
    const operator = await platform.mintToken({ scopes: ["siyu/operator"] });
    expect((await getJson("/v1/ops/thing", bearer(operator))).res.status).toBe(200);
    expect((await getJson("/v1/ops/thing", bearer(platform.adminToken))).res.status).toBe(200);
  });

  it("publishes the issuer's JWKS", async () => {
    const { body } = await getJson("/_local/issuer/jwks.json");
    expect(body!.keys).toHaveLength(1);
    expect(body!.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(body!.keys[0].d).toBeUndefined();
  });
});

describe("schedules by hand", () => {
  it("runs a schedule through POST /_local/schedules/<service>/<name>", async () => {
    const { res, body } = await getJson("/_local/schedules/alpha/nightly", { method: "POST" });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ service: "alpha", schedule: "nightly", ok: true, result: { ok: true, schedule: "nightly" } });
    const missing = await getJson("/_local/schedules/alpha/nope", { method: "POST" });
    expect(missing.res.status).toBe(404);
  });

  it("runs a schedule programmatically with EventBridge Scheduler's input", async () => {
    const at = new Date("2030-01-02T03:00:00.000Z");
    await expect(platform.runSchedule("alpha", "weekdays", at)).resolves.toEqual({ ok: true, schedule: "weekdays" });
    const item = await platform.dynamoClient.send(
      new GetItemCommand({ TableName: platform.tableName("alpha"), Key: { pk: { S: "schedule#weekdays" }, sk: { S: "2030-01-02T03:00:00Z" } } }),
    );
    const data = JSON.parse(item.Item!.data!.S!);
    expect(data.event).toEqual({ schedule: "weekdays", scheduledTime: "2030-01-02T03:00:00Z" });
    expect(data.functionName).toBe(`${platform.prefix}-alpha-job-weekdays`);
  });
});

describe("health", () => {
  it("names each service and the state of its dependencies", async () => {
    const { res, body } = await getJson("/health");
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: "ok", dynamodb: { ok: true }, topic: { ok: true, arn: platform.topicArn } });
    expect(Object.keys(body!.services).sort()).toEqual(["alpha", "beta"]);
    expect(body!.services.alpha).toMatchObject({
      ok: true,
      table: { name: platform.tableName("alpha"), ok: true },
      queues: { work: { ok: true, dlq: { ok: true } } },
    });
    expect(body!.services.alpha.schedules.map((s: { name: string }) => s.name)).toEqual(["nightly", "weekdays"]);
    expect(body!.simulator).toMatchObject({ ok: true });
  });
});

describe("WeCom simulator", () => {
  it("is started for a service that declares the wecom secret, and its URL and credentials reach the function", async () => {
    expect(platform.simulatorUrl).toBeTruthy();
    const token = await platform.mintToken({ scopes: ["siyu/operator"] });
    const { res, body } = await getJson("/v1/beta/token", { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(body).toEqual({ baseUrl: platform.simulatorUrl, errcode: 0, hasToken: true });
  });
});
