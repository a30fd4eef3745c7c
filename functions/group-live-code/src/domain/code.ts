/**
 * A group live code (群活码) as the admin API accepts it (`POST /v1/group-codes`, `PATCH
 * /v1/group-codes/{id}`): a name, a pool of customer groups, a capacity per group, one group welcome,
 * auto-create settings and a mode. Every failing field comes back at once as `InvalidInput`, with
 * paths from the request (`body.groups.3.ownerUserId`, `body.welcome.attachment.link.title`).
 *
 * Modelling decisions and the WeCom facts behind them:
 * - **The pool is unlimited** (DOMAIN §4): WeCom's join way holds ≤ 5 groups (wecom-reference §9), so
 *   the pool lives in Siyu and pool.ts keeps WeCom's window filled. One request adds at most
 *   `LIVE_CODE_LIMITS.groupsPerRequest`; a PATCH adds and removes groups (`addGroups`,
 *   `removeChatIds`) instead of replacing a list that may be thousands long.
 * - **Capacity 1..200, default 200**: QR joining stops at 200 members (§9, treated as the routing
 *   limit; WeCom-only groups hold 500 but a scan still stops at 200), so a capacity above 200 could
 *   never be reached by routing. Lower is allowed (a group kept lively at 150). A group may override
 *   the code's capacity.
 * - **The group welcome** is one `group_welcome_template` (入群欢迎语素材): text ≤ 3000 UTF-8 bytes (official document 92366)
 *   plus at most one of image / link / miniprogram / video / file, not both empty (the official page,
 *   as `@siyu/wecom`'s `GroupWelcomeTemplate` and the simulator model it; link and miniprogram limits
 *   as §4). One template per code, edited in place: templates count against a corp cap (41055, §13).
 * - **Auto-create** maps to the join way's `auto_create_room`, `room_base_name` (≤ 40 chars) and
 *   `room_base_id` (wecom-services §C1: groups are named base + id, id + 1, …; operators start at 10
 *   or 20 so the groups look popular). Siyu defaults it off (WeCom defaults it on): a pool running dry
 *   is then an alert (alerts.ts), not groups nobody planned.
 * - **Mode** `native` (a WeCom join way over ≤ 5 of the pool) or `landing` (Siyu's page `/g/{codeId}`
 *   picks a group with a free seat and shows that group's own join QR; seats.ts).
 */
import { type FieldIssue, formatIssues } from "@siyu/kernel";
import { attachmentSchema, codePoints, type GroupWelcomeTemplate, maxUtf8Bytes, toWecomAttachment, WECOM_LIMITS as L } from "@siyu/wecom";
import * as z from "zod";
import { CodeArchived, InvalidInput } from "./errors.ts";

/** Siyu's own bounds (product choices, not WeCom rules). */
export const LIVE_CODE_LIMITS = {
  nameChars: 100,
  /** Groups one request may add (the pool itself has no bound). */
  groupsPerRequest: 1000,
  /** The highest `room_base_id` Siyu accepts (WeCom states none). */
  roomBaseIdMax: 1_000_000,
} as const;

/** The default and highest capacity: WeCom stops QR joins at 200 members (§9). */
export const DEFAULT_CAPACITY = L.groupQrJoinCapacity;

const maxBytes = maxUtf8Bytes;

const required = (what: string) => z.string({ error: `${what} is required` }).min(1, `${what} is required`);
const chatId = required("chatId").max(128);
const userId = required("userId").max(64);
const capacity = z
  .number({ error: "capacity must be a whole number" })
  .int("capacity must be a whole number")
  .min(1, "capacity must be at least 1")
  .max(DEFAULT_CAPACITY, `capacity must be at most ${DEFAULT_CAPACITY} (WeCom stops QR joins at ${DEFAULT_CAPACITY} members)`);


/** Text (≤ 3000 UTF-8 bytes, document 92366) and/or one attachment, not both empty: what `group_welcome_template` takes. */
export const welcomeSchema = z
  .strictObject({
    text: z
      .string()
      .superRefine(maxBytes(L.groupWelcomeTextBytes))
      .transform((t) => (t.trim() === "" ? undefined : t))
      .optional(),
    /** One, not a list: a group welcome template holds at most one attachment. */
    attachment: attachmentSchema.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.text === undefined && w.attachment === undefined) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "a group welcome needs text or an attachment" });
    }
  });
export type GroupWelcome = z.output<typeof welcomeSchema>;

const autoCreateSchema = z.discriminatedUnion(
  "enabled",
  [
    z.strictObject({ enabled: z.literal(false) }),
    z.strictObject({
      enabled: z.literal(true),
      /** WeCom names new groups `roomBaseName` + serial (wecom-services §C1). */
      roomBaseName: required("roomBaseName").superRefine((s, ctx) => {
        const n = codePoints(s);
        if (n > L.joinWayRoomBaseNameChars) ctx.addIssue({ code: "custom", message: `at most ${L.joinWayRoomBaseNameChars} characters (WeCom limit; got ${n})` });
      }),
      roomBaseId: z
        .number({ error: "roomBaseId must be a whole number" })
        .int("roomBaseId must be a whole number")
        .min(1, "roomBaseId must be at least 1")
        .max(LIVE_CODE_LIMITS.roomBaseIdMax, `roomBaseId must be at most ${LIVE_CODE_LIMITS.roomBaseIdMax}`)
        .default(1),
    }),
  ],
  { error: "autoCreate.enabled must be true or false" },
);
export type AutoCreate = z.output<typeof autoCreateSchema>;

const poolGroupSchema = z.strictObject({
  chatId,
  /** The group's owner (群主): WeCom's join way only takes groups of members in the app's range. */
  ownerUserId: userId,
  /** Overrides the code's capacity for this group. */
  capacity: capacity.optional(),
});
export type PoolGroupInput = z.output<typeof poolGroupSchema>;

function uniqueChatIds<T>(key: (item: T) => string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: "custom", path: [i], message: `${k} is listed twice` });
      seen.add(k);
    });
  };
}

const groupList = z
  .array(poolGroupSchema)
  .max(LIVE_CODE_LIMITS.groupsPerRequest, `at most ${LIVE_CODE_LIMITS.groupsPerRequest} groups per request (add more with PATCH)`)
  .superRefine(uniqueChatIds((g) => g.chatId));

const fields = {
  name: z.string().trim().min(1, "name is required").max(LIVE_CODE_LIMITS.nameChars),
  capacity,
  welcome: welcomeSchema,
  autoCreate: autoCreateSchema,
  mode: z.enum(["native", "landing"], { error: "mode must be native or landing" }),
  ownerUserId: userId,
};

/** `POST /v1/group-codes` body. A code may start with an empty pool (it cannot route until groups are added). */
export const codeCreateSchema = z.strictObject({
  name: fields.name,
  groups: groupList.default([]),
  capacity: fields.capacity.default(DEFAULT_CAPACITY),
  welcome: fields.welcome.optional(),
  autoCreate: fields.autoCreate.default({ enabled: false }),
  mode: fields.mode.default("native"),
  /** The staff member alerted when the code cannot route (alerts.ts); default the first group's owner. */
  ownerUserId: fields.ownerUserId.optional(),
});
export type LiveCodeDefinition = z.output<typeof codeCreateSchema>;
export type LiveCodeCreateInput = z.input<typeof codeCreateSchema>;

/**
 * `PATCH /v1/group-codes/{id}` body: any subset; a present scalar field replaces the stored one,
 * `welcome: null` removes the welcome, `addGroups` / `removeChatIds` change the pool.
 */
export const codePatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    capacity: fields.capacity.optional(),
    welcome: fields.welcome.nullable().optional(),
    autoCreate: fields.autoCreate.optional(),
    mode: fields.mode.optional(),
    ownerUserId: fields.ownerUserId.nullable().optional(),
    addGroups: groupList.min(1, "addGroups needs at least one group (omit the field instead)").optional(),
    removeChatIds: z
      .array(chatId)
      .min(1, "removeChatIds needs at least one id (omit the field instead)")
      .max(LIVE_CODE_LIMITS.groupsPerRequest)
      .superRefine(uniqueChatIds((id: string) => id))
      .optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: "a patch needs at least one field" });
export type LiveCodePatch = z.output<typeof codePatchSchema>;

const PREFIX = ["body"] as const;

function invalid(issues: FieldIssue[]): InvalidInput {
  return new InvalidInput(`the live code is not valid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
}

/**
 * Validate a create body; throws `InvalidInput` listing every failing field.
 *
 * @example
 * parseCodeCreate({ name: "新品体验群", groups: [{ chatId: "wrOgQhDgAA1", ownerUserId: "zhangsan" }], welcome: { text: "欢迎入群" } })
 * // → { name, groups, capacity: 200, welcome, autoCreate: { enabled: false }, mode: "native" }
 */
export function parseCodeCreate(body: unknown): LiveCodeDefinition {
  const parsed = codeCreateSchema.safeParse(body);
  if (!parsed.success) throw invalid(formatIssues(parsed.error, PREFIX));
  const issues = modeIssues(parsed.data);
  if (issues.length > 0) throw invalid(issues);
  return parsed.data;
}

/**
 * Landing mode does not auto-create: WeCom makes a group only for a scan of a join way it routes
 * itself (auto_create_room), and it would route that scan to any listed group below 200 members —
 * past the seats Siyu counts, and past a capacity set lower. A landing code grows by adding groups;
 * its owner is alerted when the pool fills (alerts.ts).
 */
function modeIssues(d: Pick<LiveCodeDefinition, "mode" | "autoCreate">): FieldIssue[] {
  return d.mode === "landing" && d.autoCreate.enabled
    ? [{ path: "body.autoCreate.enabled", message: "landing mode cannot auto-create groups (WeCom would route past the seat counters); add groups to the pool instead" }]
    : [];
}

export type CodeStatus = "active" | "archived";

/** What a patch changes, for the app layer to execute: the new definition and the pool's delta. */
export interface CodePatchPlan {
  definition: LiveCodeDefinition;
  added: PoolGroupInput[];
  removed: string[];
  /** The welcome template must be written again (created, edited or deleted). */
  welcomeChanged: boolean;
  /** The join way's settings (name → remark, auto-create) changed: native mode re-plans its update. */
  joinWayChanged: boolean;
}

/**
 * Apply a patch to a stored code. A group both added and already in the pool is a field error (so a
 * retried PATCH that re-adds is visible, not silently merged), as is removing one the pool lacks.
 * Removing a group only stops routing to it; its members stay in WeCom.
 *
 * @example
 * applyCodePatch(stored, "active", { addGroups: [{ chatId: "wr2", ownerUserId: "lisi" }], removeChatIds: ["wr1"] })
 */
export function applyCodePatch(stored: LiveCodeDefinition, status: CodeStatus, body: unknown, codeId = "?"): CodePatchPlan {
  if (status === "archived") throw new CodeArchived(codeId);
  const parsed = codePatchSchema.safeParse(body);
  if (!parsed.success) throw invalid(formatIssues(parsed.error, PREFIX));
  const p = parsed.data;
  const inPool = new Set(stored.groups.map((g) => g.chatId));
  const removing = new Set(p.removeChatIds ?? []);
  const issues: FieldIssue[] = [];
  (p.addGroups ?? []).forEach((g, i) => {
    if (inPool.has(g.chatId) && !removing.has(g.chatId)) issues.push({ path: `body.addGroups.${i}.chatId`, message: `${g.chatId} is already in the pool` });
  });
  (p.removeChatIds ?? []).forEach((id, i) => {
    if (!inPool.has(id)) issues.push({ path: `body.removeChatIds.${i}`, message: `${id} is not in the pool` });
  });
  // a native join way and a landing page are different QR codes already printed: archive and create
  if (p.mode !== undefined && p.mode !== stored.mode) issues.push({ path: "body.mode", message: `the mode of a code cannot change (it is ${stored.mode}); create a new code` });
  issues.push(...modeIssues({ mode: stored.mode, autoCreate: p.autoCreate ?? stored.autoCreate }));
  if (issues.length > 0) throw invalid(issues);
  const added = p.addGroups ?? [];
  const removed = p.removeChatIds ?? [];
  const groups = [...stored.groups.filter((g) => !removing.has(g.chatId)), ...added];
  const definition: LiveCodeDefinition = {
    name: p.name ?? stored.name,
    groups,
    capacity: p.capacity ?? stored.capacity,
    autoCreate: p.autoCreate ?? stored.autoCreate,
    mode: p.mode ?? stored.mode,
    ...(p.ownerUserId === undefined ? (stored.ownerUserId ? { ownerUserId: stored.ownerUserId } : {}) : p.ownerUserId === null ? {} : { ownerUserId: p.ownerUserId }),
    ...(p.welcome === undefined ? (stored.welcome ? { welcome: stored.welcome } : {}) : p.welcome === null ? {} : { welcome: p.welcome }),
  };
  return {
    definition,
    added,
    removed,
    welcomeChanged: p.welcome !== undefined && JSON.stringify(p.welcome) !== JSON.stringify(stored.welcome ?? null),
    joinWayChanged: definition.name !== stored.name || JSON.stringify(definition.autoCreate) !== JSON.stringify(stored.autoCreate),
  };
}

/** The `group_welcome_template/add` (or `edit`) body for a code's welcome. */
export function toWecomGroupWelcome(w: GroupWelcome): GroupWelcomeTemplate {
  const out: GroupWelcomeTemplate = w.text !== undefined ? { text: { content: w.text } } : {};
  if (!w.attachment) return out;
  // a welcome template carries its one attachment under its msgtype's key
  const { msgtype, ...content } = toWecomAttachment(w.attachment) as { msgtype: string } & Record<string, unknown>;
  return { ...out, [msgtype]: content[msgtype] } as GroupWelcomeTemplate;
}

/**
 * The join way's `state` for a code: WeCom returns it per member in `groupchat/get
 * member_list[].state` (wecom-services §C1), which is how a joiner is attributed to the code. ≤ 30
 * characters (§9): `glc` + the code id, which must be short (the app layer mints it with kernel
 * `shortId()`, 10 characters).
 *
 * @example
 * joinWayState("k3v9q2m7xa") // "glc.k3v9q2m7xa"
 */
export function joinWayState(codeId: string): string {
  const state = `glc.${codeId}`;
  if (codePoints(state) > L.joinWayStateChars) throw new RangeError(`a live-code id must keep the state within ${L.joinWayStateChars} characters: ${codeId}`);
  return state;
}

/** The code id a member's `state` names, if it is a live code's (the inverse of `joinWayState`). */
export function codeIdOfState(state: string | undefined): string | undefined {
  return state?.startsWith("glc.") && state.length > 4 ? state.slice(4) : undefined;
}
