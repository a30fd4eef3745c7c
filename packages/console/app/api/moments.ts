/**
 * The requests and answers of `/v1/moments` (functions/moments-publisher), derived from the generated
 * `schema.d.ts` (the routes' zod schemas).
 */
import type { Answer, Item } from "./answer";
import type { operations } from "./schema";

/** The body of `POST /v1/moments` and `POST /v1/moments/preview` (generated from the route's schema). */
export type MomentBody = operations["createMoment"]["requestBody"]["content"]["application/json"];
export type MomentContent = MomentBody["content"];
export type MomentSchedule = MomentBody["schedule"];

/** `GET /v1/moments`: the posts, defaults filled in. */
export type MomentPage = Answer<"/v1/moments", "get">;
/** A post; `started`: a run was handed to WeCom, the post can no longer be edited; `runs`: how many were planned. */
export type MomentPost = Item<MomentPage>;
export type PostState = MomentPost["state"];
export type RefusedRun = MomentPost["refused"][number];
export type LimitReason = RefusedRun["reason"];

/** `GET /v1/moments/{id}`: the post and its runs. */
export type MomentDetail = Answer<"/v1/moments/{postId}", "get">;
export type RunDetail = MomentDetail["runDetails"][number];
export type RunState = RunDetail["state"];

/** `POST /v1/moments/preview`: the post as it would be stored and its plan. */
export type MomentPreview = Answer<"/v1/moments/preview", "post">;
/** A post's plan: every run's instant, the moved and the refused ones. */
export type MomentPlan = MomentPreview["plan"];
export type MovedRun = MomentPlan["moved"][number];

/** `POST /v1/moments/media`: where to PUT the file, and the key a post refers to. */
export type MediaSlot = Answer<"/v1/moments/media", "post">;

/** `GET /v1/moments/{id}/stats`: the runs with results collected (at their window's close, then daily for 7 days). */
export type MomentStats = Answer<"/v1/moments/{postId}/stats", "get">;
export type RunResults = MomentStats["runs"][number];
export type StaffResult = RunResults["staff"][number];

/** `GET /v1/moments/settings` (`PUT` answers the same, `updatedAt` set). */
export type MomentSettings = Answer<"/v1/moments/settings", "get">;
