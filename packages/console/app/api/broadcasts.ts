/**
 * The answers of `/v1/broadcasts` (broadcast-scheduler), typed by hand after its README and
 * `app/campaigns.ts` (the OpenAPI document describes the request bodies only, see views.ts).
 */
import type { operations } from "./schema";

/** The create body as the OpenAPI document has it (from the route's zod schema). */
export type CampaignBody = operations["createBroadcast"]["requestBody"]["content"]["application/json"];
export type Audience = CampaignBody["audience"];
export type Content = CampaignBody["content"];
export type Attachment = NonNullable<Content["attachments"]>[number];
export type Schedule = CampaignBody["schedule"];
export type Reminders = NonNullable<CampaignBody["reminders"]>;
export type SettingsBody = operations["putBroadcastSettings"]["requestBody"]["content"]["application/json"];

export type CampaignStatus = "draft" | "scheduled" | "running" | "tracking" | "done" | "cancelled";

/** One campaign as `GET /v1/broadcasts` lists it. */
export interface Campaign {
  campaignId: string;
  status: CampaignStatus;
  name: string;
  audience: Audience;
  content: { text?: string; attachments: Attachment[] };
  schedule: Schedule;
  deadline: string | null;
  deadlineIsDefault: boolean;
  reminders: Reminders;
  allowSelect: boolean;
  nextRunAt: string | null;
  /** How many runs have started. */
  runs: number;
  createdAt: string;
  updatedAt: string;
  cancelledAt?: string;
}

/** A row of `GET /v1/broadcasts`: the campaign and its latest run's state and funnel (null before the first run). */
export interface CampaignRow extends Campaign {
  latestRun: { runKey: string; state: Run["state"]; at: string; funnel: Funnel } | null;
}

export type RecipientStatus = "planned" | "failed" | "waiting" | "delivered" | "not-a-friend" | "quota-hit" | "cancelled" | "excluded";
export type ExclusionReason = "quota" | "not-a-follower" | "duplicate" | "quiet-hours" | "excluded-tag";
export type StaffTask = "planned" | "waiting" | "sent" | "cancelled" | "failed";

/** planned = tasked + failed + pending; tasked = confirmed + waiting + cancelled; confirmed = delivered + notAFriend + quotaHit. */
export interface Funnel {
  planned: number;
  tasked: number;
  confirmed: number;
  delivered: number;
  failed: number;
  waiting: number;
  cancelled: number;
  notAFriend: number;
  quotaHit: number;
  pending: number;
}

/** The receive-quota window that left a recipient out. */
export interface QuotaHit {
  kind: "day" | "week" | "month";
  start: string;
  end: string;
  limit: number;
  count: number;
}

export interface Run {
  runKey: string;
  state: "planning" | "sending" | "tracking" | "done" | "cancelled";
  at: string;
  deadline: string;
  chatType: "single" | "group";
  plan: { audience: number; planned: number; perSender: Record<string, number>; excluded: Record<ExclusionReason, number> };
  funnel: Funnel;
  reminders: { planned: string[]; done: string[] };
  nextPollAt: string | null;
  finishedAt: string | null;
}

export interface StaffProgress {
  userId: string;
  task: StaffTask;
  recipients: number;
  sendTime: string | null;
}

/** `GET /v1/broadcasts/{id}` (and the `/sync` answer, with `synced`). */
export interface CampaignDetail extends Campaign {
  runsList: Run[];
  run: Run | null;
  staff: StaffProgress[];
  synced?: number;
}

/** One row of `GET /v1/broadcasts/{id}/recipients`: a customer (or group) of the run and its state. */
export interface Recipient {
  id: string;
  status: RecipientStatus;
  userId?: string;
  reason?: Exclude<ExclusionReason, "duplicate">;
  quota?: QuotaHit;
  errcode?: number;
  sendTime?: string;
  updatedAt?: string;
}

export interface RecipientPage {
  runKey: string | null;
  items: Recipient[];
  nextCursor: string | null;
}

/** One left-out recipient of a preview: a customer (`externalUserId`) or a group (`chatId`). */
export interface Exclusion {
  externalUserId?: string;
  chatId?: string;
  reason: Exclude<ExclusionReason, "duplicate">;
  userId?: string;
  quota?: QuotaHit;
}

/** `POST /v1/broadcasts/preview`: who would get it at the run's instant, and everyone left out with why. */
export interface Preview {
  chatType: "single" | "group";
  at: string;
  deadline: string;
  audience: number;
  planned: number;
  perSender: Record<string, number>;
  senders: number;
  /** `add_msg_template` calls (one per sender chunk). */
  calls: number;
  excludedCounts: Record<ExclusionReason, number>;
  excluded: Exclusion[];
  excludedTruncated: boolean;
  duplicates: { externalUserId?: string; chatId?: string; userId: string; routedTo: string }[];
  quietUntil?: string;
}

/** `POST /v1/broadcasts/{id}/remind`. */
export interface RemindAnswer {
  runKey: string;
  reminded: string[];
  exhausted: { userId: string; nextAt: string | null }[];
}

export type WecomRule = "month" | "week" | "day";

export interface AudienceSettings {
  wecom: WecomRule;
  caps: { kind: "day" | "week" | "month"; limit: number }[];
  quietHours: { from: string; to: string }[];
}

/** `GET /v1/broadcasts/settings`: the corp's receive rules for customers and for groups. */
export interface BroadcastSettings {
  customers: AudienceSettings;
  groups: AudienceSettings;
  updatedAt?: string;
}
