/**
 * The answers of `/v1/moments` (functions/moments-publisher, its README and `app/posts.ts`), typed by
 * hand as views.ts does: the OpenAPI document has the request schemas, not the views.
 */
import type { operations } from "./schema";

/** The body of `POST /v1/moments` and `POST /v1/moments/preview` (generated from the route's schema). */
export type MomentBody = operations["createMoment"]["requestBody"]["content"]["application/json"];
export type MomentContent = MomentBody["content"];
export type MomentSchedule = MomentBody["schedule"];

export type PostState = "scheduled" | "running" | "finished" | "cancelled";
export type RunState = "planned" | "preparing" | "ready" | "claimed" | "submitted" | "created" | "closed" | "failed" | "expired" | "missed" | "cancelled";
export type LimitReason = "member-daily-limit" | "customer-daily-limit";

/** A post as `GET /v1/moments` lists it (defaults filled in). */
export interface MomentPost {
  postId: string;
  name: string;
  state: PostState;
  /** A run was handed to WeCom: the post can no longer be edited. */
  started: boolean;
  content: MomentContent;
  visibility: { userIds: string[]; departmentIds: number[]; tagIds: string[] };
  schedule: MomentSchedule;
  windowHours: number;
  reminders: { auto: boolean; hoursBeforeEnd: number[] };
  onLimit: "refuse" | "move";
  /** How many runs were planned. */
  runs: number;
  refused: RefusedRun[];
  createdAt: string;
  updatedAt: string;
}

/** One run of `GET /v1/moments/{id}` (`runDetails`). */
export interface RunDetail {
  at: string;
  windowEnd: string;
  state: RunState;
  jobid: string | null;
  momentId: string | null;
  staff: { published: number; total: number; trackedAt: string | null };
  staffStatus: { userId: string; published: boolean }[];
  invalidSenders: { userIds: string[]; departmentIds: number[] } | null;
  invalidTags: string[];
  reminders: { at: string; sentAt?: string; to?: number }[];
  cancelRequestedAt: string | null;
  closedAt: string | null;
  error: { errcode?: number; message: string; at: string } | null;
}

export interface MomentDetail extends MomentPost {
  runDetails: RunDetail[];
}

export interface RefusedRun {
  at: string;
  reason: LimitReason;
  detail: string;
}

export interface MovedRun {
  from: string;
  to: string;
  reason: LimitReason;
  detail: string;
}

/** A post's plan: every run's instant, the moved and the refused ones. */
export interface MomentPlan {
  runs: number;
  firstAt: string | null;
  moved: MovedRun[];
  refused: RefusedRun[];
  schedule: string[];
}

/** `POST /v1/moments/preview`. */
export interface MomentPreview {
  plan: MomentPlan;
}

/** `POST /v1/moments/media`: where to PUT the file, and the key a post refers to. */
export interface MediaSlot {
  mediaKey: string;
  kind: "image" | "video";
  maxBytes: number;
  upload: { url: string; method?: string; headers: Record<string, string>; expiresAt?: string };
}

export interface StaffResult {
  userId: string;
  published: boolean;
  reached: number;
  likes: number;
  comments: number;
  losses: number;
}

export interface RunResults {
  at: string;
  state: string;
  momentId: string | null;
  staffPublished: number;
  staffTotal: number;
  reached: number;
  likes: number;
  comments: number;
  losses: number;
  interactionRate: number;
  lossRate: number;
  invalidSenders: string[];
  invalidTags: string[];
  staff: StaffResult[];
}

/** `GET /v1/moments/{id}/stats`: the runs with results collected (at their window's close, then daily for 7 days). */
export interface MomentStats {
  postId: string;
  name: string;
  totals: {
    runs: number;
    runsWithResults: number;
    staffPublished: number;
    staffTotal: number;
    reached: number;
    likes: number;
    comments: number;
    losses: number;
    interactionRate: number;
    lossRate: number;
  };
  runs: RunResults[];
}

/** `GET/PUT /v1/moments/settings`. */
export interface MomentSettings {
  customerPostsPerDay: number;
  updatedAt: string | null;
}
