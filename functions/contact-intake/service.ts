import { defineService } from "@siyu/manifest";

/**
 * contact-intake: where every customer relationship enters Siyu. WeCom callbacks, channel codes
 * (渠道活码) with staff rotation and daily caps, welcome messages, tags, the customer profile.
 */
export default defineService({
  name: "contact-intake",
  description: "WeCom contact callbacks, channel QR codes with rotation and daily caps, welcome messages, tags and customers.",
  table: {
    partitionKey: "pk",
    sortKey: "sk",
    gsis: [
      { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
      { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
      { name: "gsi3", partitionKey: "gsi3pk", sortKey: "gsi3sk" },
    ],
    ttlAttribute: "ttl",
  },
  http: {
    entry: "src/http/api.ts",
    // WeCom callbacks are small; 64 KiB also bounds every admin body
    maxBodyBytes: 64 * 1024,
    routes: [
      { method: "GET", path: "/wecom/callback", auth: "public", name: "verifyCallback" },
      { method: "POST", path: "/wecom/callback", auth: "public", name: "receiveCallback" },
      { method: "POST", path: "/v1/channels", auth: "admin", name: "createChannel" },
      { method: "GET", path: "/v1/channels", auth: "admin", name: "listChannels" },
      { method: "GET", path: "/v1/channels/{channelId}", auth: "admin", name: "getChannel" },
      { method: "PATCH", path: "/v1/channels/{channelId}", auth: "admin", name: "updateChannel" },
      { method: "POST", path: "/v1/channels/{channelId}/archive", auth: "admin", name: "archiveChannel" },
      { method: "GET", path: "/c/{channelId}", auth: "public", name: "channelLandingPage" },
      { method: "GET", path: "/v1/customers", auth: "admin", name: "listCustomers" },
      { method: "GET", path: "/v1/customers/{externalUserId}", auth: "admin", name: "getCustomer" },
      { method: "GET", path: "/v1/tags", auth: "admin", name: "listTags" },
      { method: "POST", path: "/v1/tags", auth: "admin", name: "createTags" },
      { method: "POST", path: "/v1/tags/sync", auth: "admin", name: "syncTags" },
      { method: "POST", path: "/v1/transfers", auth: "admin", name: "createTransfer" },
      { method: "GET", path: "/v1/transfers", auth: "admin", name: "listTransfers" },
      { method: "GET", path: "/v1/transfers/{transferId}", auth: "admin", name: "getTransfer" },
    ],
  },
  queues: [
    {
      name: "intake",
      consumer: "src/consumers/intake.ts",
      // no batching window: the WelcomeCode dies 20 s after the event
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      name: "welcome",
      consumer: "src/consumers/welcome.ts",
      // the deadline-bound part of an add, fed by the callback route: a WelcomeCode dies 20 s after the
      // add, so no batching window, a short visibility timeout, and a retry only while the code can live
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      visibilityTimeoutSeconds: 20,
      timeoutSeconds: 15,
      maxReceiveCount: 3,
      retryBackoffSeconds: 1,
    },
    {
      name: "followups",
      consumer: "src/consumers/followups.ts",
      // an add's failed side effects (mark_tag, externalcontact/get), each try a delayed message of its own
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      name: "channel-sync",
      consumer: "src/consumers/channel-sync.ts",
      // FIFO grouped by channel: contact-way updates of one channel never race. A failing update holds
      // its channel's group, so retries come back fast (1, 2, 4, 8 s) and the 5th failure is parked.
      fifo: true,
      retryBackoffSeconds: 1,
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    {
      name: "transfers",
      consumer: "src/consumers/transfers.ts",
      // one WeCom transfer call (≤ 100 customers) per message
      batchSize: 5,
      visibilityTimeoutSeconds: 60,
      timeoutSeconds: 30,
      maxReceiveCount: 5,
    },
  ],
  schedules: [
    {
      name: "channel-boundaries",
      handler: "src/jobs/channel-boundaries.ts",
      expression: "rate(1 minute)",
      description: "Syncs only the channels whose schedule edge or midnight cap reset has come.",
    },
    {
      name: "transfer-results",
      handler: "src/jobs/transfer-results.ts",
      expression: "rate(15 minutes)",
      timeoutSeconds: 300,
      description: "Polls transfer_result for transfers not final yet; completes, refuses or fails each customer.",
    },
    {
      name: "tag-reconcile",
      handler: "src/jobs/tag-reconcile.ts",
      // 03:30 in the corp's timezone (the schedule's default timezone)
      expression: "cron(30 3 * * ? *)",
      timeoutSeconds: 120,
      description: "Replaces Siyu's copy of the corp tag list with WeCom's full list; records added/removed/renamed.",
    },
  ],
  publishes: ["contact.added", "contact.lost", "contact.removed", "contact.transferred", "contact.tags_changed", "group.created", "group.dismissed", "group.member_changed"],
  secrets: ["wecom"],
  alarms: [
    {
      name: "welcome-failures",
      description: "welcome messages failed or expired (their 20-second code died) — check WeCom errors and the intake's latency",
      metrics: ["WelcomeFailed", "WelcomeExpired"],
      threshold: 5,
      periodMinutes: 15,
    },
  ],
});
