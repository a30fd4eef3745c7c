import { describe, expect, it } from "vitest";
import { defineService, functionEnvironment, ManifestError, queueEnvName, dlqEnvName } from "../src/index.ts";

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
});
