import { defineService } from "@siyu/manifest";

/**
 * churn-stats: customer churn (客户流失) derived from contact events — exact daily counters per
 * staff, channel and corp, cohort retention, CSV exports, loss alerts and a daily digest to staff,
 * and a daily reconciliation against WeCom's own statistics. See README.md and docs/definitions.md.
 */
export default defineService({
  name: "churn-stats",
  description: "Churn statistics from contact events: daily counters, cohorts, CSV, loss alerts, digest, reconciliation with WeCom.",
  table: { partitionKey: "pk", sortKey: "sk", ttlAttribute: "ttl" },
  http: {
    entry: "src/http/api.ts",
    maxBodyBytes: 16 * 1024,
    timeoutSeconds: 20,
    routes: [
      { method: "GET", path: "/v1/stats/churn", auth: "admin", name: "getChurn" },
      { method: "GET", path: "/v1/stats/cohorts", auth: "admin", name: "getCohorts" },
      { method: "GET", path: "/v1/stats/reconciliation", auth: "admin", name: "getReconciliation" },
      { method: "GET", path: "/v1/stats/settings", auth: "admin", name: "getSettings" },
      { method: "PUT", path: "/v1/stats/settings", auth: "admin", name: "putSettings" },
      { method: "POST", path: "/v1/stats/rebuild", auth: "admin", name: "requestRebuild" },
    ],
  },
  queues: [
    {
      name: "events",
      consumer: "src/consumers/contact-events.ts",
      subscribes: ["contact.added", "contact.lost", "contact.removed", "contact.transferred"],
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 8,
    },
    {
      name: "alerts",
      consumer: "src/consumers/alerts.ts",
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      name: "rebuild",
      consumer: "src/consumers/rebuild.ts",
      batchSize: 1,
      visibilityTimeoutSeconds: 960,
      timeoutSeconds: 900,
      maxReceiveCount: 2,
    },
  ],
  schedules: [
    {
      name: "daily-digest",
      handler: "src/jobs/digest.ts",
      expression: "cron(0 9 * * ? *)",
      timeoutSeconds: 60,
      description: "09:00 corp time: yesterday's churn figures and the staff with the most losses, to the configured lead.",
    },
    {
      name: "reconcile",
      handler: "src/jobs/reconcile.ts",
      expression: "cron(30 6 * * ? *)",
      timeoutSeconds: 900,
      description: "06:30 corp time: WeCom's statistics of yesterday (behaviour data per member, group statistics) next to Siyu's counters.",
    },
  ],
  publishes: [],
  secrets: ["wecom"],
});
