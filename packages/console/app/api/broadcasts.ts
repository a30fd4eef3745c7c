/**
 * The requests and answers of `/v1/broadcasts` (broadcast-scheduler), derived from the generated
 * `schema.d.ts` (the routes' zod schemas).
 */
import type { Answer, Item } from "./answer";
import type { operations } from "./schema";

/** The create body as the OpenAPI document has it (from the route's zod schema). */
export type CampaignBody = operations["createBroadcast"]["requestBody"]["content"]["application/json"];
export type Audience = CampaignBody["audience"];
export type Content = CampaignBody["content"];
export type Attachment = NonNullable<Content["attachments"]>[number];
export type Schedule = CampaignBody["schedule"];
export type Reminders = NonNullable<CampaignBody["reminders"]>;
export type SettingsBody = operations["putBroadcastSettings"]["requestBody"]["content"]["application/json"];

/** One campaign (defaults filled in), as create, update and every list row answer it. */
export type Campaign = Answer<"/v1/broadcasts", "post">;
export type CampaignStatus = Campaign["status"];

/** `GET /v1/broadcasts`: each row the campaign and its latest run's state and funnel (null before the first run). */
export type CampaignPage = Answer<"/v1/broadcasts", "get">;
export type CampaignRow = Item<CampaignPage>;

/** `GET /v1/broadcasts/{id}`: the campaign, its runs, the shown run and its senders' progress. */
export type CampaignDetail = Answer<"/v1/broadcasts/{campaignId}", "get">;
/** `POST /v1/broadcasts/{id}/sync`: the detail after the sync, with how many recipients it updated. */
export type SyncAnswer = Answer<"/v1/broadcasts/{campaignId}/sync", "post">;

export type Run = CampaignDetail["runsList"][number];
/** planned = tasked + failed + pending; tasked = confirmed + waiting + cancelled; confirmed = delivered + notAFriend + quotaHit. */
export type Funnel = Run["funnel"];
export type StaffProgress = CampaignDetail["staff"][number];
export type StaffTask = StaffProgress["task"];

/** `GET /v1/broadcasts/{id}/recipients`: a customer (or group) of the run and its state, a row. */
export type RecipientPage = Answer<"/v1/broadcasts/{campaignId}/recipients", "get">;
export type Recipient = Item<RecipientPage>;
export type RecipientStatus = Recipient["status"];
/** The receive-quota window that left a recipient out. */
export type QuotaHit = NonNullable<Recipient["quota"]>;

/** `POST /v1/broadcasts/preview`: who would get it at the run's instant, and everyone left out with why. */
export type Preview = Answer<"/v1/broadcasts/preview", "post">;
/** One left-out recipient of a preview: a customer (`externalUserId`, its `userId`) or a group (`chatId`, its `ownerUserId`). */
export type Exclusion = Preview["excluded"][number];
/**
 * Why a recipient was left out, as the counts (`excludedCounts`, `plan.excluded`) key it: a listed
 * exclusion's reason, or `duplicate` (counted only: the recipient is reached through another sender).
 * The counts are `z.record(enum, …)`, which the OpenAPI document has as a plain string-keyed record.
 */
export type ExclusionReason = Exclusion["reason"] | "duplicate";

/** `POST /v1/broadcasts/{id}/remind`. */
export type RemindAnswer = Answer<"/v1/broadcasts/{campaignId}/remind", "post">;

/** `GET /v1/broadcasts/settings`: the corp's receive rules for customers and for groups. */
export type BroadcastSettings = Answer<"/v1/broadcasts/settings", "get">;
export type AudienceSettings = BroadcastSettings["customers"];
export type WecomRule = AudienceSettings["wecom"];
