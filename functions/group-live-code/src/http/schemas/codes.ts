/**
 * The answers of `/v1/group-codes` (app/codes.ts): `codeView` (create, edit, archive), a list item
 * (`codeView` + `poolSummary`), a page of them, and the detail (`codeView` + each group's
 * `groupView`, the eligible set and the free seats). The welcome is the domain's own schema (what is
 * stored is what it parsed).
 */
import * as z from "zod";
import { codeCreateSchema, welcomeSchema } from "../../domain/code.ts";

const iso = (description: string) => z.string().meta({ description: `${description} (ISO 8601)` });
const fraction = (description: string) => z.number().min(0).max(1).meta({ description });
const count = () => z.number().int().min(0);

/** `CodeStatus`: the list's `status` filter too. */
export const codeStatusSchema = z.enum(["active", "archived"]);

/** The stored auto-create setting (the create body's with its default applied: `roomBaseId` is always there when enabled). */
const autoCreateViewSchema = z.discriminatedUnion("enabled", [
  z.object({ enabled: z.literal(false) }),
  z.object({
    enabled: z.literal(true),
    roomBaseName: z.string().meta({ description: "WeCom names new groups roomBaseName + serial" }),
    roomBaseId: count().meta({ description: "The serial WeCom starts from" }),
  }),
]);

/** The code's group welcome template in WeCom (`WelcomeTemplateRecord` as shown). */
const welcomeTemplateSchema = z
  .object({
    state: z.enum(["claimed", "created", "refused"]).meta({ description: "claimed: being created; refused: WeCom refused the first add (no template exists)" }),
    templateId: z.string().nullable(),
    refused: z
      .object({ errcode: z.number().int(), message: z.string(), at: iso("When WeCom refused it") })
      .optional()
      .meta({ description: "WeCom refused the current content (not retried until it changes)" }),
  })
  .nullable()
  .meta({ description: "null until the code's welcome template is claimed (and after archiving)" });

/** `CodeRouting`: whether the code can route now, and why not. */
const routingSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("routing") }),
  z.object({
    state: z.literal("blocked"),
    reason: z.enum(["pool-full", "no-groups", "permission"]).meta({ description: "pool-full: every group at capacity and auto-create off; no-groups: no live group; permission: WeCom refused the join-way call" }),
    since: iso("When the blocked episode started"),
    episodeId: z.string(),
    alertedAt: iso("When the owner was sent the episode's app message").optional(),
  }),
]);

/** `codeView`: a live code as create, edit, archive and the list answer it. */
export const codeViewSchema = z.object({
  codeId: z.string().meta({ description: "The code's id (also in the landing page /g/{codeId})" }),
  status: codeStatusSchema,
  name: z.string(),
  mode: codeCreateSchema.shape.mode.unwrap(),
  capacity: count().meta({ description: "Members per group (a group may override it)" }),
  autoCreate: autoCreateViewSchema,
  welcome: welcomeSchema.nullable().meta({ description: "The group welcome, null when the code has none" }),
  welcomeTemplate: welcomeTemplateSchema,
  ownerUserId: z.string().nullable().meta({ description: "The staff member alerted when the code cannot route" }),
  state: z.string().meta({ description: "The join way's state (glc.<codeId>), which attributes joiners to the code" }),
  joinWay: z.object({
    configId: z.string().nullable().meta({ description: "WeCom's config_id, null until the join way exists (native mode)" }),
    qrCode: z.string().nullable().meta({ description: "The join way's QR code URL, null until it exists" }),
    listed: z.array(z.string()).meta({ description: "The chat ids the join way listed after the last sync (≤ 5)" }),
    syncedAt: iso("The last sync").nullable(),
  }),
  routing: routingSchema,
  createdAt: iso("Created"),
  updatedAt: iso("Last changed"),
});

/** `poolSummary`: the live groups (not dismissed, not removed) at a glance. */
const poolSummarySchema = z.object({
  groups: count(),
  groupsWithRoom: count(),
  fullGroups: count(),
  members: count(),
  capacity: count(),
  freeSeats: count(),
  fill: fraction("Members over capacity of the live groups (0 for an empty pool)"),
});

/** `GET /v1/group-codes`: newest first, each code with its pool at a glance. */
export const codePageSchema = z.object({
  items: z.array(codeViewSchema.extend({ pool: poolSummarySchema })),
  nextCursor: z.string().nullable(),
});

/** `groupView`: one group of the pool, with its fill and what its owner was told about the welcome. */
const groupViewSchema = z.object({
  chatId: z.string(),
  name: z.string().nullable(),
  ownerUserId: z.string().nullable().meta({ description: "null for a group WeCom auto-created until it is read" }),
  members: count().meta({ description: "Every member, staff and customers alike" }),
  capacity: count(),
  fill: z.number().min(0).meta({ description: "members / capacity (may exceed 1 after invites past capacity; 1 for a capacity of 0)" }),
  hasRoom: z.boolean(),
  listed: z.boolean().meta({ description: "Listed in the native join way now" }),
  dismissed: z.boolean(),
  autoCreated: z.boolean(),
  welcome: z
    .object({
      ownerNotifiedAt: iso("When the owner was told to pick the code's welcome for this group").nullable(),
      failed: z.object({ errcode: z.number().int(), at: iso("When WeCom refused the app message") }).optional(),
    })
    .nullable()
    .meta({ description: "null while the owner was not told (no API can set a group's welcome)" }),
});

/** `GET /v1/group-codes/{codeId}`: the code with every group of its pool. */
export const codeDetailSchema = codeViewSchema.extend({
  groups: z.array(groupViewSchema).meta({ description: "The pool in order, removed groups left out" }),
  eligible: z.array(z.string()).meta({ description: "The chat ids the join way should list now (≤ 5)" }),
  seats: z.object({ free: count(), groupsWithRoom: count() }),
});
