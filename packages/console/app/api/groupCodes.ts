/**
 * The answers of `/v1/group-codes` (group-live-code's README and `src/app/codes.ts` / `stats.ts`),
 * typed by hand as `views.ts` does: the OpenAPI document describes the requests, not the views.
 */
import type { paths } from "./schema";

export type GroupCodeMode = "native" | "landing";
export type GroupCodeStatus = "active" | "archived";
export type BlockedReason = "pool-full" | "no-groups" | "permission";

/** The create body, straight from the generated schema (the form builds it). */
export type GroupCodeCreate = paths["/v1/group-codes"]["post"]["requestBody"]["content"]["application/json"];
/** The PATCH body. */
export type GroupCodePatch = paths["/v1/group-codes/{codeId}"]["patch"]["requestBody"]["content"]["application/json"];
export type GroupWelcome = NonNullable<GroupCodeCreate["welcome"]>;
export type WelcomeAttachment = NonNullable<GroupWelcome["attachment"]>;
export type AutoCreate = NonNullable<GroupCodeCreate["autoCreate"]>;

export type Routing = { state: "routing" } | { state: "blocked"; reason: BlockedReason; since: string; alertedAt?: string };

/** The code's one welcome template in WeCom (入群欢迎语素材). */
export interface WelcomeTemplateView {
  state: "planned" | "claimed" | "created" | "refused" | string;
  templateId: string | null;
  refused?: { errcode: number; message: string; at: string };
}

/** `codeView`: what create, patch, archive and every list row answer. */
export interface GroupCode {
  codeId: string;
  status: GroupCodeStatus;
  name: string;
  mode: GroupCodeMode;
  capacity: number;
  autoCreate: AutoCreate;
  welcome: GroupWelcome | null;
  welcomeTemplate: WelcomeTemplateView | null;
  ownerUserId: string | null;
  /** The join way's `state` (`glc.<codeId>`): how a joiner is attributed to the code. */
  state: string;
  joinWay: { configId: string | null; qrCode: string | null; listed: string[]; syncedAt: string | null };
  routing: Routing;
  createdAt: string;
  updatedAt: string;
}

/** A pool at a glance (live groups only), on list rows. */
export interface PoolSummary {
  groups: number;
  groupsWithRoom: number;
  fullGroups: number;
  members: number;
  capacity: number;
  freeSeats: number;
  fill: number;
}

export interface GroupCodeRow extends GroupCode {
  pool: PoolSummary;
}

/** One pool group in the detail. */
export interface PoolGroupView {
  chatId: string;
  name: string | null;
  ownerUserId: string | null;
  members: number;
  capacity: number;
  fill: number;
  hasRoom: boolean;
  /** The native join way lists it now. */
  listed: boolean;
  dismissed: boolean;
  autoCreated: boolean;
  /** Whether its owner was told to pick the code's welcome (null: not yet routed to). */
  welcome: { ownerNotifiedAt: string | null; failed?: unknown } | null;
}

/** `GET /v1/group-codes/{codeId}`. */
export interface GroupCodeDetail extends GroupCode {
  groups: PoolGroupView[];
  /** What the join way should list now (the sync brings WeCom in line with it). */
  eligible: string[];
  seats: { free: number; groupsWithRoom: number };
}

export interface StatsCounts {
  pageViews: number;
  uniqueVisitors: number;
  joins: number;
  joinsViaCode: number;
  leaves: number;
}

export interface GroupStatsView extends StatsCounts {
  chatId: string;
  capacity: number;
  currentMembers: number;
  duplicateMembers: number;
  fill: number;
  routable: boolean;
}

/** `GET /v1/group-codes/{codeId}/stats`. */
export interface GroupCodeStats {
  codeId: string;
  totals: StatsCounts & { currentMembers: number; duplicateMembers: number; fill: number; groups: number; routableGroups: number };
  groups: GroupStatsView[];
  /** One row per corp day with a fact, ascending. */
  daily: (StatsCounts & { day: string })[];
}
