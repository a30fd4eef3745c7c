/**
 * A campaign as `/v1/broadcasts` answers it (`campaignView`, `runView`, `listCampaignViews`,
 * `campaignDetail`, app/campaigns.ts). The definition's parts are the domain's own schemas: what is
 * stored is what the create or patch body parsed to.
 */
import * as z from "zod";
import { audienceSchema } from "../../domain/campaign.ts";
import { contentSchema } from "../../domain/content.ts";
import type { RunState, StaffTaskState } from "../../domain/run.ts";
import { RECIPIENT_STATUSES } from "../../domain/run.ts";
import { reminderPolicySchema, scheduleSchema } from "../../domain/schedule.ts";
import { CAMPAIGN_STATUSES } from "../../domain/status.ts";
import { chatTypeSchema, count, instant } from "./common.ts";
import { audienceCountsSchema } from "./plan.ts";

/** `campaignView`. */
export const campaignSchema = z.object({
  campaignId: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  name: z.string(),
  audience: audienceSchema,
  content: contentSchema,
  schedule: scheduleSchema,
  deadline: instant("when unsent tasks are cancelled: the one set, else the next run's default; null for a recurring campaign (each run has its own) or when no run is scheduled").nullable(),
  deadlineIsDefault: z.boolean().meta({ description: "no deadline was set: each run ends at 00:00 on the third corp day after it starts" }),
  reminders: reminderPolicySchema,
  allowSelect: z.boolean(),
  nextRunAt: instant("the next scheduled run").nullable(),
  runs: count().meta({ description: "how many runs have started" }),
  createdAt: instant("created"),
  updatedAt: instant("last changed"),
  cancelledAt: instant("cancelled").optional(),
});

const runStateSchema = z.enum(["planning", "sending", "tracking", "done", "cancelled"] as const satisfies readonly RunState[]);

/** `funnelOf`: planned = tasked + failed + pending; tasked = confirmed + waiting + cancelled; confirmed = delivered + notAFriend + quotaHit. */
export const funnelSchema = z.object({
  planned: count(),
  tasked: count(),
  confirmed: count(),
  delivered: count(),
  failed: count(),
  waiting: count(),
  cancelled: count(),
  notAFriend: count(),
  quotaHit: count(),
  pending: count().meta({ description: "tasked but not known yet (a chunk not created or not polled yet)" }),
});

/** `runView`: one run of the campaign (its scheduled instant), its plan and its funnel. */
export const runSchema = z.object({
  runKey: z.string(),
  state: runStateSchema,
  at: instant("the run's scheduled instant"),
  deadline: instant("when the run's unsent tasks are cancelled"),
  chatType: chatTypeSchema,
  plan: audienceCountsSchema,
  funnel: funnelSchema,
  recipients: z.record(z.enum(RECIPIENT_STATUSES), count()).meta({ description: "recipients per state" }),
  reminders: z.object({ planned: z.array(instant("a planned reminder")), done: z.array(instant("a reminder done")) }),
  nextPollAt: instant("the next poll of WeCom's send results").nullable(),
  finishedAt: instant("finished").nullable(),
});

/** `GET /v1/broadcasts`: newest first; each campaign with its latest run's state and funnel (null before the first run). */
export const campaignPageSchema = z.object({
  items: z.array(
    campaignSchema.extend({
      latestRun: z.object({ runKey: z.string(), state: runStateSchema, at: instant("the run's scheduled instant"), funnel: funnelSchema }).nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** `campaignDetail`: the campaign, its runs (newest first), the selected run (`?run=`, else the latest) and its members' progress. */
export const campaignDetailSchema = campaignSchema.extend({
  runsList: z.array(runSchema),
  run: runSchema.nullable(),
  staff: z.array(
    z.object({
      userId: z.string(),
      task: z.enum(["planned", "waiting", "sent", "cancelled", "failed"] as const satisfies readonly StaffTaskState[]),
      recipients: count(),
      sendTime: instant("when the member sent the task").nullable(),
    }),
  ),
});

/** `POST …/cancel`: the campaign, and how many open runs had their unsent tasks stopped in WeCom. */
export const cancelledCampaignSchema = campaignSchema.extend({ stoppedRuns: count() });

/** `POST …/sync`: the detail after polling the open runs, and how many were polled. */
export const syncedCampaignSchema = campaignDetailSchema.extend({ synced: count() });

/** `POST …/remind`: the members reminded, and those whose message had its 3 reminders in 24 h already. */
export const remindSchema = z.object({
  runKey: z.string(),
  reminded: z.array(z.string()).meta({ description: "userIds reminded" }),
  exhausted: z.array(z.object({ userId: z.string(), nextAt: instant("when the next reminder may go").nullable() })),
});
