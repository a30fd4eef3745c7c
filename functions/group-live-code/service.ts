import { defineService } from "@siyu/manifest";

/**
 * group-live-code: one permanent group QR (群活码) over an unlimited pool of customer groups, never
 * routed past a group's capacity. Native mode (a WeCom join way over ≤ 5 groups with room) and landing
 * mode (`/g/{codeId}`: a seat by conditional increment, then the group's own QR), stats, routing alerts
 * and the group welcome (one template per code, each routed group's owner told) — README.md.
 */
export default defineService({
  name: "group-live-code",
  description: "Group live codes: an unlimited pool of customer groups behind one permanent QR, never over-filled.",
  table: {
    partitionKey: "pk",
    sortKey: "sk",
    gsis: [{ name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" }],
    ttlAttribute: "ttl",
  },
  http: {
    entry: "src/http/api.ts",
    maxBodyBytes: 256 * 1024,
    routes: [
      { method: "POST", path: "/v1/group-codes", auth: "admin", name: "createGroupCode" },
      { method: "GET", path: "/v1/group-codes", auth: "admin", name: "listGroupCodes" },
      { method: "GET", path: "/v1/group-codes/{codeId}", auth: "admin", name: "getGroupCode" },
      { method: "PATCH", path: "/v1/group-codes/{codeId}", auth: "admin", name: "updateGroupCode" },
      { method: "POST", path: "/v1/group-codes/{codeId}/archive", auth: "admin", name: "archiveGroupCode" },
      { method: "GET", path: "/v1/group-codes/{codeId}/stats", auth: "admin", name: "getGroupCodeStats" },
      { method: "GET", path: "/g/{codeId}", auth: "public", name: "groupCodeLandingPage" },
    ],
  },
  queues: [
    {
      name: "groups",
      consumer: "src/consumers/groups.ts",
      subscribes: ["group.member_changed", "group.dismissed"],
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      name: "sync",
      consumer: "src/consumers/sync.ts",
      // FIFO grouped by code: one code's get_join_way → update_join_way never races itself
      fifo: true,
      retryBackoffSeconds: 1,
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
  ],
  schedules: [
    {
      name: "sweep",
      handler: "src/jobs/sweep.ts",
      expression: "rate(5 minutes)",
      description: "Queues a sync of every active live code: adopts auto-created groups, retries welcome steps and owner notices.",
    },
  ],
  publishes: [],
  secrets: ["wecom"],
});
