/**
 * The requests and answers of `/v1/group-codes` (group-live-code), derived from the generated
 * `schema.d.ts` (the routes' zod schemas).
 */
import type { Answer, Item } from "./answer";
import type { paths } from "./schema";

/** The create body, straight from the generated schema (the form builds it). */
export type GroupCodeCreate = paths["/v1/group-codes"]["post"]["requestBody"]["content"]["application/json"];
/** The PATCH body. */
export type GroupCodePatch = paths["/v1/group-codes/{codeId}"]["patch"]["requestBody"]["content"]["application/json"];
export type GroupWelcome = NonNullable<GroupCodeCreate["welcome"]>;
export type WelcomeAttachment = NonNullable<GroupWelcome["attachment"]>;
export type AutoCreate = NonNullable<GroupCodeCreate["autoCreate"]>;

/** `codeView`: what create, patch and archive answer (and every list row, with its pool). */
export type GroupCode = Answer<"/v1/group-codes", "post">;
export type GroupCodeMode = GroupCode["mode"];
export type GroupCodeStatus = GroupCode["status"];
export type Routing = GroupCode["routing"];
export type BlockedReason = Extract<Routing, { state: "blocked" }>["reason"];
/** The code's one welcome template in WeCom (入群欢迎语素材). */
export type WelcomeTemplateView = NonNullable<GroupCode["welcomeTemplate"]>;

/** `GET /v1/group-codes`. */
export type GroupCodePage = Answer<"/v1/group-codes", "get">;
export type GroupCodeRow = Item<GroupCodePage>;
/** A pool at a glance (live groups only), on list rows. */
export type PoolSummary = GroupCodeRow["pool"];

/** `GET /v1/group-codes/{codeId}`: the code, its pool's groups, what the join way should list now and the free seats. */
export type GroupCodeDetail = Answer<"/v1/group-codes/{codeId}", "get">;
/** One pool group in the detail. */
export type PoolGroupView = GroupCodeDetail["groups"][number];

/** `GET /v1/group-codes/{codeId}/stats`. */
export type GroupCodeStats = Answer<"/v1/group-codes/{codeId}/stats", "get">;
export type GroupStatsView = GroupCodeStats["groups"][number];
/** One row per corp day with a fact, ascending. */
export type DailyStats = GroupCodeStats["daily"][number];
export type StatsCounts = Omit<DailyStats, "day">;
