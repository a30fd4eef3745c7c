import { defineService } from "@siyu/manifest";
import { AUDIENCE_EVENTS } from "./src/domain/audience-types.ts";

/**
 * broadcast-scheduler: quota-aware mass messages (客户群发) that staff confirm, tracked to delivery.
 * Campaigns, previews with every left-out recipient and why, runs planned afresh at each scheduled
 * instant, one add_msg_template per sender chunk from a claimed outbox row, tracking to the last page
 * until the deadline, reminders within WeCom's budget, and the receive-quota ledger.
 */
export default defineService({
  name: "broadcast-scheduler",
  description: "Quota-aware mass messages: campaigns, previews, runs, outbox sends, tracking to delivery, reminders.",
  table: {
    partitionKey: "pk",
    sortKey: "sk",
    gsis: [
      { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
      { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
    ],
    ttlAttribute: "ttl",
  },
  http: {
    entry: "src/http/api.ts",
    // a campaign body: 4000 bytes of text, 9 attachments, up to 10,000 explicit customer ids
    maxBodyBytes: 512 * 1024,
    timeoutSeconds: 29,
    routes: [
      { method: "POST", path: "/v1/broadcasts", auth: "admin", name: "createBroadcast" },
      { method: "GET", path: "/v1/broadcasts", auth: "admin", name: "listBroadcasts" },
      { method: "POST", path: "/v1/broadcasts/preview", auth: "admin", name: "previewBroadcast" },
      { method: "GET", path: "/v1/broadcasts/settings", auth: "admin", name: "getBroadcastSettings" },
      { method: "PUT", path: "/v1/broadcasts/settings", auth: "admin", name: "putBroadcastSettings" },
      { method: "GET", path: "/v1/broadcasts/{campaignId}", auth: "admin", name: "getBroadcast" },
      { method: "PATCH", path: "/v1/broadcasts/{campaignId}", auth: "admin", name: "updateBroadcast" },
      { method: "POST", path: "/v1/broadcasts/{campaignId}/cancel", auth: "admin", name: "cancelBroadcast" },
      { method: "POST", path: "/v1/broadcasts/{campaignId}/preview", auth: "admin", name: "previewCampaign" },
      { method: "POST", path: "/v1/broadcasts/{campaignId}/remind", auth: "admin", name: "remindBroadcast" },
      { method: "POST", path: "/v1/broadcasts/{campaignId}/sync", auth: "admin", name: "syncBroadcast" },
      { method: "GET", path: "/v1/broadcasts/{campaignId}/recipients", auth: "admin", name: "listRecipients" },
    ],
  },
  queues: [
    {
      name: "audience",
      consumer: "src/consumers/audience.ts",
      subscribes: [...AUDIENCE_EVENTS],
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 8,
    },
    {
      name: "runs",
      consumer: "src/consumers/runs.ts",
      // one run per message: planning 100,000 customers reads the whole audience and ledger
      batchSize: 1,
      visibilityTimeoutSeconds: 960,
      timeoutSeconds: 900,
      memoryMb: 2048,
      maxReceiveCount: 3,
    },
    {
      name: "sends",
      consumer: "src/consumers/sends.ts",
      // one add_msg_template per message; a lost answer comes back as a delayed check, never a blind retry
      batchSize: 5,
      visibilityTimeoutSeconds: 120,
      timeoutSeconds: 60,
      maxReceiveCount: 6,
      retryBackoffSeconds: 5,
    },
  ],
  schedules: [
    {
      name: "due-runs",
      handler: "src/jobs/due-runs.ts",
      expression: "rate(1 minute)",
      description: "Queues the campaign runs whose scheduled instant has come (one-time and recurring).",
    },
    {
      name: "track",
      handler: "src/jobs/track.ts",
      expression: "rate(1 minute)",
      timeoutSeconds: 600,
      description: "Polls the runs whose next poll is due: per-staff tasks, per-recipient results, reminders, the deadline's cancel.",
    },
    {
      name: "personal-messages",
      handler: "src/jobs/personal-messages.ts",
      // 02:30 in the corp's timezone
      expression: "cron(30 2 * * ? *)",
      timeoutSeconds: 600,
      description: "Members' own mass messages of the last 48 h (get_groupmsg_list_v2 filter_type=1) into the receive-quota ledger.",
    },
  ],
  publishes: ["broadcast.delivered"],
  secrets: ["wecom"],
});
