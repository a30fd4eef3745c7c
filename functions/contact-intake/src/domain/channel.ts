/**
 * Channel (渠道活码) definitions as the admin API accepts them: create and patch schemas, the merge of a
 * patch onto a stored definition, and the channel `state` key.
 *
 * Every list of staff that can end up on the contact-way code (the pool, the off-hours staff, the
 * backups) holds at most 100 users (wecom-reference §2, errcode 41041); only one of those lists is on
 * the code at a time (see eligibility.ts). Validation errors carry field paths such as `welcome.text`
 * or `staff.2.dailyCap` (kernel `FieldIssue`).
 */
import { type FieldIssue, formatIssues, shortId } from "@siyu/kernel";
import * as z from "zod";
import { InvalidInput } from "./errors.ts";
import { SIYU, WECOM } from "./limits.ts";
import { scheduleWindowsSchema } from "./schedule.ts";

/** Channel id given to adds whose `State` is empty or matches no channel. Such adds are never dropped. */
export const UNKNOWN_CHANNEL_ID = "unknown";

export const ROTATIONS = ["wecom-random", "round-robin", "weighted"] as const;
/**
 * - `wecom-random`: every eligible member is on the code and WeCom picks one at random per scan.
 * - `round-robin`: the code holds one member, narrowed to the next in list order after each add.
 * - `weighted`: the code holds one member, chosen by smooth weighted round robin after each add.
 */
export type Rotation = (typeof ROTATIONS)[number];

const utf8 = new TextEncoder();
/** Length of a string in UTF-8 bytes (WeCom counts bytes: a CJK character is 3). */
export function utf8Bytes(text: string): number {
  return utf8.encode(text).length;
}

function maxBytes(max: number, what: string) {
  return (s: string, ctx: z.RefinementCtx) => {
    const n = utf8Bytes(s);
    if (n > max) ctx.addIssue({ code: "custom", message: `${what} is at most ${max} UTF-8 bytes (got ${n})` });
  };
}

export const userIdSchema = z.string().min(1, "userId is required").max(64, "userId is at most 64 characters");
const tagIdSchema = z.string().min(1).max(128);
const mediaId = z.string().min(1, "media id is required").max(256);
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048);

const capMessage = `dailyCap is an integer from 1 to ${SIYU.maxDailyAddCap} (suggested: ${SIYU.defaultDailyAddCap}–400 for new accounts, 800–1000 for aged accounts)`;

/** A staff member on a list. A bare user id string is accepted as shorthand for `{ userId }`. */
export const staffMemberSchema = z.preprocess(
  (v) => (typeof v === "string" ? { userId: v } : v),
  z.strictObject({
    userId: userIdSchema,
    /** Adds per corp day on this channel before the member is taken off the code. Absent = corp default. */
    dailyCap: z.int(capMessage).min(1, capMessage).max(SIYU.maxDailyAddCap, capMessage).optional(),
    /** Share of adds under `weighted` rotation (ignored otherwise). */
    weight: z
      .int(`weight is an integer from 1 to ${SIYU.maxWeight}`)
      .min(1, `weight is an integer from 1 to ${SIYU.maxWeight}`)
      .max(SIYU.maxWeight, `weight is an integer from 1 to ${SIYU.maxWeight}`)
      .default(1),
  }),
);
export type StaffMember = z.output<typeof staffMemberSchema>;

function staffList(min: number) {
  return z
    .array(staffMemberSchema)
    .min(min, min === 1 ? "at least one staff member" : `at least ${min} staff members`)
    .max(WECOM.contactWayMaxUsers, `at most ${WECOM.contactWayMaxUsers} users per contact way (WeCom limit)`)
    .superRefine((list, ctx) => {
      const first = new Map<string, number>();
      list.forEach((m, i) => {
        const at = first.get(m.userId);
        if (at === undefined) first.set(m.userId, i);
        else ctx.addIssue({ code: "custom", path: [i, "userId"], message: `${m.userId} is listed twice (also at ${at})` });
      });
    });
}

const scheduleSchema = z.strictObject({
  /** Work hours in the corp's timezone. */
  windows: scheduleWindowsSchema,
  /** Who is on the code outside work hours; empty = the backups. */
  offHoursStaff: staffList(0).default([]),
});
type Schedule = z.output<typeof scheduleSchema>;

const imageAttachment = z
  .strictObject({ type: z.literal("image"), mediaId: mediaId.optional(), picUrl: httpUrl.optional() })
  .superRefine((a, ctx) => {
    if ((a.mediaId === undefined) === (a.picUrl === undefined)) {
      ctx.addIssue({ code: "custom", path: ["mediaId"], message: "an image needs exactly one of mediaId or picUrl" });
    }
  });
const linkAttachment = z.strictObject({
  type: z.literal("link"),
  title: z.string().min(1, "title is required").superRefine(maxBytes(WECOM.linkTitleMaxBytes, "title")),
  url: httpUrl,
  picUrl: httpUrl.optional(),
  desc: z.string().superRefine(maxBytes(WECOM.linkDescMaxBytes, "desc")).optional(),
});
const miniprogramAttachment = z.strictObject({
  type: z.literal("miniprogram"),
  title: z.string().min(1, "title is required").superRefine(maxBytes(WECOM.miniprogramTitleMaxBytes, "title")),
  /** Cover image (520×416 suggested). */
  picMediaId: mediaId,
  /** Must be a mini program linked to the corp. */
  appId: z.string().min(1, "appId is required").max(64),
  page: z.string().min(1, "page is required").max(1024),
});
const videoAttachment = z.strictObject({ type: z.literal("video"), mediaId });
const fileAttachment = z.strictObject({ type: z.literal("file"), mediaId });

export const attachmentSchema = z.discriminatedUnion(
  "type",
  [imageAttachment, linkAttachment, miniprogramAttachment, videoAttachment, fileAttachment],
  { error: "type must be one of image, link, miniprogram, video, file" },
);
export type Attachment = z.output<typeof attachmentSchema>;

/** A welcome message: text (≤ 4000 UTF-8 bytes) and/or up to 9 attachments, not both empty (§4). */
export const welcomeMessageSchema = z
  .strictObject({
    text: z
      .string()
      .superRefine(maxBytes(WECOM.welcomeTextMaxBytes, "text"))
      .transform((t) => (t.trim() === "" ? undefined : t))
      .optional(),
    attachments: z
      .array(attachmentSchema)
      .max(WECOM.welcomeMaxAttachments, `at most ${WECOM.welcomeMaxAttachments} attachments (WeCom limit)`)
      .default([]),
  })
  .superRefine((m, ctx) => {
    if (m.text === undefined && m.attachments.length === 0) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "a welcome message needs text or at least one attachment" });
    }
  });
export type WelcomeMessage = z.output<typeof welcomeMessageSchema>;

const tagIds = z
  .array(tagIdSchema)
  .max(SIYU.channelMaxTags, `at most ${SIYU.channelMaxTags} tags per channel`)
  .superRefine((ids, ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: [i], message: `tag ${id} is listed twice` });
    });
  });

/** Fields without defaults, shared by the create and patch schemas. */
const fields = {
  name: z.string().trim().min(1, "name is required").max(SIYU.channelNameMaxChars),
  /** The pool: who is on the code in work hours (or always, without a schedule). */
  staff: staffList(1),
  /** Who is on the code when no one in the current list (pool or off-hours) is eligible. */
  backupStaff: staffList(0),
  rotation: z.enum(ROTATIONS, { error: `rotation is one of ${ROTATIONS.join(", ")}` }),
  schedule: scheduleSchema,
  /** WeCom `skip_verify`: customers are added without the member confirming. */
  skipVerify: z.boolean(),
  /** Corp tag ids applied to every customer added through the channel (mark_tag). */
  tagIds,
  welcome: welcomeMessageSchema,
  /** Sent instead of `welcome` for adds outside the schedule's work hours. */
  welcomeOffHours: welcomeMessageSchema,
};

type Draft = {
  staff: StaffMember[];
  backupStaff: StaffMember[];
  schedule?: Schedule | undefined;
  welcomeOffHours?: WelcomeMessage | undefined;
};

/** Rules that span fields. Paths are absolute within the channel. */
function crossCheck(c: Draft, ctx: z.RefinementCtx): void {
  const firstIndex = (list: readonly StaffMember[]) => {
    const m = new Map<string, number>();
    list.forEach((s, i) => {
      if (!m.has(s.userId)) m.set(s.userId, i);
    });
    return m;
  };
  const poolIndex = firstIndex(c.staff);
  const offHours = c.schedule?.offHoursStaff ?? [];
  const offIndex = firstIndex(offHours);
  c.backupStaff.forEach((m, i) => {
    const p = poolIndex.get(m.userId);
    if (p !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backupStaff", i, "userId"],
        message: `${m.userId} is already in staff.${p}; a member is either in the pool or a backup`,
      });
    }
    const o = offIndex.get(m.userId);
    if (o !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backupStaff", i, "userId"],
        message: `${m.userId} is already in schedule.offHoursStaff.${o}; a member is either off-hours staff or a backup`,
      });
    }
  });
  // One add counter per member per channel per day, so one cap per member.
  offHours.forEach((m, i) => {
    const p = poolIndex.get(m.userId);
    if (p === undefined) return;
    const poolCap = c.staff[p]!.dailyCap;
    if (poolCap !== undefined && m.dailyCap !== undefined && poolCap !== m.dailyCap) {
      ctx.addIssue({
        code: "custom",
        path: ["schedule", "offHoursStaff", i, "dailyCap"],
        message: `differs from staff.${p}.dailyCap (${poolCap}); a member has one daily cap per channel (omit it to inherit)`,
      });
    }
  });
  if (c.welcomeOffHours !== undefined && c.schedule === undefined) {
    ctx.addIssue({ code: "custom", path: ["welcomeOffHours"], message: "an off-hours welcome needs a schedule" });
  }
}

/** `POST /channels` body. */
export const channelCreateSchema = z
  .strictObject({
    name: fields.name,
    staff: fields.staff,
    backupStaff: fields.backupStaff.default([]),
    rotation: fields.rotation.default("wecom-random"),
    schedule: fields.schedule.optional(),
    skipVerify: fields.skipVerify.default(true),
    tagIds: fields.tagIds.default([]),
    welcome: fields.welcome.optional(),
    welcomeOffHours: fields.welcomeOffHours.optional(),
  })
  .superRefine(crossCheck);

/** A validated channel definition (defaults applied). */
export type ChannelDefinition = z.output<typeof channelCreateSchema>;
export type ChannelCreateInput = z.input<typeof channelCreateSchema>;

/**
 * `PATCH /channels/{id}` body: any subset of the fields; a present field replaces the stored one
 * (lists are replaced whole), `null` removes an optional field (schedule, welcome, welcomeOffHours).
 * Cross-field rules are checked on the merged result by `applyChannelPatch`.
 */
export const channelPatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    staff: fields.staff.optional(),
    backupStaff: fields.backupStaff.optional(),
    rotation: fields.rotation.optional(),
    schedule: fields.schedule.nullable().optional(),
    skipVerify: fields.skipVerify.optional(),
    tagIds: fields.tagIds.optional(),
    welcome: fields.welcome.nullable().optional(),
    welcomeOffHours: fields.welcomeOffHours.nullable().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: "a patch needs at least one field" });
type ChannelPatch = z.output<typeof channelPatchSchema>;

type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Validate a create body without throwing. */
export function validateChannel(input: unknown): ValidationResult<ChannelDefinition> {
  const r = channelCreateSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: formatIssues(r.error) };
}

/** Validate a create body; throws `InvalidInput` (every failing field) when invalid. */
export function parseChannelCreate(input: unknown): ChannelDefinition {
  const r = validateChannel(input);
  if (!r.ok) throw new InvalidInput("The channel definition is not valid", r.issues);
  return r.value;
}

/** Validate a patch body; throws `InvalidInput` when invalid. */
export function parseChannelPatch(input: unknown): ChannelPatch {
  const r = channelPatchSchema.safeParse(input);
  if (!r.success) throw new InvalidInput("The channel patch is not valid", formatIssues(r.error));
  return r.data;
}

/** Apply a validated patch to a stored definition and re-validate the whole; throws `InvalidInput`. */
export function applyChannelPatch(current: ChannelDefinition, patch: ChannelPatch): ChannelDefinition {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const r = channelCreateSchema.safeParse(merged);
  if (!r.success) throw new InvalidInput("The channel would not be valid after this change", formatIssues(r.error));
  return r.data;
}

/**
 * The daily cap of a member on this channel: the first `dailyCap` set for that user id on the pool,
 * the off-hours staff or the backups (validation guarantees they agree), else `defaultCap` (a corp
 * setting, by default the suggested new-account cap).
 */
export function dailyCapOf(
  c: Pick<ChannelDefinition, "staff" | "backupStaff" | "schedule">,
  userId: string,
  defaultCap: number = SIYU.defaultDailyAddCap,
): number {
  for (const list of [c.staff, c.schedule?.offHoursStaff ?? [], c.backupStaff]) {
    const cap = list.find((m) => m.userId === userId)?.dailyCap;
    if (cap !== undefined) return cap;
  }
  return defaultCap;
}

/** Every distinct user id the channel can put on its code (pool, off-hours staff, backups). */
export function channelUserIds(c: Pick<ChannelDefinition, "staff" | "backupStaff" | "schedule">): string[] {
  const ids = [...c.staff, ...(c.schedule?.offHoursStaff ?? []), ...c.backupStaff].map((m) => m.userId);
  return [...new Set(ids)];
}

/** Any `state` WeCom accepts (§2: ≤ 30 characters). */
export const channelStateSchema = z
  .string()
  .min(1)
  .max(WECOM.stateMaxChars, `state is at most ${WECOM.stateMaxChars} characters (WeCom limit)`);

const SIYU_STATE_RE = new RegExp(`^[0-9a-hjkmnp-tv-z]{${SIYU.channelStateLength}}$`);

/**
 * A new channel `state`: a random short id (kernel `shortId`, Crockford base32, 10 chars), well under
 * WeCom's 30-char limit, and never equal to `UNKNOWN_CHANNEL_ID`. The caller stores it with a
 * conditional put and draws again on a (very unlikely) collision.
 */
export function newChannelState(random: (length: number) => string = shortId): string {
  return random(SIYU.channelStateLength);
}

/** Whether a state looks like one Siyu generated (other tools may put arbitrary states on codes). */
export function isSiyuChannelState(state: string): boolean {
  return SIYU_STATE_RE.test(state);
}
