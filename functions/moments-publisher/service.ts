import { defineService } from "@siyu/manifest";

/**
 * moments-publisher: scheduled customer moments (客户朋友圈) — WeCom has none (seed 001). Posts are
 * planned around each member's 3-a-day limit and the corp's per-customer setting, sent as one
 * `add_moment_task` per run from a claimed outbox row under a corp-wide 10-a-minute limiter, tracked
 * per staff, reminded by app message, closed at the window's end by moment id, and measured
 * (reached, likes, comments, losses within 7 days). README.md.
 */
export default defineService({
  name: "moments-publisher",
  description: "Scheduled customer moments: planned around WeCom's limits, sent once, tracked per staff, with results.",
  table: {
    partitionKey: "pk",
    sortKey: "sk",
    gsis: [
      { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
      { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
    ],
    ttlAttribute: "ttl",
  },
  blobs: { maxBytes: 10 * 1024 * 1024 },
  http: {
    entry: "src/http/api.ts",
    maxBodyBytes: 256 * 1024,
    routes: [
      { method: "POST", path: "/v1/moments", auth: "admin", name: "createMoment" },
      { method: "GET", path: "/v1/moments", auth: "admin", name: "listMoments" },
      { method: "POST", path: "/v1/moments/preview", auth: "admin", name: "previewMoment" },
      { method: "POST", path: "/v1/moments/media", auth: "admin", name: "createMomentMedia" },
      { method: "GET", path: "/v1/moments/settings", auth: "admin", name: "getMomentSettings" },
      { method: "PUT", path: "/v1/moments/settings", auth: "admin", name: "putMomentSettings" },
      { method: "GET", path: "/v1/moments/{postId}", auth: "admin", name: "getMoment" },
      { method: "PATCH", path: "/v1/moments/{postId}", auth: "admin", name: "updateMoment" },
      { method: "POST", path: "/v1/moments/{postId}/cancel", auth: "admin", name: "cancelMoment" },
      { method: "GET", path: "/v1/moments/{postId}/stats", auth: "admin", name: "getMomentStats" },
    ],
  },
  queues: [
    {
      name: "runs",
      consumer: "src/consumers/runs.ts",
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      visibilityTimeoutSeconds: 180,
      timeoutSeconds: 120,
      maxReceiveCount: 5,
    },
    {
      name: "lost",
      consumer: "src/consumers/lost.ts",
      subscribes: ["contact.lost"],
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
  ],
  schedules: [
    {
      name: "due",
      handler: "src/jobs/due.ts",
      expression: "rate(1 minute)",
      description: "Queues the moment runs with something to do now: send, poll the jobid, track, remind, close, collect results.",
    },
  ],
  publishes: [],
  secrets: ["wecom"],
});
