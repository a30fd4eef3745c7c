import { defineService } from "@siyu/manifest";

/**
 * The probe proves the platform's whole path end to end: HTTP → command queue → consumer →
 * DynamoDB → domain event on the topic → a subscriber's queue → DynamoDB → HTTP read.
 * It can be removed once contact intake covers the same path.
 */
export default defineService({
  name: "probe",
  description: "Platform self-test: one request travels every moving part and reports back.",
  table: { partitionKey: "pk", sortKey: "sk", ttlAttribute: "ttl" },
  http: {
    entry: "src/http/api.ts",
    routes: [
      { method: "POST", path: "/v1/_probe", auth: "admin", name: "createProbe" },
      { method: "GET", path: "/v1/_probe/{probeId}", auth: "admin", name: "getProbe" },
    ],
  },
  queues: [
    { name: "commands", consumer: "src/consumers/record-probe.ts", batchSize: 10, visibilityTimeoutSeconds: 30, timeoutSeconds: 10, maxReceiveCount: 3 },
    {
      name: "events",
      consumer: "src/consumers/on-probe-recorded.ts",
      batchSize: 10,
      visibilityTimeoutSeconds: 30,
      timeoutSeconds: 10,
      maxReceiveCount: 3,
      subscribes: ["probe.recorded"],
    },
  ],
  schedules: [
    {
      name: "expire-report",
      handler: "src/jobs/report.ts",
      expression: "cron(0 3 * * ? *)",
      description: "Logs how many probes were recorded yesterday (exercises the scheduler).",
    },
  ],
  publishes: ["probe.recorded"],
  secrets: [],
  memoryMb: 256,
});
