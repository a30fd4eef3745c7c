/**
 * Broadcast campaigns (客户群发) as the admin API accepts them (`POST /v1/broadcasts`, `PATCH`): the
 * audience, the content (content.ts), the schedule, deadline and reminders (schedule.ts) and
 * `allowSelect`. Every failing field comes back at once as `InvalidInput`, with paths from the request
 * (`body.content.attachments.2.link.title`).
 */
import { type FieldIssue, formatIssues, isDay } from "@siyu/kernel";
import { WECOM_LIMITS as L } from "@siyu/wecom";
import * as z from "zod";
import type { AudienceFilter } from "./audience-types.ts";
import { contentSchema } from "./content.ts";
import { InvalidInput } from "./errors.ts";
import { DEFAULT_REMINDER_POLICY, reminderPolicySchema, scheduleIssues, scheduleSchema } from "./schedule.ts";
import { assertEditable, type CampaignStatus } from "./status.ts";

/** Siyu's own bounds (product choices, not WeCom rules). */
export const CAMPAIGN_LIMITS = {
  nameChars: 100,
  /** Staff, channel and owner filters. */
  filterIds: 1000,
  /** Explicit customers: one `add_msg_template` call's worth (§7). */
  externalUserIds: L.msgTemplateExternalUsers,
  tagGroups: 50,
} as const;

const id = z.string().min(1, "must not be empty").max(128);

function idList(max: number, what: string) {
  return z
    .array(id)
    .min(1, `at least one ${what} (omit the field to not filter)`)
    .max(max, `at most ${max} ${what}s`)
    .superRefine((ids, ctx) => {
      const seen = new Set<string>();
      ids.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: "custom", path: [i], message: `${v} is listed twice` });
        seen.add(v);
      });
    });
}

const day = z.string().refine(isDay, "must be a calendar day YYYY-MM-DD (corp timezone)");

const tagExpression = z.strictObject({
  /** OR within each inner list (a tag group), AND across lists (WeCom `tag_filter`, §7). */
  allOf: z
    .array(z.array(id).min(1, "a tag group needs at least one tag").max(L.msgTemplateTagsPerGroup, `at most ${L.msgTemplateTagsPerGroup} tags per group (WeCom limit)`))
    .max(CAMPAIGN_LIMITS.tagGroups, `at most ${CAMPAIGN_LIMITS.tagGroups} tag groups`)
    .default([]),
  /** Customers with any of these tags are left out. */
  noneOf: z.array(id).max(L.msgTemplateTagsPerGroup, `at most ${L.msgTemplateTagsPerGroup} exclusion tags`).default([]),
});

export const audienceSchema = z.discriminatedUnion(
  "chatType",
  [
    z
      .strictObject({
        chatType: z.literal("single"),
        tags: tagExpression.optional(),
        staff: idList(CAMPAIGN_LIMITS.filterIds, "staff member").optional(),
        channels: idList(CAMPAIGN_LIMITS.filterIds, "channel").optional(),
        addedFrom: day.optional(),
        addedTo: day.optional(),
        externalUserIds: idList(CAMPAIGN_LIMITS.externalUserIds, "customer").optional(),
      })
      .superRefine((a, ctx) => {
        if (a.addedFrom !== undefined && a.addedTo !== undefined && a.addedFrom > a.addedTo) {
          ctx.addIssue({ code: "custom", path: ["addedTo"], message: `is before addedFrom (${a.addedFrom})` });
        }
      }),
    z
      .strictObject({
        chatType: z.literal("group"),
        owners: idList(CAMPAIGN_LIMITS.filterIds, "owner").optional(),
        chatIds: idList(L.msgTemplateChatIds, "group chat").optional(),
      })
      .superRefine((a, ctx) => {
        // A group broadcast needs a sender (the owner, §7): with neither field there is no one to send.
        if (a.owners === undefined && a.chatIds === undefined) {
          ctx.addIssue({ code: "custom", path: ["owners"], message: "a group broadcast needs owners or chatIds" });
        }
      }),
  ],
  { error: "chatType must be single or group" },
);

const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 instant with a timezone offset" });

const fields = {
  name: z.string().trim().min(1, "name is required").max(CAMPAIGN_LIMITS.nameChars),
  audience: audienceSchema,
  content: contentSchema,
  schedule: scheduleSchema,
  /** When unsent tasks are cancelled; default 00:00 on the third corp day after the start (schedule.ts). */
  deadline: instant,
  reminders: reminderPolicySchema,
  /** WeCom `allow_select`: the member may re-pick recipients. Customer broadcasts only (§7). */
  allowSelect: z.boolean(),
};

/**
 * `POST /v1/broadcasts` body, field by field. The rules across fields and the ones that need the clock
 * are checked by `parseCampaignCreate` on the parts that parse, so one bad field never hides another.
 */
export const campaignCreateSchema = z.strictObject({
  name: fields.name,
  audience: fields.audience,
  content: fields.content,
  schedule: fields.schedule,
  deadline: fields.deadline.optional(),
  reminders: fields.reminders.default(DEFAULT_REMINDER_POLICY),
  allowSelect: fields.allowSelect.default(false),
});

/** A validated campaign definition (defaults applied). */
export type CampaignDefinition = z.output<typeof campaignCreateSchema>;
export type CampaignCreateInput = z.input<typeof campaignCreateSchema>;

// The audience schema and audience-types.ts describe one shape: this fails to compile if they drift.
const _audienceMatches: (a: z.output<typeof audienceSchema>) => AudienceFilter = (a) => a;
void _audienceMatches;

/**
 * `PATCH /v1/broadcasts/{id}` body: any subset of the fields; a present field replaces the stored one
 * whole, `deadline: null` returns to the default. Cross-field rules run on the merged result.
 */
export const campaignPatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    audience: fields.audience.optional(),
    content: fields.content.optional(),
    schedule: fields.schedule.optional(),
    deadline: fields.deadline.nullable().optional(),
    reminders: fields.reminders.optional(),
    allowSelect: fields.allowSelect.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: "a patch needs at least one field" });

export interface CampaignContext {
  now: Date;
  timeZone: string;
}

const PREFIX = ["body"] as const;
const prefixed = (issues: FieldIssue[]) => issues.map((i) => ({ ...i, path: [...PREFIX, i.path].filter(Boolean).join(".") }));

function invalid(issues: FieldIssue[]): InvalidInput {
  return new InvalidInput(`the campaign is not valid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
}

const timing = z.looseObject({ schedule: fields.schedule, deadline: fields.deadline.optional(), reminders: fields.reminders.default(DEFAULT_REMINDER_POLICY) });
const selecting = z.looseObject({ audience: z.looseObject({ chatType: z.string() }), allowSelect: z.literal(true) });

/** Rules across fields, on whichever of their fields parse. Paths are relative to the body. */
function crossFieldIssues(body: unknown, ctx: CampaignContext, checkStart: boolean): FieldIssue[] {
  const out: FieldIssue[] = [];
  const s = selecting.safeParse(body);
  if (s.success && s.data.audience.chatType === "group") {
    out.push({ path: "allowSelect", message: 'only for customer broadcasts (audience.chatType "single", WeCom §7)' });
  }
  const t = timing.safeParse(body);
  if (t.success) out.push(...scheduleIssues(t.data, { ...ctx, checkStart }));
  return out;
}

function validate(body: unknown, ctx: CampaignContext, checkStart: boolean): CampaignDefinition {
  const parsed = campaignCreateSchema.safeParse(body);
  const issues = [...(parsed.success ? [] : formatIssues(parsed.error, PREFIX)), ...prefixed(crossFieldIssues(body, ctx, checkStart))];
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  return parsed.data;
}

/**
 * Validate a create body; throws `InvalidInput` listing every failing field.
 *
 * @example
 * parseCampaignCreate({ name: "双11", audience: { chatType: "single" }, content: { text: "你好" }, schedule: { kind: "now" } },
 *   { now: new Date(), timeZone: "Asia/Shanghai" })
 */
export function parseCampaignCreate(body: unknown, ctx: CampaignContext): CampaignDefinition {
  return validate(body, ctx, true);
}

/**
 * Apply a patch to a stored campaign. Throws `CampaignStarted` / `CampaignFinished` once the campaign
 * has started or ended, and `InvalidInput` for a bad patch or a merged result that breaks a rule. A
 * start in the past is only refused when the patch changes the schedule (a rename of a campaign whose
 * start is due must not fail).
 */
export function applyCampaignPatch(
  stored: CampaignDefinition,
  status: CampaignStatus,
  body: unknown,
  ctx: CampaignContext,
): CampaignDefinition {
  assertEditable(status);
  const parsed = campaignPatchSchema.safeParse(body);
  if (!parsed.success) throw invalid(formatIssues(parsed.error, PREFIX));
  const merged: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(parsed.data)) {
    if (v === null) delete merged[k];
    else if (v !== undefined) merged[k] = v;
  }
  return validate(merged, ctx, parsed.data.schedule !== undefined);
}
