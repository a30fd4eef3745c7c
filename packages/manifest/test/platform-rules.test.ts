import { describe, expect, it } from "vitest";
import {
  checkQueueRules,
  defineService,
  DLQ_RETENTION_SECONDS,
  dlqAttributes,
  ENV,
  FALLBACK_FUNCTION,
  fallbackEnvironment,
  ManifestError,
  QUEUE_RETENTION_SECONDS,
  queueAttributes,
  queueRuleViolations,
  queueSettings,
  resolveFallbackEntry,
  RouteConflictError,
  routeOwners,
  sqsQueueName,
} from "../src/index.ts";

const base = { description: "rules", table: { partitionKey: "pk" } };
const svc = (name: string, queues: Parameters<typeof defineService>[0]["queues"] = []) => defineService({ ...base, name, queues });
const withRoutes = (name: string, ...routes: [string, string][]) =>
  defineService({
    ...base,
    name,
    http: { entry: "src/http/api.ts", routes: routes.map(([method, path], i) => ({ method: method as "GET", path, auth: "admin" as const, name: `r${i}` })) },
  });

describe("queue rules", () => {
  it("derives one set of settings from a manifest queue", () => {
    const [q] = svc("s", [{ name: "work", consumer: "src/c.ts", batchSize: 25, maxBatchingWindowSeconds: 2, visibilityTimeoutSeconds: 90, maxReceiveCount: 4 }]).queues;
    expect(queueSettings(q!)).toEqual({
      fifo: false,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: 90,
      retentionSeconds: QUEUE_RETENTION_SECONDS,
      dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
      maxReceiveCount: 4,
      eventSource: { batchSize: 25, maxBatchingWindowSeconds: 2, reportBatchItemFailures: true },
    });
    expect(QUEUE_RETENTION_SECONDS).toBe(4 * 86_400);
    expect(DLQ_RETENTION_SECONDS).toBe(14 * 86_400);
  });

  it("names and flags FIFO queues and their DLQs as SQS requires", () => {
    const [fifo, std] = svc("s", [
      { name: "ordered", consumer: "src/c.ts", fifo: true },
      { name: "plain", consumer: "src/c.ts" },
    ]).queues;
    expect(sqsQueueName("p-s-ordered", fifo!)).toBe("p-s-ordered.fifo");
    expect(sqsQueueName("p-s-plain", std!)).toBe("p-s-plain");
    const f = queueSettings(fifo!);
    expect(dlqAttributes(f)).toEqual({ FifoQueue: "true", ContentBasedDeduplication: "true", MessageRetentionPeriod: String(14 * 86_400) });
    expect(queueAttributes(f, "arn:dlq")).toEqual({
      FifoQueue: "true",
      ContentBasedDeduplication: "true",
      VisibilityTimeout: "60",
      MessageRetentionPeriod: String(4 * 86_400),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:dlq", maxReceiveCount: 5 }),
    });
    expect(queueAttributes(queueSettings(std!), "arn:dlq")).not.toHaveProperty("FifoQueue");
  });

  it("refuses what SQS and the event source mapping refuse, naming service and queue", () => {
    expect(queueRuleViolations(svc("ok", [{ name: "q", consumer: "src/c.ts", batchSize: 100, maxBatchingWindowSeconds: 1 }]))).toEqual([]);
    expect(queueRuleViolations(svc("f", [{ name: "q", consumer: "src/c.ts", fifo: true, batchSize: 20, maxBatchingWindowSeconds: 1 }]))).toEqual([
      "f/queues/q: a FIFO queue's batchSize is at most 10 (got 20)",
      "f/queues/q: FIFO queues do not support maxBatchingWindowSeconds",
    ]);
    const wide = svc("wide", [{ name: "q", consumer: "src/c.ts", batchSize: 100 }]);
    expect(() => checkQueueRules(wide)).toThrow(ManifestError);
    expect(() => checkQueueRules(wide)).toThrow("wide/queues/q: batchSize above 10 needs maxBatchingWindowSeconds >= 1");
  });
});

describe("route ownership", () => {
  it("lists every route key with its service, in declaration order", () => {
    const owners = routeOwners([withRoutes("a", ["GET", "/v1/a/{id}"], ["POST", "/v1/a"]), withRoutes("b", ["GET", "/v1/b"]), svc("no-http")]);
    expect([...owners]).toEqual([
      ["GET /v1/a/{id}", "a"],
      ["POST /v1/a", "a"],
      ["GET /v1/b", "b"],
    ]);
  });

  it("refuses a route two services declare", () => {
    const same = () => routeOwners([withRoutes("one", ["GET", "/v1/x"]), withRoutes("two", ["GET", "/v1/x"])]);
    expect(same).toThrow(RouteConflictError);
    expect(same).toThrow('route "GET /v1/x" is declared by both one and two');
  });

  it("refuses the same route under other parameter names (API Gateway matches them alike)", () => {
    expect(() => routeOwners([withRoutes("one", ["GET", "/v1/x/{id}"]), withRoutes("two", ["GET", "/v1/x/{key}"])])).toThrow(
      'route "GET /v1/x/{key}" is declared by both one (as "GET /v1/x/{id}") and two',
    );
  });

  it("lets services share a path under different methods, and a literal beside a parameter", () => {
    const owners = routeOwners([withRoutes("one", ["GET", "/v1/x/{id}"]), withRoutes("two", ["POST", "/v1/x/{id}"], ["GET", "/v1/x/special"])]);
    expect(owners.size).toBe(3);
  });
});

describe("the $default fallback", () => {
  it("is lambda-kit's fallback.ts when it exists", () => {
    expect(resolveFallbackEntry("/repo", undefined, () => true)).toBe(`/repo/${FALLBACK_FUNCTION.entry}`);
    expect(resolveFallbackEntry("/repo", true, () => true)).toBe("/repo/packages/lambda-kit/src/fallback.ts");
    expect(resolveFallbackEntry("/repo", undefined, () => false)).toBeUndefined();
  });

  it("is none when turned off, and a given module must exist", () => {
    expect(resolveFallbackEntry("/repo", false, () => true)).toBeUndefined();
    expect(resolveFallbackEntry("/repo", null, () => true)).toBeUndefined();
    expect(resolveFallbackEntry("/repo", "/elsewhere/f.ts", () => true)).toBe("/elsewhere/f.ts");
    expect(() => resolveFallbackEntry("/repo", "/elsewhere/f.ts", () => false)).toThrow("fallback module /elsewhere/f.ts does not exist");
  });

  it("knows who it runs for and every declared route key", () => {
    const env = fallbackEnvironment({ client: "acme", corpId: "ww1", timeZone: "Asia/Shanghai" }, ["GET /v1/x", "POST /v1/x"]);
    expect(env).toEqual({
      [ENV.service]: "fallback",
      [ENV.client]: "acme",
      [ENV.corpId]: "ww1",
      [ENV.timeZone]: "Asia/Shanghai",
      [ENV.logLevel]: "info",
      [ENV.routes]: '["GET /v1/x","POST /v1/x"]',
    });
    expect(FALLBACK_FUNCTION).toMatchObject({ memoryMb: 128, timeoutSeconds: 5 });
  });
});
