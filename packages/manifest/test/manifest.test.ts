import { describe, expect, it } from "vitest";
import { BLOB_MAX_BYTES_DEFAULT, blobPrefix, defineService, ENV, functionEnvironment, ManifestError, queueEnvName, dlqEnvName } from "../src/index.ts";

const base = {
  name: "demo-svc",
  description: "demo",
  table: { partitionKey: "pk", sortKey: "sk" },
};

describe("defineService", () => {
  it("fills defaults", () => {
    const m = defineService({ ...base, queues: [{ name: "work", consumer: "src/consumers/work.ts" }] });
    expect(m.queues[0]).toMatchObject({ batchSize: 10, maxReceiveCount: 5, fifo: false, visibilityTimeoutSeconds: 60 });
    expect(m.secrets).toEqual([]);
  });

  it("rejects unknown event types, duplicate queues and timeouts above the visibility timeout", () => {
    expect(() => defineService({ ...base, publishes: ["nope.event" as "probe.recorded"] })).toThrow(/publishes.0: unknown event type/);
    expect(() =>
      defineService({ ...base, queues: [{ name: "a", consumer: "src/a.ts" }, { name: "a", consumer: "src/b.ts" }] }),
    ).toThrow(/duplicate queue name/);
    expect(() =>
      defineService({ ...base, queues: [{ name: "a", consumer: "src/a.ts", timeoutSeconds: 60, visibilityTimeoutSeconds: 30 }] }),
    ).toThrow(ManifestError);
    expect(() =>
      defineService({ ...base, schedules: [{ name: "s", handler: "src/s.ts", expression: "every day" }] }),
    ).toThrow(/schedules.0.expression/);
  });

  it("metric alarms: none by default; a metric named as lambda-kit counts it, 1 to 9 of them, with a period (default 5 minutes)", () => {
    expect(defineService(base).alarms).toEqual([]);
    const m = defineService({ ...base, alarms: [{ name: "welcome-failures", description: "d", metrics: ["WelcomeFailed", "WelcomeExpired"], threshold: 5 }] });
    expect(m.alarms[0]).toMatchObject({ periodMinutes: 5, threshold: 5 });
    expect(() => defineService({ ...base, alarms: [{ name: "x", description: "d", metrics: ["welcome failed"], threshold: 1 }] })).toThrow(/alarms.0.metrics.0/);
    expect(() => defineService({ ...base, alarms: [{ name: "x", description: "d", metrics: [], threshold: 1 }] })).toThrow(/alarms.0.metrics/);
  });

  it("builds the function environment both infra and local use", () => {
    const m = defineService({ ...base, queues: [{ name: "dispatch-retry", consumer: "src/c.ts" }] });
    const env = functionEnvironment(m, {
      client: "acme",
      corpId: "ww1",
      timeZone: "Asia/Shanghai",
      tableName: "t",
      topicArn: "arn:topic",
      queueUrls: { "dispatch-retry": "http://q" },
      dlqUrls: { "dispatch-retry": "http://dlq" },
    });
    expect(env[queueEnvName("dispatch-retry")]).toBe("http://q");
    expect(queueEnvName("dispatch-retry")).toBe("SIYU_QUEUE_DISPATCH_RETRY");
    expect(env[dlqEnvName("dispatch-retry")]).toBe("http://dlq");
    expect(() => functionEnvironment(m, { client: "a", corpId: "c", timeZone: "UTC", tableName: "t", topicArn: "x", queueUrls: {} })).toThrow(/no queue URL/);
  });

  it("blobs: opt-in, 10 MiB by default, at most S3's single PUT; nothing else accepted", () => {
    expect(defineService(base).blobs).toBeUndefined();
    expect(defineService({ ...base, blobs: {} }).blobs).toEqual({ maxBytes: BLOB_MAX_BYTES_DEFAULT });
    expect(BLOB_MAX_BYTES_DEFAULT).toBe(10 * 1024 * 1024);
    expect(defineService({ ...base, blobs: { maxBytes: 1024 } }).blobs).toEqual({ maxBytes: 1024 });
    expect(() => defineService({ ...base, blobs: { maxBytes: 0 } })).toThrow(/blobs.maxBytes/);
    expect(() => defineService({ ...base, blobs: { maxBytes: 5 * 1024 ** 3 + 1 } })).toThrow(/blobs.maxBytes/);
    expect(() => defineService({ ...base, blobs: { prefix: "other/" } as never })).toThrow(/blobs/);
  });

  it("blob variables only for a service that declares blobs: its prefix, its limit, and the bucket or the local folder", () => {
    const res = { client: "a", corpId: "c", timeZone: "UTC", tableName: "t", topicArn: "x", queueUrls: {} };
    const blobEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("SIYU_BLOB_")));
    expect(blobEnv(functionEnvironment(defineService(base), { ...res, blobs: { bucket: "b" } }))).toEqual({});
    const m = defineService({ ...base, blobs: {} });
    expect(blobEnv(functionEnvironment(m, { ...res, blobs: { bucket: "b" } }))).toEqual({
      [ENV.blobBucket]: "b",
      [ENV.blobPrefix]: "demo-svc/",
      [ENV.blobMaxBytes]: String(BLOB_MAX_BYTES_DEFAULT),
    });
    expect(blobEnv(functionEnvironment(m, { ...res, blobs: { localDir: "/d", localUrl: "http://g/_local/blobs", localSecret: "s" } }))).toEqual({
      SIYU_BLOB_PREFIX: "demo-svc/",
      SIYU_BLOB_MAX_BYTES: String(BLOB_MAX_BYTES_DEFAULT),
      SIYU_BLOB_LOCAL_DIR: "/d",
      SIYU_BLOB_LOCAL_URL: "http://g/_local/blobs",
      SIYU_BLOB_LOCAL_SECRET: "s",
    });
    expect(() => functionEnvironment(m, res)).toThrow(/no blob storage for demo-svc/);
    expect(blobPrefix("moments-publisher")).toBe("moments-publisher/");
  });
});
